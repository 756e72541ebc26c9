import { KEY_PREFIX } from '@w3pool/protocol';

// The key layout of one application pool's queue. Only this package reads or writes these keys.
//
// Every key of a pool carries the hash tag `{<pool>}`, so all of them sit in one Redis Cluster slot and every
// script can touch them together; pools spread over the cluster's shards. Pool names are URI-encoded, which
// also encodes `{` and `}`, so a name can never break out of its tag.
//
//   w3pool:{P}:depth              STRING  requests waiting (lanes + landing lists): CurrentQueueSize
//   w3pool:{P}:q:<site>:<app>     LIST    one lane per application, FIFO (RPUSH in, LPOP out)
//   w3pool:{P}:lanes              SET     the lane keys in use (stats, and the depth recount)
//   w3pool:{P}:consumers          HASH    consumer id → its lane key (who takes; empty = nobody, demand)
//   w3pool:{P}:seen               ZSET    consumer id → ms of its last heartbeat
//   w3pool:{P}:inflight:<c>       HASH    request id → element: what consumer c took and has not finished
//   w3pool:{P}:landing:<c>        LIST    where c's blocking wait moves one element (BLMOVE), until it is taken
//   w3pool:{P}:settled:<c>        STRING  c was settled as dead (1 h TTL): it may not register again
//   w3pool:{P}:arrivals:<second>  STRING  requests admitted in that second (expire after 10 s): ArrivalRate
//   w3pool:{P}:rejected           STRING  requests refused because the queue was full: RejectedRequests
//   w3pool:{P}:abandoned          HASH    requests whose listener (and client) had gone: skipped, aborted, expired
//   w3pool:{P}:demand             channel published when a request is queued while no consumer is registered
//   w3pool:{P}:jobs:…, jobs-events  the applications' background job queues (BullMQ; background-queue.ts)

export interface PoolKeys {
  readonly pool: string;
  /** `w3pool:{P}:`, the prefix scripts extend for per-consumer keys. */
  readonly prefix: string;
  readonly depth: string;
  readonly lanes: string;
  readonly consumers: string;
  readonly seen: string;
  readonly rejected: string;
  readonly abandoned: string;
  readonly demand: string;
  lane(siteId: number, appPath: string): string;
  inflight(consumerId: string): string;
  landing(consumerId: string): string;
  settled(consumerId: string): string;
  arrivals(second: number): string;
}

export function poolKeys(pool: string): PoolKeys {
  const prefix = `${KEY_PREFIX}:{${encodeURIComponent(pool)}}:`;
  return {
    pool,
    prefix,
    depth: `${prefix}depth`,
    lanes: `${prefix}lanes`,
    consumers: `${prefix}consumers`,
    seen: `${prefix}seen`,
    rejected: `${prefix}rejected`,
    abandoned: `${prefix}abandoned`,
    demand: `${prefix}demand`,
    lane: (siteId, appPath) => `${prefix}q:${siteId}:${encodeURIComponent(appPath)}`,
    inflight: (consumerId) => `${prefix}inflight:${consumerId}`,
    landing: (consumerId) => `${prefix}landing:${consumerId}`,
    settled: (consumerId) => `${prefix}settled:${consumerId}`,
    arrivals: (second) => `${prefix}arrivals:${second}`,
  };
}
