import { postScript } from '../wrk.js';
import { measureClosedLoop, type ClosedLoopLoad } from './closed-loop.js';
import { PM2, startPm2Side } from './peer-sides.js';
import type { ScenarioContext, Side } from './scenario-context.js';
import { firstServed, startExpressSide, startSdkSide } from './w3pool-side.js';
import { withSide } from './with-side.js';
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cleanup } from '../processes.js';

// Scenarios 1, 2, 3 and 5: a Node handler in w3pool against the same work under PM2 in cluster mode.

interface Variant extends ClosedLoopLoad {
  variant: string;
}

async function measureVariants(
  context: ScenarioContext,
  scenario: number,
  side: Side,
  variants: Variant[],
): Promise<void> {
  await firstServed(side, variants[0]!.path);
  for (const { variant, ...load } of variants) {
    await measureClosedLoop(context, { scenario, variant, side: side.name }, side, load);
  }
}

/** Scenario 1: hello at 16, 64 and 256 connections (the run's --connections). */
export async function dynamicHello(context: ScenarioContext): Promise<void> {
  const variants = context.options.connections.map((connections) => ({
    variant: `${connections} conns`,
    path: '/hello',
    connections,
  }));
  await withSide(
    context,
    1,
    'w3pool',
    (c) => startSdkSide(context, c),
    (s) => measureVariants(context, 1, s, variants),
  );
  await withSide(
    context,
    1,
    PM2,
    (c) => startPm2Side(context, c),
    (s) => measureVariants(context, 1, s, variants),
  );
}

/** Scenario 2: the same Express app, under NodeAppModule and under PM2. */
export async function expressHello(context: ScenarioContext): Promise<void> {
  const variants = [{ variant: '64 conns', path: '/hello', connections: 64 }];
  await withSide(
    context,
    2,
    'w3pool',
    (c) => startExpressSide(context, c),
    (s) => measureVariants(context, 2, s, variants),
  );
  await withSide(
    context,
    2,
    PM2,
    (c) => startPm2Side(context, c, 'express'),
    (s) => measureVariants(context, 2, s, variants),
  );
}

/** Scenario 3: 1 ms of synchronous work per request; the hop's cost should hide behind it. */
export async function cpuBound(context: ScenarioContext): Promise<void> {
  const variants = [{ variant: '64 conns', path: '/cpu', connections: 64 }];
  await withSide(
    context,
    3,
    'w3pool',
    (c) => startSdkSide(context, c),
    (s) => measureVariants(context, 3, s, variants),
  );
  await withSide(
    context,
    3,
    PM2,
    (c) => startPm2Side(context, c),
    (s) => measureVariants(context, 3, s, variants),
  );
}

/** Scenario 5: a 1 MB response streamed in 64 KB writes, and a 100 KB upload echoed back. */
export async function largeBodies(context: ScenarioContext): Promise<void> {
  const cleanup = { dir: '' };
  cleanup.dir = await mkdtemp(join(tmpdir(), 'w3pool-bench-lua-'));
  try {
    const upload = join(cleanup.dir, 'post-100k.lua');
    await writeFile(upload, postScript(100 * 1024));
    const variants = [
      { variant: '1 MB download', path: '/1mb', connections: 16 },
      { variant: '100 KB upload', path: '/echo', connections: 16, script: upload },
    ];
    const start = (c: Cleanup) => startSdkSide(context, c);
    // The upload's warm-up path must answer a GET too: /1mb is the first variant's, so firstServed uses it.
    await withSide(context, 5, 'w3pool', start, (s) => measureVariants(context, 5, s, variants));
    await withSide(
      context,
      5,
      PM2,
      (c) => startPm2Side(context, c),
      (s) => measureVariants(context, 5, s, variants),
    );
  } finally {
    await rm(cleanup.dir, { recursive: true, force: true });
  }
}
