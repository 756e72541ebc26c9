import type { FcgiConnection } from './fcgi-connection.js';

// What the handler needs from where its requests run: a pool of processes w3pool starts (ProcessPool), or
// an external FastCGI server such as php-fpm (ExternalServer).

/** A connection lent for one request. Exactly one of release() and discard() ends it. */
export interface Lease {
  readonly connection: FcgiConnection;
  /** The process that serves it, for logs; undefined for an external server. */
  readonly pid: number | undefined;
  /** The request ended with END_REQUEST: the process or connection serves the next one. */
  release(): void;
  /**
   * The request went wrong in a way that leaves the far end untrustworthy (a timeout, a broken protocol,
   * TerminateProcess): a process is killed, a connection closed. `failed`: the application is to blame
   * (it died or broke the protocol), which counts towards rapidFailsPerMinute.
   */
  discard(reason: string, failed?: boolean): void;
}

export interface FastCgiBackend {
  /**
   * A connection for one request: at once when a process or connection is free, else after waiting in the
   * application's queue (503.4 past queueLength). Rejects with the signal's reason when it aborts first.
   */
  acquire(signal: AbortSignal): Promise<Lease>;
  /** Refuse new requests, let the running ones finish (bounded by their timeouts), stop everything. */
  close(): Promise<void>;
  readonly closed: boolean;
}
