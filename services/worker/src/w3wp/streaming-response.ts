import type {
  ExecuteUrlOptions,
  HandlerResponse,
  KernelCachePolicy,
  TransmitFileOptions,
} from '@w3pool/extension-sdk';
import {
  STREAM_CHUNK_BYTES,
  STREAM_WINDOW_BYTES,
  type ErrorCode,
  type ResponseHeaders,
  type ResponseLog,
  type ToListener,
  type WorkerIdentity,
} from '@w3pool/protocol';

/** A response this size or smaller that ends before its first flush travels as one message. */
const SINGLE_MESSAGE_BYTES = 1024 * 1024;
/** http.sys's UriScavengerPeriod: a cached entry without its own max-age lives while it is hit. */
const DEFAULT_CACHE_MS = 120_000;

/**
 * Where a response goes. The request it belongs to implements it: one object per request, where three
 * closures were, on the w3wp's hottest path.
 */
export interface ResponseSink {
  /** Publish to the listener; resolves with the number of receivers (0: the listener is gone). */
  publish(message: ToListener): Promise<number>;
  /** Nobody received a message (no argument), or the final one could not be sent (the error). */
  listenerGone(error?: unknown): void;
  /** Watch the file behind a cacheable response; false when it cannot be, and then it is not cached. */
  trackFile(file: string): boolean;
}

/**
 * What the pipeline adds to a response: the ServerSupportFunction calls that need the request and the
 * pipeline (redirect, custom error, TransmitFile, ExecuteUrl), and the SendResponse notification and
 * response filters of its modules.
 */
export interface ResponseSupport {
  redirect(location: string, status: number): Promise<void>;
  sendCustomError(status: number, substatus: number): Promise<void>;
  transmitFile(path: string, options: TransmitFileOptions | undefined): Promise<void>;
  executeUrl(
    url: string,
    options: ExecuteUrlOptions | undefined,
  ): Promise<{ status: number; substatus: number }>;
  /** True when the bytes must go through transform() (SendResponse subscribers, body filters). */
  readonly transforms: boolean;
  /** Called with the first bytes before the head goes out (first: true), then with every later chunk. */
  transform(body: Uint8Array, final: boolean, first: boolean): Promise<Uint8Array>;
  /** cs-username for the log line. */
  logUser(): string;
}

/**
 * WriteClient over pub/sub. Writes are coalesced for the rest of the current tick (so a handler that writes
 * many small pieces still sends few messages) and flushed at once, so the client sees the first byte as soon
 * as the handler writes it. At most STREAM_WINDOW_BYTES may be unacknowledged by the listener; a handler that
 * awaits its writes is paced by the client's read speed, and neither Redis nor either process buffers more.
 *
 * The final message is only queued, not awaited: end() resolves as soon as it is handed over, so the request
 * completes in the same turn and its completion leaves in the same exchange as its reply. Every other
 * message is awaited, since flow control and a listener that is gone (nobody received it) depend on it.
 */
export class StreamingResponse implements HandlerResponse {
  statusCode = 200;
  substatus = 0;
  readonly headers: ResponseHeaders = {};
  errorCode: ErrorCode | undefined;
  kernelCache: KernelCachePolicy | undefined;
  /** Set when the final message carried a cacheable response. */
  cachedFor: number | undefined;
  /**
   * False where the listener must not keep the response: its cache hits are served before any worker
   * check, so a URL under access@sslFlags would reach clients the check refuses (plain HTTP, no certificate).
   */
  listenerCacheable = true;
  logData = '';
  /** Set by the pipeline for each request before the handler runs. */
  support: ResponseSupport | undefined;

  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private sent = false;
  private finished = false;
  private finalSent = false;
  private seq = 0;
  private unacked = 0;
  private flushScheduled = false;
  private flushing: Promise<void> = Promise.resolve();
  private waiters: (() => void)[] = [];
  private cancelled = false;
  /** Set once a transform failed: the error page goes out as it is. */
  private untransformed = false;

