import { cpuSides, measureCapacity } from './cpu-sides.js';
import { every, failedRequests, measureOpenLoop } from './open-loop-run.js';
import type { ScenarioContext } from './scenario-context.js';
import { withSide } from './with-side.js';

const VARIANT = 'recycle every 2 s';
const CONNECTIONS = 256;

/**
 * Scenario 8: a graceful restart every 2 s at half capacity, open loop. Each side runs the same load twice,
 * steady and with the restarts, so the p99 penalty is the restarts' alone. w3pool's recycle overlaps the
 * old and new worker processes (disallowOverlappingRotation false) and its queue holds requests meanwhile:
 * the target is 0 failed requests.
 */
export async function recycleUnderLoad(context: ScenarioContext): Promise<void> {
  for (const spec of cpuSides(context)) {
    await withSide(context, 8, spec.name, spec.start, async (side) => {
      const capacity = await measureCapacity(context, 8, side, spec.path);
      const rate = Math.round(capacity / 2);
      const load = { path: spec.path, rate, connections: CONNECTIONS };
      const steady = await measureOpenLoop(
        context,
        { scenario: 8, variant: 'steady', side: side.name },
        side,
        load,
      );
      const key = { scenario: 8, variant: VARIANT, side: side.name };
      let restarts = 0;
      const result = await measureOpenLoop(context, key, side, {
        ...load,
        beside: async (signal) => {
          restarts = await every(2_000, signal, side.control);
        },
      });
      const { results } = context;
      results.add(
        { ...key, metric: 'errors' },
        'requests',
        false,
        failedRequests(result) + (result.byStatus['503'] ?? 0),
      );
      results.add(
        { ...key, metric: 'p99 penalty ms' },
        'ms',
        false,
        result.latency.p99Ms - steady.latency.p99Ms,
      );
      results.add({ ...key, metric: 'restarts' }, 'restarts', true, restarts);
    });
  }
}
