import { poolKeys } from './pool-keys.js';

// Where an application's background jobs live: one BullMQ queue per application of a pool, under the
// pool's hash tag so that all of a pool's keys (request queue and job queues) share one Redis Cluster slot.
// The w3wp's application domains add and process jobs there; WAS reads counts, failures and events.
//
//   w3pool:{P}:jobs:<site>-<app>:<BullMQ's own suffixes>   the application's BullMQ queue
//   w3pool:{P}:jobs-events                                  HASH queue name → last BullMQ event WAS logged
//
// The request queue's keys (pool-keys.ts) never start with `jobs`, so the two can never collide. BullMQ
// forbids `:` in a queue name and puts `<prefix>:<name>:` before each key; the application path is
// URI-encoded as it is in the request lane's key, which also encodes `:`, `{` and `}`.

export interface BackgroundQueueName {
  /** BullMQ's `prefix` option: `w3pool:{P}:jobs`. */
  readonly prefix: string;
  /** BullMQ's queue name: `<siteId>-<URI-encoded application path>`. */
  readonly name: string;
}

export function backgroundQueueName(pool: string, siteId: number, appPath: string): BackgroundQueueName {
  return { prefix: `${poolKeys(pool).prefix}jobs`, name: `${siteId}-${encodeURIComponent(appPath)}` };
}

/** The hash in which WAS remembers, per queue, the last job event it wrote to the event log. */
export function backgroundEventsCursorKey(pool: string): string {
  return `${poolKeys(pool).prefix}jobs-events`;
}