  constructor(
    private readonly id: string,
    private readonly worker: WorkerIdentity,
    private readonly sink: ResponseSink,
  ) {}

  get ended(): boolean {
    return this.finished;
  }

  get headersSent(): boolean {
    return this.sent;
  }

  status(code: number, substatus = 0): this {
    this.statusCode = code;
    this.substatus = substatus;
    return this;
  }

  setHeader(name: string, value: string | number | readonly string[]): this {
    this.headers[name.toLowerCase()] =
      typeof value === 'number' ? String(value) : typeof value === 'string' ? value : [...value];
    return this;
  }

  getHeader(name: string): string | string[] | undefined {
    return this.headers[name.toLowerCase()];
  }

  removeHeader(name: string): this {
    delete this.headers[name.toLowerCase()];
    return this;
  }

  redirect(location: string, status: 301 | 302 | 303 | 307 | 308 = 302): Promise<void> {
    return this.supported().redirect(location, status);
  }

  sendCustomError(status: number, substatus = 0): Promise<void> {
    return this.supported().sendCustomError(status, substatus);
  }

  transmitFile(path: string, options?: TransmitFileOptions): Promise<void> {
    return this.supported().transmitFile(path, options);
  }

  executeUrl(url: string, options?: ExecuteUrlOptions): Promise<{ status: number; substatus: number }> {
    return this.supported().executeUrl(url, options);
  }

  private supported(): ResponseSupport {
    if (!this.support) throw new Error('this response is not part of a pipeline request');
    return this.support;
  }

  setKernelCache(policy: KernelCachePolicy): this {
    this.kernelCache = policy;
    return this;
  }

