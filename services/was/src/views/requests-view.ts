import type { Redis } from 'ioredis';
import type { W3poolConfig } from '@w3pool/config';
import { W3poolError } from '@w3pool/protocol';
import { PoolQueue } from '@w3pool/pool-queue';
import type { RuntimeControl } from '../runtime-control.js';

export interface RequestsQuery {
  /** appcmd list requests /elapsed:N — only requests in flight for at least N ms. */
  elapsed?: string;
  /** /apppool.name:X */
  pool?: string;
}

export interface InFlightView {
  id: string;
  pool: string;
  site: string;
  siteId: number;
  appPath: string;
  verb: string;
  url: string;
  /** Since the listener queued it: what the client has waited (IIS's "time elapsed"). */
  elapsedMs: number;
  /** The worker process running it, from its pool host's record (null until the host next reports it). */
  pid: number | null;
}

/**
 * appcmd list requests: read from the pool queues' in-flight records (pool-queue's own read-only verb),
 * so a request shows from the moment a worker takes it; the worker pid comes from the pool hosts' worker
 * records, which list the ids their workers are running.
 */
export async function requestsView(
  redis: Redis,
  control: RuntimeControl,
  config: W3poolConfig,
  query: RequestsQuery,
  now = Date.now(),
): Promise<InFlightView[]> {
  const minElapsed = query.elapsed === undefined ? 0 : Number(query.elapsed);
  if (!Number.isFinite(minElapsed) || minElapsed < 0)
    throw new W3poolError('WAS_QUERY_INVALID', `elapsed=${query.elapsed}`);
  const pools = config.applicationPools.filter((p) => query.pool === undefined || p.name === query.pool);
  if (query.pool !== undefined && pools.length === 0) throw new W3poolError('WAS_POOL_NOT_FOUND', query.pool);
  const pidOf = new Map<string, number>();
  for (const wp of await control.workerProcesses()) {
    const running = Array.isArray(wp.requests) ? (wp.requests as { id?: unknown }[]) : [];
    for (const r of running)
      if (typeof r.id === 'string' && typeof wp.pid === 'number') pidOf.set(r.id, wp.pid);
  }
  const held = await Promise.all(pools.map((p) => new PoolQueue(redis, p.name).inFlight()));
  return pools
    .flatMap((pool, i) =>
      held[i]!.map(({ job }) => ({
        id: job.id,
        pool: pool.name,
        site: job.siteName,
        siteId: job.siteId,
        appPath: job.appPath,
        verb: job.method,
        url: job.rawUrl,
        elapsedMs: Math.max(0, now - job.enqueuedAt),
        pid: pidOf.get(job.id) ?? null,
      })),
    )
    .filter((r) => r.elapsedMs >= minElapsed)
    .sort((a, b) => b.elapsedMs - a.elapsedMs);
}
