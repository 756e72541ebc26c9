import type { RequestJob } from '@w3pool/protocol';

// The pipe between a pool host and each of its worker processes (Node's IPC channel): what WAS's pings and
// w3wp's reports are in IIS. Both sides import these shapes and nothing else of each other.

/** A request a worker has taken from the queue, as `appcmd list requests` shows it. */
export interface RequestStarted {
  type: 'begin';
  id: string;
  replyTo: string;
  method: string;
  url: string;
  /** Epoch ms when the worker took it. */
  at: number;
  /** The whole job, sent only when the pool may retry it on another worker if this one crashes. */
  job?: RequestJob;
}

export type WorkerToHost =
  /** The worker consumes its queue: startupTimeLimit is met. */
  | { type: 'ready' }
  | { type: 'pong'; seq: number }
  | RequestStarted
  | { type: 'end'; id: string }
  /** An extension reported the worker unhealthy (HSE_REQ_REPORT_UNHEALTHY): the host recycles it. */
  | { type: 'unhealthy'; reason: string };

export type HostToWorker =
  | { type: 'ping'; seq: number }
  /** Stop taking requests, finish those in flight, terminate the extensions, exit. */
  | { type: 'stop' };
