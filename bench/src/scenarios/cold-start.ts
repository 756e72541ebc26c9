import { performance } from 'node:perf_hooks';
import { httpRequest } from '@w3pool/test/helpers';
import { phpPagesDir } from '../apps/app-paths.js';
import type { Cleanup } from '../processes.js';
import { NGINX_PHP, PM2, startNginxPhpSide, startPhpFpmFor, startPm2Side } from './peer-sides.js';
import type { ScenarioContext, Side } from './scenario-context.js';
import { startSdkSide } from './w3pool-side.js';

/** IIS's default startMode: the pool host starts no worker until a request waits. */
const ON_DEMAND_GARDEN = { startMode: 'OnDemand', processModel: { maxProcesses: 2 } };
import { withSide } from './with-side.js';

const VARIANT = 'idle pool';

/** One request's wall time, on a fresh connection; it must succeed for the figure to mean anything. */
async function timedGet(url: string): Promise<number> {
  const startedAt = performance.now();
  const response = await httpRequest(url, { timeoutMs: 60_000 });
  const ms = performance.now() - startedAt;
  if (response.status !== 200)
    throw new Error(`${url} answered ${response.status}: ${response.body.slice(0, 200)}`);
  return ms;
}

async function recordFirstTwo(context: ScenarioContext, side: Side, path: string): Promise<void> {
  const key = { scenario: 9, variant: VARIANT, side: side.name };
  const first = await timedGet(`${side.baseUrl}${path}`);
  const second = await timedGet(`${side.baseUrl}${path}`);
  context.results.add({ ...key, metric: 'first request ms' }, 'ms', false, first);
  context.results.add({ ...key, metric: 'second request ms' }, 'ms', false, second);
  process.stderr.write(
    `bench: scenario 9 ${side.name} run ${context.round}: first ${first.toFixed(0)} ms, second ${second.toFixed(1)} ms\n`,
  );
}

/**
 * Scenario 9: the first request to an idle pool. w3pool's pool host is up with no worker process
 * (startMode OnDemand, IIS's default), so the request waits for a w3wp to start. php-fpm's `ondemand` pool
 * forks its first child for it. PM2 has no on-demand start: its figure is from `pm2 start` to the first
 * answer, what a deploy or a reboot costs.
 */
export async function coldStart(context: ScenarioContext): Promise<void> {
  await withSide(
    context,
    9,
    'w3pool',
    (c) => startSdkSide(context, c, ON_DEMAND_GARDEN),
    (side) => recordFirstTwo(context, side, '/hello'),
  );
  await withSide(
    context,
    9,
    PM2,
    async (cleanup: Cleanup) => {
      const startedAt = performance.now();
      const side = await startPm2Side(context, cleanup);
      const key = { scenario: 9, variant: VARIANT, side: side.name };
      context.results.add({ ...key, metric: 'first request ms' }, 'ms', false, performance.now() - startedAt);
      return side;
    },
    async (side) => {
      const second = await timedGet(`${side.baseUrl}/hello`);
      context.results.add(
        { scenario: 9, variant: VARIANT, side: side.name, metric: 'second request ms' },
        'ms',
        false,
        second,
      );
    },
  );
  await withSide(
    context,
    9,
    NGINX_PHP,
    async (cleanup: Cleanup) => {
      const fpm = await startPhpFpmFor(context, cleanup, { pm: 'ondemand', maxChildren: 4 });
      return startNginxPhpSide(context, cleanup, fpm, phpPagesDir());
    },
    (side) => recordFirstTwo(context, side, '/hello.php'),
  );
}
