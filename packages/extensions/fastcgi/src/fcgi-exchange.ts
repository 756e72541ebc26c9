import { encodeRecord, encodeStream, RecordType, type EndRequestBody } from './fcgi-records.js';

// One FastCGI request on a connection, seen from the web server: it writes PARAMS and STDIN, and reads
// STDOUT, STDERR and END_REQUEST in the order the application sent them.

export type ExchangeEvent =
  | { readonly kind: 'stdout'; readonly data: Buffer }
  | { readonly kind: 'stderr'; readonly data: Buffer }
  | { readonly kind: 'end'; readonly end: EndRequestBody };

/** What an exchange needs of its connection. */
export interface ExchangeTransport {
  /** Write bytes; resolves once the socket will take more (its 'drain'), rejects if it closed. */
  write(bytes: Buffer | Buffer[]): Promise<void>;
  /** Stop or restart reading the socket: a consumer that reads slowly slows the application. */
  holdReading(exchange: FcgiExchange, hold: boolean): void;
  /** The exchange is over (ended or failed): its request id may be used again. */
  release(exchange: FcgiExchange): void;
}

/** Output held for a slow consumer before the connection stops reading. */
const HIGH_WATER_BYTES = 256 * 1024;

export class FcgiExchange {
  private readonly events: ExchangeEvent[] = [];
  private queuedBytes = 0;
  private waiter: { resolve: (e: ExchangeEvent) => void; reject: (e: Error) => void } | undefined;
  private failure: Error | undefined;
  private holding = false;
  private aborted = false;
  /** END_REQUEST arrived (or the exchange failed): nothing more will come. */
  private finished = false;
  /** The consumer saw the end, or the failure. */
  private consumed = false;
  private answered = false;
  /** ms timestamp of the last record from the application (activityTimeout). */
  lastActivity = Date.now();
  /** The application waits for request body bytes the client has not sent yet. */
  waitingForClient = false;

  constructor(
    readonly requestId: number,
    private readonly transport: ExchangeTransport,
  ) {}

  /** The application has sent something for this request: it has taken it up. */
  get hasAnswered(): boolean {
    return this.answered;
  }

  get isFinished(): boolean {
    return this.finished;
  }

  get isAborted(): boolean {
    return this.aborted;
  }

  /** True while the consumer has not taken what arrived, and the connection stopped reading for it. */
  get isHeld(): boolean {
    return this.holding;
  }

  /** The next record's worth of output, or the end. Rejects when the connection failed. */
  next(): Promise<ExchangeEvent> {
    const event = this.events.shift();
    if (event) {
      if (event.kind !== 'end') this.queuedBytes -= event.data.length;
      else this.consumed = true;
      this.updateHold();
      return Promise.resolve(event);
    }
    if (this.failure) {
      this.consumed = true;
      return Promise.reject(this.failure);
    }
    if (this.consumed) return Promise.reject(new Error('the exchange has ended'));
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  /**
   * STDIN: the request body as records, each chunk written only once the socket took the last (so a slow
   * application slows the client's upload), then the empty record that ends the stream. Stops early
   * when the application already answered: it need not read its input.
   */
  async sendStdin(body: AsyncIterable<Uint8Array>): Promise<void> {
    const chunks: AsyncIterator<Uint8Array, unknown> = body[Symbol.asyncIterator]();
    for (;;) {
      this.waitingForClient = true;
      const next = await chunks.next().finally(() => (this.waitingForClient = false));
      if (this.finished || this.aborted) {
        await chunks.return?.();
        return;
      }
      if (next.done) break;
      const chunk: Uint8Array = next.value;
      if (chunk.byteLength === 0) continue;
      await this.transport.write(encodeStream(RecordType.Stdin, this.requestId, chunk));
      // The application took input: it is busy, not silent.
      this.lastActivity = Date.now();
    }
    await this.transport.write(encodeRecord(RecordType.Stdin, this.requestId));
  }

  /** FCGI_ABORT_REQUEST: the client went away. The application still ends the request with END_REQUEST. */
  abort(): void {
    if (this.aborted || this.finished) return;
    this.aborted = true;
    this.transport.write(encodeRecord(RecordType.AbortRequest, this.requestId)).catch(() => {
      // The connection is failing already; the exchange learns it from the connection.
    });
  }

  /** Called by the connection for each record of this request. */
  deliver(event: ExchangeEvent): void {
    if (this.finished) return;
    this.lastActivity = Date.now();
    this.answered = true;
    if (event.kind === 'end') {
      this.finished = true;
      this.transport.release(this);
    } else {
      this.queuedBytes += event.data.length;
    }
    if (this.waiter) {
      const { resolve } = this.waiter;
      this.waiter = undefined;
      if (event.kind === 'end') this.consumed = true;
      else this.queuedBytes -= event.data.length;
      resolve(event);
    } else {
      this.events.push(event);
    }
    this.updateHold();
  }

  /** Called by the connection when it closed or broke before END_REQUEST. */
  fail(error: Error): void {
    if (this.finished) return;
    this.finished = true;
    this.failure = error;
    this.transport.release(this);
    this.updateHold();
    if (this.waiter && this.events.length === 0) {
      const { reject } = this.waiter;
      this.waiter = undefined;
      this.consumed = true;
      reject(error);
    }
  }

  private updateHold(): void {
    const hold = !this.finished && this.queuedBytes > HIGH_WATER_BYTES;
    if (hold === this.holding) return;
    this.holding = hold;
    this.transport.holdReading(this, hold);
  }
}
