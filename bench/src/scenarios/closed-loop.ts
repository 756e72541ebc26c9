import { performance } from 'node:perf_hooks';
import { CLOCK_TICKS, CpuSampler } from '../cpu-sampler.js';
import { assertRunning } from '../processes.js';
import { runWrk, type WrkResult } from '../wrk.js';
import type { RunKey, ScenarioContext, Side } from './scenario-context.js';

export interface ClosedLoopLoad {
  path: string;
  connections: number;
  /** A wrk Lua script (postScript()), for uploads. */
  script?: string;
}

/**
 * A throughput figure: wrk (closed loop, as the hop cases measure) warms the side up, then makes this
 * round's measured run while every process's CPU is sampled. Records req/s, p50 and p99, errors (non-2xx and
 * socket errors) and the CPU split, and returns wrk's result.
 */
export async function measureClosedLoop(
  context: ScenarioContext,
  key: RunKey,
  side: Side,
  load: ClosedLoopLoad,
): Promise<WrkResult> {
  const { options, results } = context;
  const url = `${side.baseUrl}${load.path}`;
  const checked = async (seconds: number, during: string) => {
    try {
      return await runWrk(url, load.connections, seconds, load.script);
    } finally {
      assertRunning(side.services, `${during} of ${key.side} ${key.variant} (scenario ${key.scenario})`);
    }
  };
  await checked(options.warmupSeconds, 'the warm-up');
  const sampler = new CpuSampler(side.processes);
  const start = await sampler.sample();
  const startedAt = performance.now();
  const wrk = await checked(options.seconds, `run ${context.round}`);
  const end = await sampler.sample();
  const wallSeconds = (performance.now() - startedAt) / 1000;
  results.add({ ...key, metric: 'req/s' }, 'req/s', true, wrk.requestsPerSecond);
  results.add({ ...key, metric: 'p50 ms' }, 'ms', false, wrk.p50Ms);
  results.add({ ...key, metric: 'p99 ms' }, 'ms', false, wrk.p99Ms);
  results.add({ ...key, metric: 'errors' }, 'responses', false, wrk.non2xx + wrk.socketErrors);
  const ticks = CpuSampler.between(start, end);
  ticks.set('load generator', wrk.cpuTicks);
  results.addCpu({ ...key, cpuMs: ticksToMs(ticks), requests: wrk.requests, wallSeconds });
  process.stderr.write(
    `bench: scenario ${key.scenario} ${key.variant} ${key.side} run ${context.round}: ${wrk.requestsPerSecond.toFixed(0)} req/s, p99 ${wrk.p99Ms.toFixed(2)} ms, errors ${wrk.non2xx + wrk.socketErrors}\n`,
  );
  return wrk;
}

/** CPU ticks per role → milliseconds per role. */
export function ticksToMs(ticks: Map<string, number>): Record<string, number> {
  const ms: Record<string, number> = {};
  for (const [role, n] of ticks) ms[role] = (n * 1000) / CLOCK_TICKS;
  return ms;
}
