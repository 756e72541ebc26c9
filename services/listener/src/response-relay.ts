import type { ServerResponse } from 'node:http';
import type { ResponseData, ResponseHead, ToWorker } from '@w3pool/protocol';
import { HOP_BY_HOP } from '@w3pool/protocol';
import type { ThrottledWriter } from './limits/throttled-writer.js';

const labels = new Map<number, { pool: string; label: string }>();

/** `<pool>/<pid>`, made once per worker process rather than once per response. */
function workerLabel(pool: string, pid: number): string {
  const known = labels.get(pid);
  if (known?.pool === pool) return known.label;
  if (labels.size > 1000) labels.clear();
  const label = `${pool}/${pid}`;
  labels.set(pid, { pool, label });
  return label;
}

/**
 * Writes a worker's response to the client as it arrives. A complete response (one message) is written
 * with its Content-Length; a streamed one is written chunk by chunk, and each chunk is acknowledged to the
 * worker once the socket has taken it, which is what lets the worker send more. A gap in the sequence (the
 * subscriber reconnected and lost messages) or an abort from the worker resets the client's connection: a
 * truncated body must never look complete.
 *
 * With `paced` (the site has a bandwidth limit), the body goes through it in the same order, and a chunk is
 * acknowledged once its last paced piece has been taken by the socket.
 */
export class ResponseRelay {
  private nextSeq = 1;
  private control: string | undefined;
  private done = false;

  constructor(
    private readonly id: string,
    private readonly response: ServerResponse,
    private readonly toWorker: (control: string, message: ToWorker) => void,
    private readonly onComplete: () => void,
    private readonly paced?: ThrottledWriter,
  ) {}

  /** The worker's control channel id, once the head has arrived. */
  get workerControl(): string | undefined {
    return this.control;
  }

  /**
   * The start of the worker's response: status and headers in one writeHead (a flat list: no header object
   * per response), plus which worker answered, and `Connection: close` while the listener shuts down.
   */
  head(head: ResponseHead, closeConnection: boolean): void {
    this.control = head.worker.control;
    const response = this.response;
    if (response.headersSent || response.destroyed) return;
    const body = Buffer.from(head.body.buffer, head.body.byteOffset, head.body.byteLength);
    const lines: string[] = [];
    let hasLength = false;
    for (const name in head.headers) {
      if (HOP_BY_HOP.has(name)) continue;
      const value = head.headers[name]!;
      if (name === 'content-length') hasLength = true;
      if (typeof value === 'string') lines.push(name, value);
      else for (const one of value) lines.push(name, one);
    }
    // Which w3wp answered: the pool and pid, as `appcmd list wp` shows them.
    lines.push('x-w3pool-worker', workerLabel(head.worker.pool, head.worker.pid));
    if (closeConnection) lines.push('connection', 'close');
    if (head.final && !hasLength && head.status !== 304 && head.status !== 204) {
      lines.push('content-length', String(body.length));
    }
    response.writeHead(head.status, lines);
    if (head.final) this.finish(body);
    else this.write(body);
  }

  data(data: ResponseData): void {
    if (this.done) return;
    if (data.seq !== this.nextSeq) {
      this.reset(`response chunk ${data.seq} arrived, ${this.nextSeq} expected`);
      return;
    }
    this.nextSeq += 1;
    const chunk = Buffer.from(data.chunk.buffer, data.chunk.byteOffset, data.chunk.byteLength);
    if (data.final) this.finish(chunk);
    else this.write(chunk);
  }

  /** The response cannot be completed: reset the connection so the client sees a failure. */
  reset(reason: string): void {
    if (this.done) return;
    this.done = true;
    if (this.control) this.toWorker(this.control, { t: 'cancel', id: this.id, reason });
    this.response.destroy(new Error(reason));
    this.onComplete();
  }

  private write(chunk: Buffer): void {
    if (chunk.length === 0) return;
    const control = this.control;
    const id = this.id;
    const taken = () => {
      if (control && !this.done) this.toWorker(control, { t: 'ack', id, bytes: chunk.length });
    };
    if (this.paced) this.paced.write(chunk, taken);
    else this.response.write(chunk, taken);
  }

  private finish(chunk: Buffer): void {
    this.done = true;
    if (this.paced) this.paced.end(chunk);
    else this.response.end(chunk);
    this.onComplete();
  }
}
