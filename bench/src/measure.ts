import { performance } from 'node:perf_hooks';
import type { ServiceProcess } from '@w3pool/test/helpers';
import { CpuSampler, type ProcessRole } from './cpu-sampler.js';
import type { BenchOptions, CaseName } from './options.js';
import { assertRunning } from './processes.js';
import type { RedisStats } from './redis-stats.js';
import type { BenchResults, Label, RunSample } from './results.js';
import { runWrk, type WrkResult } from './wrk.js';

/** What a case hands to every measurement. */
export interface CaseContext {
  options: BenchOptions;
  results: BenchResults;
  /** Which round this is (1..options.runs): each round runs every case once, one run per measurement. */
  round: number;
}

/** One URL of a running case, with the processes whose CPU counts and the Redis it uses (if any). */
export interface MeasureTarget {
  caseName: CaseName;
  label: Label;
  url: string;
  processes: ProcessRole[];
  /** The processes the case started, which must all outlive every run. */
  services: ServiceProcess[];
  redis?: RedisStats;
  /** Runs after the warm-up, before the measured runs: e.g. to confirm the warm-up hit the cache. */
  afterWarmup?: (warmup: WrkResult) => Promise<void>;
}

/**
 * Warm up (JIT, connection pools, OnDemand workers, the response cache), then make this round's run of
 * wrk, sampling every process's CPU and resetting Redis's command statistics around it. The run joins the
 * earlier rounds' runs of the same measurement in the results as soon as it is complete, so a later failure
 * keeps it.
 */
export async function measure(
  context: CaseContext,
  target: MeasureTarget,
  connections: number,
): Promise<void> {
  const { options, round } = context;
  const warmup = await checkedWrk(target, connections, options.warmupSeconds, 'during the warm-up');
  await target.afterWarmup?.(warmup);
  const sampler = new CpuSampler(target.processes);
  const sample = await measureRun(sampler, target, connections, options.seconds, `during run ${round}`);
  process.stderr.write(
    `bench: ${target.label} -c${connections} run ${round}/${options.runs}: ${sample.wrk.requestsPerSecond.toFixed(0)} req/s, p50 ${sample.wrk.p50Ms.toFixed(2)} ms, p99 ${sample.wrk.p99Ms.toFixed(2)} ms, non-2xx ${sample.wrk.non2xx}, socket errors ${sample.wrk.socketErrors}\n`,
  );
  context.results.add({ caseName: target.caseName, label: target.label, connections, runs: [sample] });
}

async function measureRun(
  sampler: CpuSampler,
  target: MeasureTarget,
  connections: number,
  seconds: number,
  during: string,
): Promise<RunSample> {
  await target.redis?.reset();
  const start = await sampler.sample();
  const startedAt = performance.now();
  const wrk = await checkedWrk(target, connections, seconds, during);
  // Sample first, then ask Redis: the run's window should end when wrk does.
  const end = await sampler.sample();
  const wallSeconds = (performance.now() - startedAt) / 1000;
  const redis = await target.redis?.read();
  const cpuTicks = CpuSampler.between(start, end);
  cpuTicks.set('wrk', wrk.cpuTicks);
  return { wrk, wallSeconds, cpuTicks, redis };
}

/** wrk, then a check that every service survived it: wrk fails or counts errors when one did not. */
async function checkedWrk(
  target: MeasureTarget,
  connections: number,
  seconds: number,
  during: string,
): Promise<WrkResult> {
  const what = `${during} of ${target.label} at ${connections} conns`;
  try {
    const result = await runWrk(target.url, connections, seconds);
    assertRunning(target.services, what);
    return result;
  } catch (error) {
    assertRunning(target.services, what);
    throw error;
  }
}

/** Measure one target at every connection count of the run. */
export async function measureAll(context: CaseContext, target: MeasureTarget): Promise<void> {
  for (const connections of context.options.connections) await measure(context, target, connections);
}
