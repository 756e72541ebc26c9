import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STATIC_FILE_MAPPING } from '@w3pool/config';
import { eventually, httpRequest } from '@w3pool/test/helpers';
import { measureAll, type CaseContext } from '../measure.js';
import { fourKbPage } from '../payload.js';
import { Cleanup } from '../processes.js';
import { LABELS } from '../results.js';
import type { WrkResult } from '../wrk.js';
import { startW3pool, waitUntilServed, type W3poolSystem } from './w3pool-system.js';

/**
 * Case d: a hit in the listener's response cache (http.sys's kernel cache): a 4 KB static file, served once
 * by the StaticFile handler in a worker and then from the listener's memory with no Redis round trip.
 */
export async function runCacheCase(context: CaseContext): Promise<void> {
  const cleanup = new Cleanup();
  try {
    const root = await mkdtemp(join(tmpdir(), 'w3pool-bench-site-'));
    cleanup.add(() => rm(root, { recursive: true, force: true }));
    await writeFile(join(root, 'page.txt'), fourKbPage());
    const system = await startW3pool(context, cleanup, { root, handlers: [STATIC_FILE_MAPPING] });
    const url = `${system.baseUrl}/page.txt`;
    await waitUntilServed(url);
    // frequentHitThreshold (2) hits within 10 s make the URL cacheable; a few more leave no doubt.
    for (let i = 0; i < 4; i += 1) await httpRequest(url);
    // Confirmed on the first warm-up only: the counters are cumulative, later ones would prove nothing.
    let checked = false;
    await measureAll(context, {
      caseName: 'cache',
      label: LABELS.cache,
      url,
      processes: system.processes,
      services: system.services,
      redis: system.redis,
      afterWarmup: async (warmup) => {
        if (checked) return;
        checked = true;
        await confirmCacheHits(context, system, warmup);
      },
    });
  } finally {
    await cleanup.run();
  }
}

/** Sum of uriCacheHits over the listeners WAS knows. */
async function cacheHits(system: W3poolSystem): Promise<number> {
  const response = await httpRequest(`${system.wasUrl}/api/listeners`, { headers: system.adminHeaders });
  const listeners = JSON.parse(response.body) as {
    uriCacheHits?: number;
  }[];
  return listeners.reduce((sum, l) => sum + (l.uriCacheHits ?? 0), 0);
}

/**
 * The listener publishes its counters every 2 s, so wait (with a deadline) until they show at least 90 % of
 * the warm-up's requests as cache hits. If they never do, the case is still measured, and the report says so.
 */
async function confirmCacheHits(
  context: CaseContext,
  system: W3poolSystem,
  warmup: WrkResult,
): Promise<void> {
  let hits = 0;
  const enough = await eventually(
    async () => {
      hits = await cacheHits(system);
      return hits >= warmup.requests * 0.9 ? true : undefined;
    },
    'cache hits',
    8_000,
  ).catch(() => false);
  const text = enough
    ? `cache case, round ${context.round}: confirmed during warm-up, the listener counted ${hits} uriCacheHits so far (warm-up: ${warmup.requests} requests).`
    : `cache case, round ${context.round}: NOT confirmed: the listener counted only ${hits} uriCacheHits after a warm-up of ${warmup.requests} requests, so responses may not come from the cache.`;
  context.results.note(text);
  process.stderr.write(`bench: ${text}\n`);
}
