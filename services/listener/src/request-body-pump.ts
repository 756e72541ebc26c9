import type { IncomingMessage } from 'node:http';
import type { BodyChunk } from '@w3pool/protocol';

/** Whether the request announces a body (a non-zero Content-Length, or chunked). */
export function declaresBody(request: IncomingMessage): boolean {
  const h = request.headers;
  if (h['content-length'] !== undefined) return h['content-length'] !== '0';
  if (h['transfer-encoding'] !== undefined) return true;
  // HTTP/2 needs neither: a request has a body unless its HEADERS frame ended the stream.
  const stream = (request as { stream?: { endAfterHeaders: boolean } }).stream;
  return stream !== undefined && !stream.endAfterHeaders;
}

/** too-large: requestFiltering's maxAllowedContentLength; entity-too-large: serverRuntime's maxRequestEntityAllowed. */
export type BodyFailure = 'too-large' | 'entity-too-large' | 'timeout' | 'aborted';

/** The largest body each layer of IIS allows, in bytes, counted as it streams. */
export interface BodyLimits {
  /** requestFiltering requestLimits maxAllowedContentLength (413, logged 404.13). */
  maxAllowedContentLength: number;
  /** serverRuntime maxRequestEntityAllowed (413.0). */
  maxRequestEntityAllowed: number;
}

/** The listener's side of a request body, as the rest of the request path uses it. */
export interface ListenerBody {
  /** The worker asked for `bytes` more; chunks go to `sink` in order. */
  pull(bytes: number, sink: (chunk: BodyChunk) => void): void;
  /** Read and discard what the handler left unread, so the connection's next request starts right. */
  discardRest(): void;
  stop(): void;
}

/**
 * A request without a body (most of them): nothing to read ahead, pull (its job says the body is complete,
 * so no worker asks), or discard.
 */
export const NO_BODY: ListenerBody = {
  pull: () => undefined,
  discardRest: () => undefined,
  stop: () => undefined,
};

/**
 * The request body on the listener's side. Before queueing, the first uploadReadAheadSize bytes are read
 * (they travel in the job, ISAPI's lpbData). The rest stays in the client's socket until the worker pulls
 * it, and then flows only as far as the worker's credit allows: the socket is paused whenever the credit is
 * spent, so the client uploads no faster than the handler reads.
 *
 * While the listener waits for body bytes it wants, the entity-body timer (connectionTimeout, reset on each
 * chunk) runs: http.sys's Timer_EntityBody. `onReading` follows the same state (reading, or not), for the
 * minimum-rate monitor: a client is only held to minBytesPerSecond while the listener is asking for its bytes.
 */
export class RequestBodyPump implements ListenerBody {
  private received = 0;
  private credit = 0;
  private seq = 0;
  private leftover: Buffer | undefined;
  private ended = false;
  private sink: ((chunk: BodyChunk) => void) | undefined;
  private readAheadDone: ((complete: boolean) => void) | undefined;
  private readonly preload: Buffer[] = [];
  private preloadBytes = 0;
  private preloadLimit = 0;
  private timer: NodeJS.Timeout | undefined;
  /** No more chunks go out: the body ended and was sent, or reading it failed. */
  private failed = false;
  private failedWith: BodyFailure | undefined;
  private draining = false;

  constructor(
    private readonly request: IncomingMessage,
    private readonly id: string,
    private readonly limits: BodyLimits,
    private readonly idleTimeoutMs: number,
    private readonly onFailure: (failure: BodyFailure) => void,
    private readonly onReading: (reading: boolean) => void = () => undefined,
  ) {
    request.pause();
    request.on('data', (chunk: Buffer) => this.onData(chunk));
    request.on('end', () => this.onEnd());
    request.on('aborted', () => this.fail('aborted'));
  }

