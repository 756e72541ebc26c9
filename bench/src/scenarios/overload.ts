import { cpuSides, measureCapacity } from './cpu-sides.js';
import { measureOpenLoop } from './open-loop-run.js';
import type { ScenarioContext } from './scenario-context.js';
import { withSide } from './with-side.js';

const VARIANT = '3× capacity';
/** More sockets than any side's bound (queueLength 100 plus what is being served): the queue is the server's. */
const CONNECTIONS = 512;

/**
 * Scenario 7: overload. Each side's capacity is measured first (wrk, closed loop, 64 connections, 1 ms of
 * CPU per request); then an open-loop generator offers 3 × that rate. What counts: the goodput (200s per
 * second), how fast the refusals are (503 p99: a bounded queue should say no at once), and timeouts.
 */
export async function overload(context: ScenarioContext): Promise<void> {
  for (const spec of cpuSides(context)) {
    await withSide(context, 7, spec.name, spec.start, async (side) => {
      const capacity = await measureCapacity(context, 7, side, spec.path);
      const key = { scenario: 7, variant: VARIANT, side: side.name };
      const rate = Math.round(capacity * 3);
      const result = await measureOpenLoop(context, key, side, {
        path: spec.path,
        rate,
        connections: CONNECTIONS,
      });
      const { results } = context;
      results.add({ ...key, metric: 'capacity req/s' }, 'req/s', true, capacity);
      const refused = result.byStatus['503'] ?? 0;
      results.add({ ...key, metric: '503 rate %' }, '%', false, (refused / Math.max(1, result.sent)) * 100);
      const refusals = result.latencyByStatus['503'];
      if (refusals !== undefined) results.add({ ...key, metric: '503 p99 ms' }, 'ms', false, refusals.p99Ms);
      const served = result.latencyByStatus['200'];
      if (served !== undefined) results.add({ ...key, metric: '200 p99 ms' }, 'ms', false, served.p99Ms);
      // One profile per side for the chart: the latest round's replaces an earlier one.
      const profiles = results.latency;
      const at = profiles.findIndex((p) => p.scenario === 7 && p.side === side.name);
      if (at >= 0) profiles.splice(at, 1);
      profiles.push({ ...key, percentiles: result.percentiles });
    });
  }
}
