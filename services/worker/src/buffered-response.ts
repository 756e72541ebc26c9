import type { HandlerResponse } from '@w3pool/extension-sdk';
import type { ResponseHeaders } from '@w3pool/protocol';

/**
 * A HandlerResponse that collects the whole answer for one reply message. The reply travels as a single
 * message today; the interface is WriteClient's, so a streaming implementation can replace this one
 * without changing any extension.
 */
export class BufferedResponse implements HandlerResponse {
  statusCode = 200;
  substatus = 0;
  readonly headers: ResponseHeaders = {};
  private readonly chunks: Uint8Array[] = [];
  private finished = false;

  get ended(): boolean {
    return this.finished;
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

  write(chunk: Uint8Array | string): void {
    if (this.finished) throw new Error('write after end');
    this.chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  }

  end(chunk?: Uint8Array | string): void {
    if (chunk !== undefined) this.write(chunk);
    this.finished = true;
  }

  body(): Buffer {
    return Buffer.concat(this.chunks);
  }
}
