// Drives a module's notifications the way the worker's pipeline does, for the unit tests: the webServer
// settings come from the real schema and merge (server, site, application), the request, response and
// context are the SDK's test doubles (@w3pool/extension-sdk/testing). The end-to-end suite (test/e2e/security-modules.test.ts) runs the
// modules in the real pipeline.
import { effectiveWebServer, validateConfig, type WebServer, type WebServerOverride } from '@w3pool/config';
import {
  HttpError,
  type ModuleSubscriptions,
  type PipelineModule,
  type RequestContext,
  type RequestUser,
} from '@w3pool/extension-sdk';
import {
  fakeModuleContext,
  FakeRequestContext,
  RecordingLog,
  type RecordingResponse,
} from '@w3pool/extension-sdk/testing';

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
  const appPath = levels.appPath ?? '/';
  const log = new RecordingLog();
  const context = fakeModuleContext(webServerFor(levels), {
    application: { siteId: 1, siteName: 'S', path: appPath, physicalPath: `/srv${appPath}` },
    log,
  });
  const subscriptions = await module.init(context);
  const warnings = log.lines
    .filter((l) => l.level === 'warn')
    .map(({ message, fields }) => ({ message, fields }));
  return { subscriptions, warnings };
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

/** A request to the application at `appPath`; SERVER_NAME is `host` (default `localhost`). */
export function fakeContext(init: FakeRequest = {}, appPath = '/'): FakeRequestContext {
  return new FakeRequestContext({
    method: init.method ?? 'GET',
    url: init.url ?? init.path ?? '/',
    ...(init.path === undefined ? {} : { path: init.path }),
    headers: { host: init.host ?? 'localhost', ...init.headers },
    contentLength: init.contentLength ?? 0,
    application: { path: appPath, physicalPath: `/srv${appPath}` },
  });
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
  const headers = Object.fromEntries((ctx.response as RecordingResponse).headers);
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
