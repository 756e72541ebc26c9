import {
  STREAM_WINDOW_BYTES,
  W3poolError,
  type BodyChunk,
  type RequestJob,
  type ToListener,
  type WorkerIdentity,
} from '@w3pool/protocol';

/**
 * ReadClient: the request body beyond what the listener pre-read, pulled from the listener as the handler
 * consumes it. The worker asks for a window of bytes; the listener reads that much from the client's socket
 * and sends it, then pauses the socket until the next pull. A slow handler therefore slows the client,
 * and no process ever holds more than a window of the body.
 */
export class RequestBody {
  private readonly chunks: Uint8Array[] = [];
  private buffered = 0;
  /** Bytes asked for and not yet received. */
  private outstanding = 0;
  private nextSeq = 1;
  private ended: boolean;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  private consumed = false;

  readonly preloaded: Buffer;

  constructor(
    private readonly job: RequestJob,
    private readonly worker: WorkerIdentity,
    private readonly sink: { publish(message: ToListener): Promise<number> },
  ) {
    // A view, not a copy: the pre-read bytes are only ever read.
    this.preloaded = Buffer.from(job.body.buffer, job.body.byteOffset, job.body.byteLength);
    this.ended = job.bodyComplete;
  }

  /** A body chunk or the end of the body arrived from the listener. */
  receive(message: BodyChunk): void {
    if (message.seq !== this.nextSeq) {
      this.fail(new Error(`request body chunk ${message.seq} arrived, ${this.nextSeq} expected`));
      return;
    }
    this.nextSeq += 1;
    const length = message.chunk.byteLength;
    if (length > 0) {
      this.chunks.push(message.chunk);
      this.buffered += length;
      this.outstanding = Math.max(0, this.outstanding - length);
    }
    if (message.final) this.ended = true;
    this.notify();
  }

  /** The client went away or the listener refused the rest of the body. */
  fail(error: Error): void {
    this.failure ??= error;
    this.notify();
  }

  async *stream(): AsyncGenerator<Uint8Array> {
    if (this.consumed) throw new Error('the request body can be read once');
    this.consumed = true;
    if (this.preloaded.length > 0) yield this.preloaded;
    for (;;) {
      const chunk = this.chunks.shift();
      if (chunk) {
        this.buffered -= chunk.byteLength;
        this.pullIfLow();
        yield chunk;
        continue;
      }
      if (this.failure) throw this.failure;
      if (this.ended) return;
      this.pullIfLow();
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  async readAll(limit = Number.MAX_SAFE_INTEGER): Promise<Buffer> {
    const parts: Uint8Array[] = [];
    let total = 0;
    for await (const chunk of this.stream()) {
      total += chunk.byteLength;
      if (total > limit) throw new W3poolError('LISTENER_CONTENT_TOO_LARGE', `more than ${limit} bytes`);
      parts.push(chunk);
    }
    return Buffer.concat(parts, total);
  }

  private pullIfLow(): void {
    if (this.ended || this.failure) return;
    // Ask for more when less than half a window is on its way or waiting, so the pipe never runs dry.
    if (this.outstanding + this.buffered >= STREAM_WINDOW_BYTES / 2) return;
    const bytes = STREAM_WINDOW_BYTES - this.outstanding - this.buffered;
    this.outstanding += bytes;
    this.sink.publish({ t: 'pull', id: this.job.id, bytes, worker: this.worker }).then(
      (receivers) => {
        if (receivers === 0) this.fail(new Error('the listener holding the client is gone'));
      },
      (error: unknown) => this.fail(new Error('the request body could not be asked for', { cause: error })),
    );
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
