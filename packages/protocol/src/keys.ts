// Every Redis key and channel w3pool uses is named here, so that a newcomer can read the whole keyspace
// on one screen and no service invents a key of its own.

/** Root of every key w3pool writes. Tests give each suite its own Redis, so one prefix suffices. */
export const KEY_PREFIX = 'w3pool';

/** BullMQ's key prefix: a pool queue's keys are `w3pool:q:<queue>:wait`, `...:active`, and so on. */
export const QUEUE_KEY_PREFIX = `${KEY_PREFIX}:q`;

/**
 * The BullMQ queue of an application pool: the analogue of http.sys's per-pool request queue.
 * BullMQ refuses `:` in queue names and IIS allows almost anything in pool names, so the name is URI-encoded.
 */
export function poolQueueName(poolName: string): string {
  return `pool-${encodeURIComponent(poolName)}`;
}

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