  /** Read up to `bytes` of the body; resolves with those bytes and whether that is the whole body. */
  async readAhead(bytes: number): Promise<{ preload: Buffer; complete: boolean }> {
    if (!declaresBody(this.request)) return { preload: Buffer.alloc(0), complete: true };
    this.preloadLimit = bytes;
    const complete =
      bytes > 0 &&
      (await new Promise<boolean>((resolve) => {
        this.readAheadDone = resolve;
        this.resume();
      }));
    const all = Buffer.concat(this.preload, this.preloadBytes);
    const preload = all.subarray(0, bytes);
    if (all.length > preload.length) this.leftover = all.subarray(preload.length);
    this.preload.length = 0;
    return { preload, complete: complete && this.leftover === undefined };
  }

  /** Why the body could not be read, if it could not. */
  get failure(): BodyFailure | undefined {
    return this.failedWith;
  }

  /** The worker asked for `bytes` more; chunks go to `sink` in order. */
  pull(bytes: number, sink: (chunk: BodyChunk) => void): void {
    if (this.failed) return;
    this.sink = sink;
    this.credit += bytes;
    if (this.leftover) {
      const piece = this.leftover;
      this.leftover = undefined;
      this.send(piece, false);
    }
    if (this.ended) {
      this.finish();
      return;
    }
    if (this.credit > 0) this.resume();
  }

  /**
   * The response is complete but the handler left part of the body unread: read and discard the rest, still
   * within the content length limit, so the connection's next request starts in the right place.
   */
  discardRest(): void {
    if (this.ended || this.failed) return;
    this.draining = true;
    this.sink = undefined;
    this.resume();
  }

  stop(): void {
    this.stopTimer();
    this.failed = true;
  }

  private onData(chunk: Buffer): void {
    this.received += chunk.length;
    this.armTimer();
    if (this.received > this.limits.maxAllowedContentLength) {
      this.fail('too-large');
      return;
    }
    if (this.received > this.limits.maxRequestEntityAllowed) {
      this.fail('entity-too-large');
      return;
    }
    if (this.draining) return;
    if (this.readAheadDone) {
      this.preload.push(chunk);
      this.preloadBytes += chunk.length;
      if (this.preloadBytes >= this.preloadLimit) {
        this.request.pause();
        this.stopTimer();
        const done = this.readAheadDone;
        this.readAheadDone = undefined;
        done(false);
      }
      return;
    }
    this.send(chunk, false);
    if (this.credit <= 0) {
      this.request.pause();
      this.stopTimer();
    }
  }

  private onEnd(): void {
    this.stopTimer();
    this.ended = true;
    if (this.readAheadDone) {
      const done = this.readAheadDone;
      this.readAheadDone = undefined;
      done(true);
      return;
    }
    if (this.sink && !this.leftover) this.finish();
  }

  private finish(): void {
    if (this.failed) return;
    this.send(Buffer.alloc(0), true);
    this.failed = true;
  }

  private send(chunk: Buffer, final: boolean): void {
    this.credit -= chunk.length;
    this.seq += 1;
    this.sink?.({ t: 'body', id: this.id, seq: this.seq, chunk, final });
  }

  private resume(): void {
    this.armTimer();
    this.request.resume();
  }

  /** Waiting for body bytes: the entity-body timer runs, and the client is held to the minimum rate. */
  private armTimer(): void {
    clearTimeout(this.timer);
    this.onReading(true);
    if (this.idleTimeoutMs <= 0) return;
    this.timer = setTimeout(() => this.fail('timeout'), this.idleTimeoutMs);
    this.timer.unref();
  }

  /** Not waiting for body bytes (paused, done or failed). */
  private stopTimer(): void {
    clearTimeout(this.timer);
    this.onReading(false);
  }

  private fail(failure: BodyFailure): void {
    if (this.failed || (this.ended && failure === 'aborted')) return;
    this.failed = true;
    this.failedWith = failure;
    this.stopTimer();
    this.request.pause();
    const done = this.readAheadDone;
    this.readAheadDone = undefined;
    done?.(false);
    this.onFailure(failure);
  }
}
