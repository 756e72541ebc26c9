// The one owner of an application pool's request queue in Redis (http.sys's per-pool kernel queue):
// the listener admits, enqueues, withdraws and locates; the w3wp takes and completes; the pool host settles
// dead workers, re-queues and wakes on demand; WAS reads the stats. Nothing else touches its keys.
export { PoolQueue, type HeldRequest, type PoolQueueOptions, type Whereabouts } from './pool-queue.js';
export { QueueConsumer, type QueueConsumerOptions, type TakenRequest } from './queue-consumer.js';
export { QueueUnreachableError } from './enqueue-batch.js';
export { watchDemand } from './demand.js';
export type { QueueEntry } from './queue-element.js';
export type { AbandonedOutcome, QueueStats } from './queue-stats.js';
export type { InFlightRequest } from './in-flight.js';
// Background jobs (beyond IIS): the key names of each application's BullMQ queue, under the pool's tag.
export {
  backgroundEventsCursorKey,
  backgroundQueueName,
  type BackgroundQueueName,
} from './background-queue.js';
