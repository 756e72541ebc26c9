import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { STATIC_FILE_MAPPING } from '@w3pool/config';
import { eventually, fixtureSite, httpRequest } from '@w3pool/test/helpers';
import { expressAppScript, phpPagesDir } from '../apps/app-paths.js';
import { startW3pool, waitUntilServed, type W3poolSystem } from '../cases/w3pool-system.js';
import { fourKbPage } from '../payload.js';
import { benchScript, type Cleanup } from '../processes.js';
import type { ScenarioContext, Side } from './scenario-context.js';

/**
 * w3pool as the scenarios run it: a web garden of 2 worker processes (`processModel.maxProcesses: 2`), the
 * same shape as PM2's 2 cluster instances on this 2-core machine, both kept up (`startMode: AlwaysRunning`)
 * as PM2 starts both at once. Everything else keeps IIS's defaults. The cold start (scenario 9) uses
 * IIS's default OnDemand instead.
 */
export const WEB_GARDEN = { startMode: 'AlwaysRunning', processModel: { maxProcesses: 2 } };
const GARDEN_SIZE = WEB_GARDEN.processModel.maxProcesses;

function gardenSize(pool: Record<string, unknown>): number {
  const model = pool.processModel as { maxProcesses?: number } | undefined;
  return model?.maxProcesses ?? 1;
}

export interface W3poolSide extends Side {
  system: W3poolSystem;
  /** POST /api/apppools/DefaultAppPool/recycle: answers once the pool host has started the recycle. */
  recycle: () => Promise<void>;
}

/** The SDK handlers: /hello (BenchHello), /cpu, /1mb and /echo (BenchScenarios). */
export function sdkHandlers(): unknown[] {
  const scenarios = benchScript('scenario-extension.js');
  return [
    { name: 'BenchHello', path: 'hello', verb: '*', type: benchScript('hello-extension.js') },
    ...['cpu', '1mb', 'echo'].map((path) => ({ name: `Bench-${path}`, path, verb: '*', type: scenarios })),
  ];
}

export async function startSdkSide(
  context: ScenarioContext,
  cleanup: Cleanup,
  pool: Record<string, unknown> = WEB_GARDEN,
): Promise<W3poolSide> {
  return started(
    await startW3pool(context, cleanup, { root: fixtureSite, handlers: sdkHandlers(), pool }),
    pool,
  );
}

/** The Express app under NodeAppModule (iisnode's role), unmodified: the file PM2 runs too. */
export async function startExpressSide(context: ScenarioContext, cleanup: Cleanup): Promise<W3poolSide> {
  const script = expressAppScript();
  const handler = {
    name: 'NodeApp',
    path: '*',
    verb: '*',
    modules: 'NodeAppModule',
    scriptProcessor: basename(script),
  };
  const system = await startW3pool(context, cleanup, {
    root: dirname(script),
    handlers: [handler],
    pool: WEB_GARDEN,
  });
  return started(system, WEB_GARDEN);
}

/** A 4 KB file through StaticFileModule, with the listener's response cache on or off. */
export async function startStaticSide(
  context: ScenarioContext,
  cleanup: Cleanup,
  kernelCache: boolean,
): Promise<W3poolSide> {
  const root = await staticRoot(cleanup);
  const system = await startW3pool(context, cleanup, {
    root,
    handlers: [STATIC_FILE_MAPPING],
    pool: WEB_GARDEN,
    webServer: { caching: { enableKernelCache: kernelCache } },
  });
  return started(system, WEB_GARDEN);
}

/** A site root holding page.txt, the 4 KB file every static side serves. */
export async function staticRoot(cleanup: Cleanup): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'w3pool-bench-static-'));
  cleanup.add(() => rm(root, { recursive: true, force: true }));
  await writeFile(join(root, 'page.txt'), fourKbPage());
  return root;
}

/** *.php through FastCgiModule to a php-fpm w3pool does not start (`address`), as nginx reaches it. */
export async function startPhpSide(
  context: ScenarioContext,
  cleanup: Cleanup,
  phpFpm: { binary: string; socket: string; maxChildren: number },
  pool: Record<string, unknown> = WEB_GARDEN,
): Promise<W3poolSide> {
  const handler = {
    name: 'PHP-FPM',
    path: '*.php',
    verb: 'GET,HEAD,POST',
    modules: 'FastCgiModule',
    scriptProcessor: phpFpm.binary,
    resourceType: 'File',
  };
  const system = await startW3pool(context, cleanup, {
    root: phpPagesDir(),
    handlers: [handler],
    pool,
    webServer: {
      fastCgi: {
        applications: [
          // Requests at once per worker process: its share of php-fpm's children, so the garden's kept
          // connections never outnumber them (a connection beyond them waits in php-fpm's backlog).
          {
            fullPath: phpFpm.binary,
            address: `unix:${phpFpm.socket}`,
            maxInstances: Math.max(1, Math.floor(phpFpm.maxChildren / gardenSize(pool))),
          },
        ],
      },
    },
  });
  return started(system, pool);
}

/**
 * AlwaysRunning starts the garden with the pool host, but a worker process takes seconds to load: wait
 * until WAS lists every one Running (its first ping), so no measured run starts with half a garden.
 */
async function gardenRunning(system: W3poolSystem, pool: Record<string, unknown>): Promise<void> {
  if (pool.startMode !== 'AlwaysRunning') return;
  await eventually(
    async () => {
      const response = await httpRequest(`${system.wasUrl}/api/wp`, { headers: system.adminHeaders });
      const records = JSON.parse(response.body) as { pool: string; state: string }[];
      const running = records.filter((r) => r.pool === 'DefaultAppPool' && r.state === 'Running');
      return running.length >= GARDEN_SIZE ? true : undefined;
    },
    `${GARDEN_SIZE} worker processes Running`,
    60_000,
  );
}

async function started(system: W3poolSystem, pool: Record<string, unknown>): Promise<W3poolSide> {
  await gardenRunning(system, pool);
  const recycle = async () => {
    const response = await httpRequest(`${system.wasUrl}/api/apppools/DefaultAppPool/recycle`, {
      method: 'POST',
      headers: system.adminHeaders,
    });
    if (response.status >= 300) throw new Error(`recycle answered ${response.status}: ${response.body}`);
  };
  return {
    name: 'w3pool',
    baseUrl: system.baseUrl,
    processes: system.processes,
    services: system.services,
    system,
    recycle,
  };
}

/** OnDemand: the first request starts the worker processes. Wait for it (with a deadline), not a sleep. */
export async function firstServed(side: Side, path: string): Promise<void> {
  await waitUntilServed(`${side.baseUrl}${path}`);
}
