import type { ServerResponse } from 'node:http';
import type { Pace } from './pace.js';

interface Pending {
  readonly data: Buffer;
  /** Called once the socket has taken the last byte of `data`. */
  readonly done: (() => void) | undefined;
}

/**
 * Writes one response's body at the pace of its site and of the server (maxBandwidth, maxGlobalBandwidth).
 * Bytes go in order, in pieces of about a twentieth of a second at the slowest rate; each piece waits for
 * its reservation and for the socket to take the piece before it, so a slow client still gets no more than
 * one piece buffered. A write's `done` is called when its last piece is taken: the relay acknowledges a
 * chunk to the worker only then, which keeps the worker's flow control as it is without a throttle.
 */
export class ThrottledWriter {
  private readonly queue: Pending[] = [];
  private offset = 0;
  private busy = false;
  private ending = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly pieceSize: number;

  constructor(
    private readonly response: ServerResponse,
    private readonly paces: readonly Pace[],
  ) {
    const slowest = Math.min(...paces.map((p) => p.bytesPerSecond));
    this.pieceSize = Math.min(65536, Math.max(1024, Math.floor(slowest / 20)));
    // The client left or the response was reset: nothing more goes out, and no timer keeps running.
    response.once('close', () => {
      this.stopped = true;
      clearTimeout(this.timer);
    });
  }

  write(data: Buffer, done?: () => void): void {
    if (data.length > 0) this.queue.push({ data, done });
    else done?.();
    this.next();
  }

  /** Write `data` (if any) after everything queued, then end the response. */
  end(data?: Buffer): void {
    if (data && data.length > 0) this.queue.push({ data, done: undefined });
    this.ending = true;
    this.next();
  }

  private next(): void {
    if (this.busy || this.stopped) return;
    const head = this.queue[0];
    if (!head) {
      if (this.ending) {
        this.stopped = true;
        this.response.end();
      }
      return;
    }
    const piece = head.data.subarray(this.offset, this.offset + this.pieceSize);
    const now = Date.now();
    let wait = 0;
    for (const pace of this.paces) wait = Math.max(wait, pace.reserve(piece.length, now));
    this.busy = true;
    if (wait > 0) this.timer = setTimeout(() => this.send(head, piece), wait);
    else this.send(head, piece);
  }

  private send(head: Pending, piece: Buffer): void {
    this.timer = undefined;
    if (this.stopped) return;
    this.offset += piece.length;
    const last = this.offset >= head.data.length;
    if (last) {
      this.queue.shift();
      this.offset = 0;
    }
    this.response.write(piece, () => {
      this.busy = false;
      if (last) head.done?.();
      this.next();
    });
  }
}
