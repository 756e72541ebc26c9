// Test support for the modules' unit tests: one request played through a module the way the worker's
// pipeline (services/worker/src/w3wp/request-pipeline.ts) does it — stage notifications, the Error
// notification with the built-in page as the fallback, SendResponse before the head, then the body filters
// in order — with a response that records what would go to the listener. The end-to-end suite
// (test/e2e/response-modules.test.ts) runs the same modules in the real worker.
import { effectiveWebServer, validateConfig, type HandlerMapping, type WebServer } from '@w3pool/config';
import type {
  ExecuteUrlOptions,
  HandlerRequest,
  KernelCachePolicy,
  ModuleSubscriptions,
  PipelineModule,
  RequestContext,
  RequestUser,
  ResponseFilter,
} from '@w3pool/extension-sdk';
import { ANONYMOUS, fakeModuleContext, fakeRequest, RecordingResponse } from '@w3pool/extension-sdk/testing';
import { renderErrorPage, W3poolError } from '@w3pool/protocol';

export interface HarnessRequest {
  method?: string;
  path?: string;
  query?: string;
  httpVersion?: string;
  headers?: Record<string, string>;
  remoteAddress?: string;
  physicalPath?: string;
  mapping?: HandlerMapping;
}

/** What went out: the head as the first flush left it, and every body chunk after the filters. */
export interface Sent {
  status: number;
  substatus: number;
  headers: Record<string, string | string[]>;
  chunks: Buffer[];
  final: boolean;
  kernelCache: KernelCachePolicy | undefined;
}

/** webServer settings filled with IIS's defaults, as the worker gets them (the server's only). */
export function webServerWith(overrides: Record<string, unknown> = {}, baseDir = '/tmp'): WebServer {
  const config = validateConfig(
    {
      applicationPools: [{ name: 'P' }],
      sites: [
        {
          name: 'S',
          id: 1,
          bindings: [{ protocol: 'http', bindingInformation: '127.0.0.1:80:' }],
          applications: [
            { path: '/', applicationPool: 'P', virtualDirectories: [{ path: '/', physicalPath: baseDir }] },
          ],
        },
      ],
      webServer: overrides,
    },
    { source: 'test', baseDir },
  );
  return effectiveWebServer(config, 1, '/');
}

/**
 * The SDK's RecordingResponse, with its bytes going through the harness (SendResponse, the filters) into
 * `sent`, and redirect, custom errors and executeUrl played as the worker plays them.
 */
export class HarnessResponse extends RecordingResponse {
  sent: Sent | undefined;
  /** What executeUrl runs: a child handler the test provides. */
  child: ((url: string, options: ExecuteUrlOptions | undefined) => Promise<void>) | undefined;

  constructor(private readonly harness: ModuleHarness) {
    super();
  }

  /** Every write is one flush here: what a handler that awaits its writes sees in the worker. */
  protected override send(chunk: Buffer | undefined, final: boolean): Promise<void> {
    return this.harness.flush(chunk ?? Buffer.alloc(0), final);
  }
  override async redirect(location: string, status: 301 | 302 | 303 | 307 | 308 = 302): Promise<void> {
    this.status(status).setHeader('location', location).setHeader('content-type', 'text/html; charset=UTF-8');
    await this.end(`moved to ${location}`);
  }
  override sendCustomError(status: number, substatus = 0): Promise<void> {
    return this.harness.customError(status, substatus);
  }
  override async executeUrl(
    url: string,
    options?: ExecuteUrlOptions,
  ): Promise<{ status: number; substatus: number }> {
    if (!this.child) throw new Error('executeUrl: no child handler in this test');
    await this.harness.runChild(url, options, this.child);
    return { status: this.statusCode, substatus: this.substatus };
  }
  /** The body as sent, after the filters. */
  override get body(): string {
    return Buffer.concat(this.sent?.chunks ?? []).toString();
  }
}

/** One request through the subscriptions of a module (or several, in order). */
export class ModuleHarness implements RequestContext {
  readonly response: HarnessResponse;
  readonly request: HandlerRequest;
  readonly signal: AbortSignal;
  readonly items = new Map<string, unknown>();
  user: RequestUser = ANONYMOUS;
  mapping: HandlerMapping | undefined;
  error: W3poolError | undefined;
  /** Set when the built-in page answered (no module did). */
  builtIn = false;
  private filters: ResponseFilter[] = [];
  private readonly abort = new AbortController();

