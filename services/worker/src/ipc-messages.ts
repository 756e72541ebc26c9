// The pipe between a pool host and each of its worker processes (Node's IPC channel): what WAS's pings and
// w3wp's reports are in IIS. Both sides import these shapes and nothing else of each other.
//
// Nothing crosses it per request: a worker reports what it runs once a second, and after a crash the host
// finds the requests the dead worker held in the queue itself, by their BullMQ lock token.

/** A request a worker is running, as `appcmd list requests` shows it. */
export interface RequestInFlight {
  id: string;
  method: string;
  url: string;
  /** Epoch ms when the worker took it. */
  at: number;
}

export type WorkerToHost =
  /**
   * The worker consumes its queue: startupTimeLimit is met. `queueWorkerId` prefixes the BullMQ lock token
   * of every job it takes, so the host can find them if the worker dies.
   */
  | { type: 'ready'; queueWorkerId: string }
  | { type: 'pong'; seq: number }
  /** Once a second: requests served so far and the requests running now. */
  | { type: 'stats'; served: number; inFlight: RequestInFlight[] }
  /** An extension reported the worker unhealthy (HSE_REQ_REPORT_UNHEALTHY): the host recycles it. */
  | { type: 'unhealthy'; reason: string };

export type HostToWorker =
  | { type: 'ping'; seq: number }
  /** Stop taking requests, finish those in flight, terminate the extensions, exit. */
  | { type: 'stop' };