  async write(chunk: Uint8Array | string): Promise<void> {
    if (this.finished) throw new Error('write after end');
    if (this.cancelled) return;
    this.append(chunk);
    if (this.pendingBytes >= STREAM_CHUNK_BYTES) await this.flush(false);
    else this.scheduleFlush();
    while (!this.cancelled && this.unacked + this.pendingBytes > STREAM_WINDOW_BYTES) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  async end(chunk?: Uint8Array | string): Promise<void> {
    if (this.finished) return;
    if (chunk !== undefined) this.append(chunk);
    this.finished = true;
    await this.flush(true);
  }

  /** The listener wrote `bytes` to the client: that much more may be sent. */
  acknowledge(bytes: number): void {
    this.unacked = Math.max(0, this.unacked - bytes);
    if (this.unacked + this.pendingBytes <= STREAM_WINDOW_BYTES) this.release();
  }

  /** Nobody will read the rest: drop further writes and let waiting writers go. */
  cancel(): void {
    this.cancelled = true;
    this.pending = [];
    this.pendingBytes = 0;
    this.release();
  }

  get isCancelled(): boolean {
    return this.cancelled;
  }

  /**
   * end() ran, but nothing left: the transform of its only flush failed. Drop what it held, and let an
   * error page be sent in its place without the pipeline's transforms. False when the response did leave.
   */
  reopenForError(): boolean {
    if (this.sent || this.finalSent) return false;
    this.finished = false;
    this.pending = [];
    this.pendingBytes = 0;
    this.untransformed = true;
    // The failed flush rejected the chain of flushes: start a new one.
    this.flushing = Promise.resolve();
    return true;
  }

  /** The handler failed after the head went out: tell the listener to reset the client's connection. */
  abort(reason: string): Promise<void> {
    this.finished = true;
    if (!this.finalSent && !this.cancelled) {
      this.finalSent = true;
      this.sendFinal({ t: 'abort', id: this.id, reason, worker: this.worker });
    }
    return Promise.resolve();
  }

  private append(chunk: Uint8Array | string): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (bytes.byteLength === 0) return;
    this.pending.push(bytes);
    this.pendingBytes += bytes.byteLength;
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      void this.flush(false);
    });
  }

  // Flushes run one after another, so messages leave in order.
  private flush(final: boolean): Promise<void> {
    this.flushing = this.flushing.then(() => this.flushNow(final));
    return this.flushing;
  }

  private async flushNow(final: boolean): Promise<void> {
    if (this.finalSent || this.cancelled) return;
    if (!final && this.pendingBytes === 0) return;
    let body: Uint8Array = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    if (this.support?.transforms && !this.untransformed) {
      body = await this.support.transform(body, final, !this.sent);
      if (this.finalSent || this.cancelled) return;
    }

    if (!this.sent && final && body.length <= SINGLE_MESSAGE_BYTES) {
      this.sent = true;
      this.finalSent = true;
      this.cachedFor = this.cacheLifetime();
      this.sendFinal(this.head(body, true));
      return;
    }
    let offset = 0;
    do {
      const piece = body.subarray(offset, offset + STREAM_CHUNK_BYTES);
      offset += piece.length;
      const last = final && offset >= body.length;
      const message = this.sent ? this.data(piece, last) : this.head(piece, last);
      this.sent = true;
      if (last) {
        this.finalSent = true;
        this.sendFinal(message);
      } else {
        await this.send(message);
        this.unacked += piece.length;
      }
      // A large end() or write() goes out no faster than the client reads it.
      while (!last && !this.cancelled && this.unacked > STREAM_WINDOW_BYTES) {
        await new Promise<void>((resolve) => this.waiters.push(resolve));
      }
    } while (offset < body.length && !this.cancelled);
  }

  private data(chunk: Uint8Array, final: boolean): ToListener {
    this.seq += 1;
    const log = final ? this.log() : undefined;
    return {
      t: 'data',
      id: this.id,
      seq: this.seq,
      chunk,
      final,
      worker: this.worker,
      ...(log ? { log } : {}),
    };
  }

  /** The log line's worker fields, sent with the final message when there are any. */
  private log(): ResponseLog | undefined {
    const user = this.support?.logUser() ?? '';
    if (!this.logData && !user) return undefined;
    // HSE_LOG_BUFFER_LEN: IIS keeps 80 characters of an extension's log data.
    return { ...(this.logData ? { data: this.logData.slice(0, 80) } : {}), ...(user ? { user } : {}) };
  }

  private head(body: Uint8Array, final: boolean): ToListener {
    const log = final ? this.log() : undefined;
    return {
      t: 'head',
      id: this.id,
      status: this.statusCode,
      substatus: this.substatus,
      headers: this.headers,
      body,
      final,
      worker: this.worker,
      ...(this.errorCode ? { errorCode: this.errorCode } : {}),
      ...(final && this.cachedFor !== undefined ? { cacheMs: this.cachedFor } : {}),
      ...(log ? { log } : {}),
    };
  }

  /** How long the listener may cache this response, if at all: the handler's policy or public max-age. */
  private cacheLifetime(): number | undefined {
    if (this.statusCode !== 200 || this.errorCode || !this.listenerCacheable) return undefined;
    const cacheControl = String(this.headers['cache-control'] ?? '').toLowerCase();
    if (/\b(no-store|no-cache|private)\b/.test(cacheControl) || this.headers['set-cookie']) return undefined;
    if (this.kernelCache) {
      const file = this.kernelCache.dependsOnFile;
      if (file !== undefined && !this.sink.trackFile(file)) return undefined;
      return this.kernelCache.maxAgeMs ?? DEFAULT_CACHE_MS;
    }
    const maxAge = /\bmax-age=(\d+)/.exec(cacheControl);
    if (/\bpublic\b/.test(cacheControl) && maxAge && Number(maxAge[1]) > 0) return Number(maxAge[1]) * 1000;
    return undefined;
  }

  private async send(message: ToListener): Promise<void> {
    const receivers = await this.sink.publish(message);
    if (receivers === 0) {
      this.cancel();
      this.sink.listenerGone();
    }
  }

  /** Queue the last message of the response; its delivery is reported, not awaited. */
  private sendFinal(message: ToListener): void {
    this.sink.publish(message).then(
      (receivers) => {
        if (receivers === 0) this.sink.listenerGone();
      },
      (error: unknown) => this.sink.listenerGone(error),
    );
  }

  private release(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
