// Drives a module's notifications the way the worker's pipeline does, for the unit tests: the webServer
// settings come from the real schema and merge (server, site, application), the request and response are
// small in-memory versions of the SDK's. The end-to-end suite (test/e2e/security-modules.test.ts) runs the
// modules in the real pipeline.
import { effectiveWebServer, validateConfig, type WebServer, type WebServerOverride } from '@w3pool/config';
import {
  HttpError,
  type HandlerRequest,
  type HandlerResponse,
  type ModuleContext,
  type ModuleSubscriptions,
  type PipelineModule,
  type RequestContext,
  type RequestUser,
} from '@w3pool/extension-sdk';

export interface Levels {
  server?: WebServerOverride;
  site?: WebServerOverride;
  app?: WebServerOverride;
  /** The application's virtual path (default `/`). */
  appPath?: string;
}

export function webServerFor(levels: Levels = {}): WebServer {
  const appPath = levels.appPath ?? '/';
  const app = (path: string, webServer?: WebServerOverride) => ({
    path,
    applicationPool: 'P',
    virtualDirectories: [{ path: '/', physicalPath: `/srv${path}` }],
    ...(webServer ? { webServer } : {}),
  });
  const config = validateConfig(
    {
      applicationPools: [{ name: 'P' }],
      ...(levels.server ? { webServer: levels.server } : {}),
      sites: [
        {
          name: 'S',
          id: 1,
          bindings: [{ bindingInformation: '*:80:' }],
          ...(levels.site ? { webServer: levels.site } : {}),
          applications: appPath === '/' ? [app('/', levels.app)] : [app('/'), app(appPath, levels.app)],
        },
      ],
    },
    { source: 'test', baseDir: '/' },
  );
  return effectiveWebServer(config, 1, appPath);
}

export interface Warning {
  message: string;
  fields?: Record<string, unknown>;
}

export async function initModule(
  module: PipelineModule,
  levels: Levels = {},
): Promise<{ subscriptions: ModuleSubscriptions; warnings: Warning[] }> {
  const warnings: Warning[] = [];
  const appPath = levels.appPath ?? '/';
  const context: ModuleContext = {
    pool: 'P',
    webServer: webServerFor(levels),
    application: { siteId: 1, siteName: 'S', path: appPath, physicalPath: `/srv${appPath}` },
    log: {
      info: () => undefined,
      warn: (message, fields) => warnings.push({ message, fields }),
      error: () => undefined,
    },
    reportUnhealthy: () => undefined,
    backgroundJobs: {
      add: () => Promise.reject(new Error('no background jobs in unit tests')),
      process: () => undefined,
    },
  };
  return { subscriptions: await module.init(context), warnings };
}

export interface FakeRequest {
  method?: string;
  /** Path and query as sent; `path` and `query` are derived (decoded) unless given. */
  url?: string;
  path?: string;
  headers?: Record<string, string>;
  contentLength?: number;
  host?: string;
}

/** What the pipeline would do with the module's answer: the status it set or the error it raised. */
export interface Outcome {
  result: 'continue' | 'finish';
  status: number;
  substatus: number;
  code?: string;
  headers: Record<string, string | string[]>;
  location?: string;
  user: RequestUser;
}

const ANONYMOUS: RequestUser = { name: '', authType: '', roles: [] };

export function fakeContext(init: FakeRequest = {}, appPath = '/'): RequestContext {
  const url = init.url ?? init.path ?? '/';
  const q = url.indexOf('?');
  const rawPath = q === -1 ? url : url.slice(0, q);
  const headers = new Map(Object.entries(init.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  let user = ANONYMOUS;
  const request = {
    id: 'r1',
    method: init.method ?? 'GET',
    rawUrl: url,
    path: init.path ?? decodeURIComponent(rawPath),
    query: q === -1 ? '' : url.slice(q + 1),
    httpVersion: '1.1',
    headers,
    contentLength: init.contentLength ?? 0,
    preloadedBody: new Uint8Array(),
    application: { path: appPath, physicalPath: `/srv${appPath}` },
    serverVariable: (name: string) =>
      name.toUpperCase() === 'SERVER_NAME' ? (init.host ?? 'localhost') : undefined,
    get user() {
      return user;
    },
  } as unknown as HandlerRequest;
  const response = new FakeResponse();
  return {
    request,
    response: response as unknown as HandlerResponse,
    signal: new AbortController().signal,
    webServer: undefined as unknown as WebServer,
    get user() {
      return user;
    },
    set user(value: RequestUser) {
      user = value;
    },
    mapping: undefined,
    error: undefined,
    items: new Map(),
    addResponseFilter: () => undefined,
  };
}

/** The part of HandlerResponse the modules use: status, headers and redirect. */
class FakeResponse {
  statusCode = 200;
  substatus = 0;
  ended = false;
  headersSent = false;
  readonly headers: Record<string, string | string[]> = {};

  status(code: number, substatus = 0): this {
    this.statusCode = code;
    this.substatus = substatus;
    return this;
  }

  setHeader(name: string, value: string | readonly string[]): this {
    this.headers[name.toLowerCase()] = typeof value === 'string' ? value : [...value];
    return this;
  }

  getHeader(name: string): string | string[] | undefined {
    return this.headers[name.toLowerCase()];
  }

  removeHeader(name: string): this {
    delete this.headers[name.toLowerCase()];
    return this;
  }

  redirect(location: string, status = 302): Promise<void> {
    this.statusCode = status;
    this.headers.location = location;
    this.ended = true;
    return Promise.resolve();
  }
}

/** Run one notification on a context, as the pipeline does: an HttpError sets the status it maps to. */
export async function notify(
  subscriptions: ModuleSubscriptions,
  stage: keyof ModuleSubscriptions,
  ctx: RequestContext,
): Promise<Outcome> {
  let code: string | undefined;
  let result: 'continue' | 'finish' = 'continue';
  try {
    result = (await subscriptions[stage]?.(ctx)) === 'finish' ? 'finish' : 'continue';
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    ctx.response.status(error.status, error.substatus);
    code = error.code;
    result = 'finish';
  }
  const { headers } = ctx.response as unknown as FakeResponse;
  const location = headers.location;
  return {
    result,
    status: ctx.response.statusCode,
    substatus: ctx.response.substatus,
    ...(code ? { code } : {}),
    headers,
    ...(typeof location === 'string' ? { location } : {}),
    user: ctx.user,
  };
}
