import type { TakenRequest } from '@w3pool/pool-queue';
import type { ToListener } from '@w3pool/protocol';

// What the bench worker's main thread and its domain thread say to each other (both variants). Bench-only:
// the product's domain commands and reports live in packages/protocol.

/** A: the domain thread takes from the queue itself. B: the main thread takes and relays batches. */
export type Variant = 'takes' | 'relay';

/** How both variants address the queue: the same in A's thread and in B's main thread. */
export interface HopSettings {
  variant: Variant;
  redisUrl: string;
  pool: string;
  siteId: number;
  appPath: string;
  /** Unique per consumer: `bench-<pid>.1`. */
  consumerId: string;
  /** Requests in flight at once: the pool's workerConcurrency. */
  capacity: number;
}

/** One reply of the hello handler: where it goes, and which request it finishes. */
export interface HelloAnswer {
  id: string;
  channel: string;
  message: ToListener;
}

/** Main thread → domain thread. */
export type ToDomain =
  /** B: one message per batch the consumer took. */
  | { type: 'requests'; requests: TakenRequest[] }
  /** Stop taking (A), finish, and end the thread. */
  | { type: 'stop' };

/** Domain thread → main thread. */
export type FromDomain =
  /** A: its consumer is registered and takes; B: it listens for batches. */
  | { type: 'ready' }
  /** B: one message per turn of the thread's event loop, carrying every answer of that turn. */
  | { type: 'answers'; answers: HelloAnswer[] };
