import { performance } from 'node:perf_hooks';
import { rssBytes, workerPids } from '@w3pool/test/helpers';
import { runWrk } from '../wrk.js';
import { spread } from './figures.js';
import type { ScenarioContext } from './scenario-context.js';
import { firstServed, startSdkSide } from './w3pool-side.js';
import { withSide } from './with-side.js';

const VARIANT = '256 conns';
const SAMPLE_EVERY_MS = 5_000;

export interface SoakOptions {
  minutes: number;
}

/** RSS in MB of each of `pids`, summed; 0 when none is left. */
async function rssMb(pids: number[]): Promise<number> {
  let bytes = 0;
  for (const pid of pids) bytes += await rssBytes(pid).catch(() => 0);
  return bytes / 1024 ** 2;
}

/**
 * Scenario 10: `pnpm bench:soak`. w3pool hello under wrk at 256 connections for the whole soak, the
 * listener's and the worker processes' RSS sampled every 5 s. The growth is measured over the last half
 * (the last 5 of 10 minutes), from the median of the first 30 s of that half to the median of its last 30 s,
 * so one sample taken mid-GC does not decide it.
 */
export async function soak(context: ScenarioContext, options: SoakOptions): Promise<void> {
  await withSide(
    context,
    10,
    'w3pool',
    (c) => startSdkSide(context, c),
    async (side) => {
      await firstServed(side, '/hello');
      const listenerPid = side.system.services[1]!.pid;
      const host = side.system.services[2]!;
      const seconds = Math.round(options.minutes * 60);
      const startedAt = performance.now();
      const load = runWrk(`${side.baseUrl}/hello`, 256, seconds);
      let running = true;
      void load.finally(() => (running = false));
      const sampleOnce = async () => {
        const at = (performance.now() - startedAt) / 1000;
        context.results.rss.push({ seconds: at, role: 'listener', rssMb: await rssMb([listenerPid]) });
        context.results.rss.push({
          seconds: at,
          role: 'worker processes',
          rssMb: await rssMb(await workerPids(host)),
        });
      };
      while (running) {
        await sampleOnce();
        await Promise.race([
          load.catch(() => undefined),
          new Promise((resolve) => setTimeout(resolve, SAMPLE_EVERY_MS)),
        ]);
      }
      const wrk = await load;
      record(context, seconds, wrk.requestsPerSecond, wrk.non2xx + wrk.socketErrors);
    },
  );
}

function record(context: ScenarioContext, seconds: number, requestsPerSecond: number, errors: number): void {
  const { results } = context;
  const key = { scenario: 10, variant: VARIANT, side: 'w3pool' };
  for (const role of ['listener', 'worker processes']) {
    const samples = results.rss.filter((s) => s.role === role);
    const label = role === 'listener' ? 'listener' : 'worker';
    results.add({ ...key, metric: `${label} RSS MB` }, 'MB', false, Math.max(...samples.map((s) => s.rssMb)));
    const half = seconds / 2;
    const window = (from: number, to: number) =>
      spread(samples.filter((s) => s.seconds >= from && s.seconds <= to).map((s) => s.rssMb)).median;
    const begin = window(half, half + 30);
    const end = window(seconds - 30, seconds);
    results.add({ ...key, metric: `${label} RSS growth %` }, '%', false, ((end - begin) / begin) * 100);
  }
  results.add({ ...key, metric: 'req/s' }, 'req/s', true, requestsPerSecond);
  results.add({ ...key, metric: 'errors' }, 'responses', false, errors);
}
