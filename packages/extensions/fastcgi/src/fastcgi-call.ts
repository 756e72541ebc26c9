import { HttpError } from '@w3pool/extension-sdk';
import type { Lease } from './backend.js';
import { FcgiConnectionError } from './fcgi-connection.js';
import type { ExchangeEvent, FcgiExchange } from './fcgi-exchange.js';
import { FcgiProtocolError } from './fcgi-records.js';

// One request on a leased connection, with IIS's two clocks: requestTimeout for the whole request and
// activityTimeout for the application's silence. Either one ends the request with a 500 and terminates the
// process (or closes the connection to an external server). Whatever happens, the lease is returned
// exactly once: released after END_REQUEST, discarded otherwise.

export interface CallLimits {
  readonly requestTimeoutMs: number;
  readonly activityTimeoutMs: number;
}

export class FastCgiCall {
  readonly exchange: FcgiExchange;
  private readonly requestTimer: NodeJS.Timeout;
  private activityTimer: NodeJS.Timeout | undefined;
  private timedOut: 'request' | 'activity' | undefined;
  private reading: Promise<ExchangeEvent> | undefined;
  private settled = false;

  constructor(
    private readonly lease: Lease,
    params: Iterable<readonly [string, string]>,
    private readonly limits: CallLimits,
  ) {
    this.exchange = lease.connection.begin(params);
    this.requestTimer = setTimeout(() => this.expire('request'), limits.requestTimeoutMs);
    this.armActivity(limits.activityTimeoutMs);
  }

  get pid(): number | undefined {
    return this.lease.pid;
  }

  get isSettled(): boolean {
    return this.settled;
  }

  /**
   * The next event of the application's output. A failure arrives as the HttpError to answer with; the
   * lease is already settled then. Calls share one pending read, so a reader that gave up (the client left)
   * can hand the rest to drainInBackground without losing an event.
   */
  next(): Promise<ExchangeEvent> {
    this.reading ??= this.exchange.next().then(
      (event) => {
        this.reading = undefined;
        if (event.kind === 'end') this.complete();
        return event;
      },
      (error: unknown) => {
        this.reading = undefined;
        throw this.failure(error);
      },
    );
    return this.reading;
  }

  /** End the request early and terminate the process or connection (stderrMode TerminateProcess). */
  terminate(reason: string): void {
    this.settle(reason);
  }

  /**
   * The client left: FCGI_ABORT_REQUEST, then the rest of the output is read and dropped until
   * END_REQUEST, still under both timeouts, so the process is free again only when it really is.
   */
  abortInBackground(): void {
    this.exchange.abort();
    this.drainInBackground();
  }

  /** Read and drop what is left (a local redirect needs none of it), settling the lease at the end. */
  drainInBackground(): void {
    const drain = async (): Promise<void> => {
      while (!this.settled) await this.next();
    };
    drain().catch(() => {
      // next() settled the lease; nobody waits for this request's answer any more.
    });
  }

  private complete(): void {
    if (this.settled) return;
    this.settled = true;
    this.clearTimers();
    // PHP reads a stray FCGI_ABORT_REQUEST as a broken next request: such a connection is not reused.
    if (this.exchange.isAborted) this.lease.connection.retire();
    this.lease.release();
  }

  private settle(discardReason: string, failed = false): void {
    if (this.settled) return;
    this.settled = true;
    this.clearTimers();
    this.lease.discard(discardReason, failed);
  }

  private failure(error: unknown): Error {
    if (this.timedOut === 'request')
      return new HttpError(
        'EXT_FASTCGI_REQUEST_TIMEOUT',
        `${this.limits.requestTimeoutMs / 1000} s${this.who()}`,
      );
    if (this.timedOut === 'activity')
      return new HttpError(
        'EXT_FASTCGI_ACTIVITY_TIMEOUT',
        `no output for ${this.limits.activityTimeoutMs / 1000} s${this.who()}`,
      );
    const message = (error as Error).message;
    // A connection that closed or broke the protocol mid-request is the application's failure.
    const failed = error instanceof FcgiProtocolError || error instanceof FcgiConnectionError;
    this.settle(message, failed);
    if (error instanceof FcgiProtocolError) return new HttpError('EXT_FASTCGI_BAD_RESPONSE', message);
    if (error instanceof FcgiConnectionError)
      return new HttpError('EXT_FASTCGI_PROCESS_FAILED', `${message}${this.who()}`);
    return error as Error;
  }

  private who(): string {
    return this.lease.pid === undefined ? '' : ` (process ${this.lease.pid})`;
  }

  private expire(kind: 'request' | 'activity'): void {
    if (this.settled) return;
    this.timedOut = kind;
    // Closing the process or connection fails the exchange, which the reader sees as this timeout.
    this.settle(`${kind}Timeout exceeded`);
  }

  /**
   * activityTimeout counts only the application's silence: the clock restarts with each record, and
   * does not run while the output waits for a slow client (the connection is not even read then).
   */
  private armActivity(delayMs: number): void {
    this.activityTimer = setTimeout(() => {
      if (this.settled) return;
      // Time spent on the client's side (a slow upload, a slow reader) is not the application's silence.
      if (this.exchange.isHeld || this.exchange.waitingForClient || this.reading === undefined)
        this.exchange.lastActivity = Date.now();
      const silent = Date.now() - this.exchange.lastActivity;
      if (silent >= this.limits.activityTimeoutMs) this.expire('activity');
      else this.armActivity(this.limits.activityTimeoutMs - silent);
    }, delayMs);
  }

  private clearTimers(): void {
    clearTimeout(this.requestTimer);
    clearTimeout(this.activityTimer);
  }
}
