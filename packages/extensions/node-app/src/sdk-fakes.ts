import type {
  BackgroundJobs,
  BackgroundProcessor,
  ExtensionLogger,
  HandlerRequest,
  HandlerResponse,
} from '@w3pool/extension-sdk';

// The SDK's request and response as the unit tests of the adapter drive them: a request whose body the test
// feeds piece by piece, a response that records what reached it and whose writes the test can hold back.

export interface FakeRequestOptions {
  method?: string;
  rawUrl?: string;
  httpVersion?: string;
  /** As the client sent them: name, value, name, value. */
  rawHeaders?: string[];
  contentLength?: number;
  https?: boolean;
}

/** A body the test releases chunk by chunk; `pulls` counts what the adapter asked for. */
export class FakeBody {
  pulls = 0;
  private readonly queued: (Uint8Array | null)[] = [];
  private wake: (() => void) | undefined;

  push(chunk: Uint8Array | null): void {
    this.queued.push(chunk);
    this.wake?.();
  }

  async *stream(): AsyncGenerator<Uint8Array> {
    for (;;) {
      this.pulls += 1;
      while (this.queued.length === 0) await new Promise<void>((resolve) => (this.wake = resolve));
      const chunk = this.queued.shift()!;
      if (chunk === null) return;
      yield chunk;
    }
  }
}

export function fakeRequest(options: FakeRequestOptions = {}, body = new FakeBody()): HandlerRequest {
  const raw = options.rawHeaders ?? ['Host', 'w3pool.test'];
  const headers = new Map<string, string>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const previous = headers.get(name);
    headers.set(name, previous === undefined ? raw[i + 1]! : `${previous}, ${raw[i + 1]!}`);
  }
  const variables: Record<string, string> = {
    ALL_RAW: raw.reduce((all, part, i) => (i % 2 === 0 ? `${all}${part}: ` : `${all}${part}\r\n`), ''),
    HTTPS: options.https ? 'on' : 'off',
  };
  return {
    id: 'r1',
    method: options.method ?? 'GET',
    rawUrl: options.rawUrl ?? '/',
    path: (options.rawUrl ?? '/').split('?')[0]!,
    query: (options.rawUrl ?? '/').split('?')[1] ?? '',
    httpVersion: options.httpVersion ?? '1.1',
    headers,
    contentLength: options.contentLength ?? -1,
    preloadedBody: new Uint8Array(0),
    bodyStream: () => body.stream(),
    readBody: () => Promise.reject(new Error('not used')),
    remoteAddress: '127.0.0.1',
    remotePort: 50123,
    localAddress: '127.0.0.1',
    localPort: 8080,
    site: { id: 1, name: 'Test' },
    application: { path: '/', physicalPath: '/srv/app' },
    physicalPath: '/srv/app/',
    scriptName: options.rawUrl ?? '/',
    pathInfo: '',
    serverVariable: (name) => variables[name.toUpperCase()],
    mapPath: () => undefined,
    user: { name: '', authType: '', roles: [] },
  };
}

/** Records status, headers and body; `hold()` makes writes wait until `release()`. */
export class RecordingResponse implements HandlerResponse {
  statusCode = 200;
  substatus = 0;
  readonly headers = new Map<string, string | string[]>();
  readonly chunks: Buffer[] = [];
  ended = false;
  headersSent = false;
  logData = '';
  private held: (() => void)[] | undefined;

  get body(): string {
    return Buffer.concat(this.chunks).toString();
  }

  hold(): void {
    this.held = [];
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

  async write(chunk: Uint8Array | string): Promise<void> {
    if (this.ended) throw new Error('write after end');
    this.headersSent = true;
    this.chunks.push(Buffer.from(chunk));
    const held = this.held;
    if (held) await new Promise<void>((resolve) => held.push(resolve));
  }

  end(chunk?: Uint8Array | string): Promise<void> {
    if (chunk !== undefined) this.chunks.push(Buffer.from(chunk));
    this.headersSent = true;
    this.ended = true;
    return Promise.resolve();
  }

  setKernelCache(): this {
    return this;
  }

  redirect(): Promise<void> {
    return Promise.reject(new Error('not used'));
  }

  sendCustomError(): Promise<void> {
    return Promise.reject(new Error('not used'));
  }

  transmitFile(): Promise<void> {
    return Promise.reject(new Error('not used'));
  }

  executeUrl(): Promise<{ status: number; substatus: number }> {
    return Promise.reject(new Error('not used'));
  }
}

/** Background jobs that only record the processors declared. */
export class RecordingBackgroundJobs implements BackgroundJobs {
  readonly processors = new Map<string, BackgroundProcessor>();

  add(): Promise<{ id: string }> {
    return Promise.reject(new Error('not used'));
  }

  process(name: string, processor: BackgroundProcessor): void {
    this.processors.set(name, processor);
  }
}

export class RecordingLog implements ExtensionLogger {
  readonly lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];

  info(message: string, fields?: Record<string, unknown>): void {
    this.lines.push({ level: 'info', message, fields });
  }

  warn(message: string, fields?: Record<string, unknown>): void {
    this.lines.push({ level: 'warn', message, fields });
  }

  error(message: string, fields?: Record<string, unknown>): void {
    this.lines.push({ level: 'error', message, fields });
  }
}