  private constructor(
    readonly webServer: WebServer,
    private readonly subscriptions: ModuleSubscriptions[],
    request: HarnessRequest,
  ) {
    this.response = new HarnessResponse(this);
    this.request = harnessRequest(request);
    this.mapping = request.mapping;
    this.signal = this.abort.signal;
  }

  static async start(
    modules: readonly PipelineModule[],
    webServer: WebServer,
    request: HarnessRequest = {},
  ): Promise<ModuleHarness> {
    const subscriptions: ModuleSubscriptions[] = [];
    for (const module of modules) {
      const application = { siteId: 1, siteName: 'S', path: '/', physicalPath: '/tmp' };
      subscriptions.push(await module.init(fakeModuleContext(webServer, { application })));
    }
    return new ModuleHarness(webServer, subscriptions, request);
  }

  /** Another request to the same application: the modules keep their state (hit counts, say). */
  again(request: HarnessRequest = {}): ModuleHarness {
    return new ModuleHarness(this.webServer, this.subscriptions, request);
  }

  /** Whether any module subscribed to this notification. */
  subscribed(stage: keyof ModuleSubscriptions): boolean {
    return this.subscriptions.some((s) => s[stage] !== undefined);
  }

  async notify(stage: keyof ModuleSubscriptions): Promise<void> {
    for (const subscription of this.subscriptions) {
      const handler = subscription[stage];
      if (handler) await handler(this);
      // A response that ends in one go is already ended at SendResponse: every subscriber still sees it.
      if (this.response.ended && stage !== 'SendResponse') return;
    }
  }

  addResponseFilter(filter: ResponseFilter): void {
    if (this.response.headersSent)
      throw new Error('a response filter must be added before the response starts');
    this.filters.push(filter);
  }

  /** The pipeline's fail(): the error's status, the Error notification, else the built-in page. */
  async fail(error: W3poolError): Promise<void> {
    this.response.status(error.status, error.substatus);
    this.error = error;
    await this.notify('Error');
    if (this.response.ended) return;
    this.builtIn = true;
    this.response.setHeader('content-type', 'text/html; charset=utf-8');
    await this.response.end(renderErrorPage(error.code, error.detail));
  }

  async customError(status: number, substatus: number): Promise<void> {
    this.response.status(status, substatus);
    this.error = new W3poolError('WORKER_CUSTOM_ERROR', `${status}.${substatus}`);
    await this.notify('Error');
    if (this.response.ended) return;
    this.builtIn = true;
    await this.response.end(`built-in page for ${status}.${substatus}`);
  }

  async runChild(
    url: string,
    options: ExecuteUrlOptions | undefined,
    handler: (url: string, options: ExecuteUrlOptions | undefined) => Promise<void>,
  ): Promise<void> {
    // A child has its own context in the worker: its own items, filters and error.
    const saved = { items: new Map(this.items), filters: this.filters, error: this.error };
    this.items.clear();
    this.filters = [];
    this.error = undefined;
    try {
      await handler(url, options);
    } finally {
      this.items.clear();
      for (const [key, value] of saved.items) this.items.set(key, value);
      this.filters = saved.filters;
      this.error = saved.error;
    }
  }

  /** The client went away. */
  cancel(): void {
    this.abort.abort();
  }

  /** StreamingResponse's flush: SendResponse before the first bytes, then the filters, then "send". */
  async flush(body: Buffer, final: boolean): Promise<void> {
    const response = this.response;
    const first = !response.headersSent;
    if (first) await this.notify('SendResponse');
    let out: Uint8Array = body;
    for (const filter of this.filters) out = await filter(out, final);
    if (first) {
      response.headersSent = true;
      response.sent = {
        status: response.statusCode,
        substatus: response.substatus,
        headers: Object.fromEntries(response.headers),
        chunks: [],
        final: false,
        kernelCache: response.kernelCache,
      };
    }
    const sent = response.sent!;
    sent.chunks.push(Buffer.from(out));
    sent.final = final;
    sent.kernelCache = response.kernelCache;
  }
}

function harnessRequest(request: HarnessRequest): HandlerRequest {
  const path = request.path ?? '/';
  return fakeRequest({
    id: 'test.1',
    method: request.method ?? 'GET',
    url: path + (request.query ? `?${request.query}` : ''),
    path,
    httpVersion: request.httpVersion ?? '1.1',
    headers: request.headers ?? {},
    remoteAddress: request.remoteAddress ?? '127.0.0.1',
    application: { path: '/', physicalPath: '/tmp' },
    ...(request.physicalPath === undefined ? {} : { physicalPath: request.physicalPath }),
  });
}
