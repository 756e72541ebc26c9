import type { RequestJob } from '@w3pool/protocol';
import type { PublishedConfig } from '@w3pool/config';

// Between a worker process's main thread and one application's domain thread (worker_threads).

export interface DomainData {
  redisUrl: string;
  pool: string;
  siteId: number;
  appPath: string;
  published: PublishedConfig;
}

export type DomainCommand =
  | { type: 'execute'; job: RequestJob }
  | { type: 'retire' }
  /** Relayed from the pool host's ping: a domain whose event loop is blocked cannot answer. */
  | { type: 'ping'; seq: number };

export type DomainReport =
  | { type: 'ready' }
  | { type: 'done'; id: string }
  | { type: 'pong'; seq: number }
  | { type: 'unhealthy'; reason: string };
