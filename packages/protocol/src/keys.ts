// Every Redis key and channel w3pool uses is named here, so that a newcomer can read the whole keyspace
// on one screen and no service invents a key of its own — except a pool queue's keys, which only
// packages/pool-queue touches (its pool-keys.ts lists them).

/** Root of every key w3pool writes. Tests give each suite its own Redis, so one prefix suffices. */
export const KEY_PREFIX = 'w3pool';

/**
 * The pub/sub channel on which workers publish replies for one listener instance. Each listener has its own,
 * so a reply reaches only the process that holds the client's connection (no fan-out to every listener).
 */
export function replyChannel(listenerId: string): string {
  return `${KEY_PREFIX}:reply:${listenerId}`;
}

/** The validated, resolved configuration that WAS publishes (JSON of {@link PublishedConfig}). */
export const CONFIG_KEY = `${KEY_PREFIX}:config`;

/** WAS publishes the new version number here after it writes {@link CONFIG_KEY}. */
export const CONFIG_CHANNEL = `${KEY_PREFIX}:config:changed`;

/**
 * A worker process's control channel: listeners send it request-body chunks (after the worker asked for
 * them), acknowledgements of response bytes written to the client, and cancellations.
 */
export function workerControlChannel(workerId: string): string {
  return `${KEY_PREFIX}:ctl:${workerId}`;
}

/**
 * A listener instance's presence: a hash of its counters, refreshed every few seconds with a short TTL, for
 * the admin API. (Workers judge a listener alive by its reply channel's subscription instead.)
 */
export function listenerPresenceKey(listenerId: string): string {
  return `${KEY_PREFIX}:listener:${listenerId}`;
}

/**
 * A token a listener leaves in Redis and looks for after a reconnect: still there means Redis kept its data
 * (so the requests it queued are still queued); gone means Redis came back empty.
 */
export function listenerMarkerKey(listenerId: string): string {
  return `${KEY_PREFIX}:marker:${listenerId}`;
}

/** SCAN pattern over every listener presence key (admin use, never on the request path). */
export const LISTENER_PRESENCE_PATTERN = `${KEY_PREFIX}:listener:*`;

/** Runtime state set by an administrator or by rapid-fail protection: hashes of name/id → JSON state. */
export const POOL_STATE_KEY = `${KEY_PREFIX}:state:pools`;
export const SITE_STATE_KEY = `${KEY_PREFIX}:state:sites`;
/** Published after either state hash changes. */
export const STATE_CHANNEL = `${KEY_PREFIX}:state:changed`;

/** Workers publish here when a file behind a cached response changes; every listener drops the entry. */
export const CACHE_INVALIDATION_CHANNEL = `${KEY_PREFIX}:cache:invalidate`;

/** Pool hosts tell WAS of pool failures here (PoolFailureNotice); WAS records the pool's new state. */
export const WAS_INBOX_CHANNEL = `${KEY_PREFIX}:was:inbox`;

/** Commands for every pool host of one pool (HostCommand): recycle on demand. */
export function hostCommandChannel(poolName: string): string {
  return `${KEY_PREFIX}:host:${encodeURIComponent(poolName)}`;
}

/**
 * The event log (a Redis stream, capped): recycles, crashes, rapid-fail stops, idle shutdowns, with IIS's
 * reason names. What IIS writes to the Windows event log, and what the admin API lists.
 */
export const EVENTS_STREAM = `${KEY_PREFIX}:events`;

/**
 * How many events of each kind every pool had (a hash of `pool\tkind\treason` → count), kept beside the
 * capped stream so that GET /metrics reads counters that never lose what the stream trims away.
 */
export const EVENT_COUNTS_KEY = `${KEY_PREFIX}:events:counts`;

/**
 * A service process's prom-client default metrics (JSON, with a short TTL), published every few seconds by
 * the listeners and pool hosts for WAS's GET /metrics. `service` is listener or pool-host.
 */
export function processMetricsKey(service: string, instance: string): string {
  return `${KEY_PREFIX}:process:${service}:${instance}`;
}

/** SCAN pattern over every process metrics key (read at scrape time, never on the request path). */
export const PROCESS_METRICS_PATTERN = `${KEY_PREFIX}:process:*`;

/** A worker process's live record (`appcmd list wp`), refreshed by its pool host with a short TTL. */
export function workerProcessKey(host: string, pid: number): string {
  return `${KEY_PREFIX}:wp:${host}:${pid}`;
}

/** SCAN pattern over every worker process record (admin use, never on the request path). */
export const WORKER_PROCESS_PATTERN = `${KEY_PREFIX}:wp:*`;
