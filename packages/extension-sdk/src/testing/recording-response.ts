import type {
  ExecuteUrlOptions,
  HandlerResponse,
  KernelCachePolicy,
  TransmitFileOptions,
} from '../handler-response.js';

/** A ServerSupportFunction call the handler made, in the order made. */
export type RecordedCall =
  | { readonly call: 'redirect'; readonly location: string; readonly status: number }
  | { readonly call: 'sendCustomError'; readonly status: number; readonly substatus: number }
  | {
      readonly call: 'transmitFile';
      readonly path: string;
      readonly options: TransmitFileOptions | undefined;
    }
  | { readonly call: 'executeUrl'; readonly url: string; readonly options: ExecuteUrlOptions | undefined };

/**
 * The SDK's HandlerResponse for unit tests: records the status, the headers (names lower-cased), the body
 * chunks as written, the kernel-cache policy and the ServerSupportFunction calls. redirect(),
 * sendCustomError(), transmitFile() and executeUrl() are recorded in `calls` and end the response, as
 * they do in the worker (redirect also sets the status and Location). `hold()` makes writes wait until
 * `release()`, to play a slow client.
 *
 * A harness that plays more of the pipeline (SendResponse, filters) overrides send(), where every byte goes.
 */
export class RecordingResponse implements HandlerResponse {
  statusCode = 200;
  substatus = 0;
  logData = '';
  headersSent = false;
  ended = false;
  kernelCache: KernelCachePolicy | undefined;
  readonly headers = new Map<string, string | string[]>();
  /** The body as written: one Buffer per write(), and end()'s chunk if it had one. */
  readonly chunks: Buffer[] = [];
  readonly calls: RecordedCall[] = [];
  /** What executeUrl() resolves with: the status the child answered. */
  executeUrlResult = { status: 200, substatus: 0 };
  private held: (() => void)[] | undefined;

  /** The body so far as UTF-8. */
  get body(): string {
    return Buffer.concat(this.chunks).toString();
  }

  /** The last call of this kind, if any was made. */
  lastCall<K extends RecordedCall['call']>(call: K): Extract<RecordedCall, { call: K }> | undefined {
    return this.calls.findLast((c): c is Extract<RecordedCall, { call: K }> => c.call === call);
  }

  /** From now on, write() resolves only at release(): a client that does not read. */
  hold(): void {
    this.held ??= [];
  }

  release(): void {
    const waiting = this.held ?? [];
    this.held = undefined;
    for (const go of waiting) go();
  }

  status(code: number, substatus = 0): this {
    this.statusCode = code;
    this.substatus = substatus;
    return this;
  }

  setHeader(name: string, value: string | number | readonly string[]): this {
    this.headers.set(name.toLowerCase(), typeof value === 'object' ? [...value] : String(value));
    return this;
  }

  getHeader(name: string): string | string[] | undefined {
    return this.headers.get(name.toLowerCase());
  }

  removeHeader(name: string): this {
    this.headers.delete(name.toLowerCase());
    return this;
  }

  setKernelCache(policy: KernelCachePolicy): this {
    this.kernelCache = policy;
    return this;
  }

  async write(chunk: Uint8Array | string): Promise<void> {
    if (this.ended) throw new Error('write after end');
    await this.send(Buffer.from(chunk), false);
  }

  async end(chunk?: Uint8Array | string): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    await this.send(chunk === undefined ? undefined : Buffer.from(chunk), true);
  }

  async redirect(location: string, status: 301 | 302 | 303 | 307 | 308 = 302): Promise<void> {
    this.calls.push({ call: 'redirect', location, status });
    this.status(status).setHeader('location', location);
    await this.end();
  }

  async sendCustomError(status: number, substatus = 0): Promise<void> {
    this.calls.push({ call: 'sendCustomError', status, substatus });
    this.status(status, substatus);
    await this.end();
  }

  async transmitFile(path: string, options?: TransmitFileOptions): Promise<void> {
    this.calls.push({ call: 'transmitFile', path, options });
    await this.end();
  }

  async executeUrl(url: string, options?: ExecuteUrlOptions): Promise<{ status: number; substatus: number }> {
    this.calls.push({ call: 'executeUrl', url, options });
    await this.end();
    return { ...this.executeUrlResult };
  }

  /** Where the bytes go: recorded here (the head goes out with the first); held writes wait. */
  protected async send(chunk: Buffer | undefined, final: boolean): Promise<void> {
    this.headersSent = true;
    if (chunk !== undefined) this.chunks.push(chunk);
    const held = this.held;
    if (held && !final) await new Promise<void>((resolve) => held.push(resolve));
  }
}
