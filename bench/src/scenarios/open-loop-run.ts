import { performance } from 'node:perf_hooks';
import { CpuSampler } from '../cpu-sampler.js';
import { runOpenLoopProcess } from '../open-loop/run-open-loop.js';
import type { OpenLoopResult } from '../open-loop/open-loop-client.js';
import { assertRunning } from '../processes.js';
import { ticksToMs } from './closed-loop.js';
import type { RunKey, ScenarioContext, Side } from './scenario-context.js';

export interface OpenLoopLoad {
  path: string;
  /** Requests per second, held whatever the server does (no coordinated omission). */
  rate: number;
  /** Sockets the generator may open: more than the server's queue bound, so the queue is the server's. */
  connections: number;
  /** Runs beside the load, started with it and awaited after it: e.g. a recycle every 2 s. */
  beside?: (signal: AbortSignal) => Promise<void>;
}

/** What a client sees as a failure: a timeout, a socket error, or a status other than 200 and 503. */
export function failedRequests(result: OpenLoopResult): number {
  const other = Object.entries(result.byStatus)
    .filter(([status]) => status !== '200' && status !== '503')
    .reduce((sum, [, n]) => sum + n, 0);
  return result.timeouts + result.errors + other;
}

/**
 * One open-loop run at a fixed rate for the run's seconds, the side's CPU sampled around it. Records the
 * figures every open-loop scenario shares (goodput, p99, timeouts, failures) and returns the result for the
 * scenario's own.
 */
export async function measureOpenLoop(
  context: ScenarioContext,
  key: RunKey,
  side: Side,
  load: OpenLoopLoad,
): Promise<OpenLoopResult> {
  const { options, results } = context;
  const sampler = new CpuSampler(side.processes);
  const start = await sampler.sample();
  const startedAt = performance.now();
  const stop = new AbortController();
  const beside = load.beside?.(stop.signal);
  let result: OpenLoopResult & { cpuTicks: number };
  try {
    result = await runOpenLoopProcess({
      url: `${side.baseUrl}${load.path}`,
      rate: load.rate,
      durationSeconds: options.seconds,
      connections: load.connections,
      timeoutMs: 10_000,
    });
  } finally {
    stop.abort();
    await beside;
    assertRunning(
      side.services,
      `the open-loop run of ${key.side} ${key.variant} (scenario ${key.scenario})`,
    );
  }
  const end = await sampler.sample();
  const wallSeconds = (performance.now() - startedAt) / 1000;
  const ticks = CpuSampler.between(start, end);
  ticks.set('load generator', result.cpuTicks);
  results.addCpu({ ...key, cpuMs: ticksToMs(ticks), requests: result.completed, wallSeconds });
  const ok = result.byStatus['200'] ?? 0;
  results.add({ ...key, metric: 'offered req/s' }, 'req/s', true, result.achievedRate);
  results.add({ ...key, metric: 'goodput req/s' }, 'req/s', true, ok / result.durationSeconds);
  results.add({ ...key, metric: 'p99 ms' }, 'ms', false, result.latency.p99Ms);
  results.add({ ...key, metric: 'timeouts' }, 'requests', false, result.timeouts);
  results.add({ ...key, metric: 'failed requests' }, 'requests', false, failedRequests(result));
  process.stderr.write(
    `bench: scenario ${key.scenario} ${key.variant} ${key.side} run ${context.round}: offered ${result.achievedRate.toFixed(0)} req/s, goodput ${(ok / result.durationSeconds).toFixed(0)} req/s, p99 ${result.latency.p99Ms.toFixed(1)} ms, statuses ${JSON.stringify(result.byStatus)}, timeouts ${result.timeouts}, errors ${result.errors}, generator lag ${result.maxLagMs.toFixed(0)} ms\n`,
  );
  return result;
}

/**
 * Start `action` every `everyMs` on a fixed cadence until the signal aborts, skipping a tick while the last
 * one is still running: PM2 refuses a reload while one is in progress, and a recycle that takes longer than
 * the period cannot be asked for twice. Resolves, once the last has settled, with how many ran; the first
 * failure is thrown.
 */
export async function every(
  everyMs: number,
  signal: AbortSignal,
  action: () => Promise<void>,
): Promise<number> {
  let running: Promise<void> | undefined;
  let count = 0;
  let failure: Error | undefined;
  const tick = () => {
    if (running) return;
    count += 1;
    running = action()
      .catch((error: unknown) => void (failure ??= error instanceof Error ? error : new Error(String(error))))
      .finally(() => (running = undefined));
  };
  await new Promise<void>((resolve) => {
    const timer = setInterval(tick, everyMs);
    signal.addEventListener('abort', () => (clearInterval(timer), resolve()), { once: true });
  });
  await running;
  if (failure !== undefined) throw failure;
  return count;
}
