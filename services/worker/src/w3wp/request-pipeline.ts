import {
  effectiveWebServer,
  parseAccessSslFlags,
  type AccessSslFlags,
  type W3poolConfig,
  type WebServer,
} from '@w3pool/config';
import {
  PIPELINE_STAGES,
  type BackgroundJobs,
  type ExecuteUrlOptions,
  type Extension,
  type ExtensionLogger,
  type ModuleContext,
  type PipelineModule,
} from '@w3pool/extension-sdk';
import { createMimeLookup } from '@w3pool/extension-static';
import { W3poolError, type RequestJob } from '@w3pool/protocol';
import {
  checkAccess,
  checkRestriction,
  checkSslAccess,
  parseAccessPolicy,
  preConditionMet,
  type AccessPolicy,
} from './access-checks.js';
import type { AppOffline } from './app-offline.js';
import { childJob } from './child-request.js';
import { compileMappings, selectCompiled, type CompiledMappings } from './handler-mapping.js';
import { compilePaths, mapCompiled, type CompiledPaths } from './map-path.js';
import { answerFailure, checkResourceType, isLoopback, renderStatusPage } from './pipeline-errors.js';
import { loadHandlers, loadModules, type LoadedHandler, type Subscribers } from './pipeline-loader.js';
import type { RequestBody } from './request-body.js';
import { RequestState, type PipelineServices } from './request-state.js';
import type { StreamingResponse } from './streaming-response.js';
import { WorkerRequest, type RequestApplication } from './worker-request.js';

export interface PipelineOptions {
  config: W3poolConfig;
  pool: string;
  log: ExtensionLogger;
  reportUnhealthy: (reason: string) => void;
  appOffline: AppOffline;
  /** The application this pipeline serves: each application domain builds its own. */
  application: { siteId: number; appPath: string };
  backgroundJobs: BackgroundJobs;
}

/** executeUrl children nest at most this deep: a handler that executes its own URL must not recurse forever. */
const MAX_CHILD_DEPTH = 8;

/**
 * The worker's integrated pipeline for one application and configuration version. Every request goes
 * through IIS's stages in order — BeginRequest, AuthenticateRequest, AuthorizeRequest, ResolveRequestCache,
 * MapRequestHandler (map the path, choose the handler mapping, check access and the restriction list),
 * AcquireRequestState, PreExecuteRequestHandler, ExecuteRequestHandler (the mapped handler), ReleaseRequestState,
 * UpdateRequestCache, LogRequest, EndRequest — notifying the modules subscribed to each. Modules and
 * extensions are loaded once when the pipeline is built (RegisterModule, GetExtensionVersion) and disposed
 * when it retires after its last request (TerminateExtension).
 */
export class RequestPipeline implements PipelineServices {
  readonly notifiesSendResponse: boolean;
  readonly contentTypeOf: (file: string) => string | undefined;
  private readonly mappings: CompiledMappings;
  private readonly accessPolicy: AccessPolicy;
  private readonly sslFlags: AccessSslFlags;
  /** Whether access@sslFlags restricts this application at all: its responses then stay out of the listener's cache. */
  private readonly sslRestricted: boolean;
  private readonly app: RequestApplication;
  private readonly paths: CompiledPaths;
  private inFlight = 0;
  private retired = false;
  private drained: (() => void) | undefined;

  private constructor(
    private readonly options: PipelineOptions,
    readonly webServer: WebServer,
    private readonly handlers: LoadedHandler[],
    private readonly modules: PipelineModule[],
    private readonly subscribers: Subscribers,
    private readonly moduleError: string | undefined,
    /** The site's applications, deepest first: the first that maps a URL owns it. */
    private readonly sitePaths: CompiledPaths[],
    app: RequestApplication['application'],
    site: RequestApplication['site'],
  ) {
    const pool = options.config.applicationPools.find((p) => p.name === options.pool);
    // A mapping whose preCondition does not hold in this pool is left out of the list, as in IIS.
    this.mappings = compileMappings(webServer.handlers.list).filter(
      (m) => !pool || preConditionMet(m.mapping.preCondition, pool),
    );
    this.accessPolicy = parseAccessPolicy(webServer.handlers.accessPolicy);
    this.sslFlags = parseAccessSslFlags(webServer.security.access.sslFlags);
    this.sslRestricted = Object.values(this.sslFlags).some(Boolean);
    this.notifiesSendResponse = (subscribers.SendResponse?.length ?? 0) > 0;
    this.contentTypeOf = createMimeLookup(webServer.staticContent.mimeMap);
    this.paths = sitePaths.find((p) => p.appPrefix === (app.path === '/' ? '' : app.path))!;
    this.app = {
      pool: options.pool,
      site,
      application: app,
      // MAP_PATH through the site's applications: the deepest application holding the URL maps it.
      mapPath: (url) => {
        for (const paths of sitePaths) {
          const mapped = mapCompiled(paths, url);
          if (mapped) return mapped.physicalPath;
        }
        return undefined;
      },
    };
  }

  static async build(options: PipelineOptions): Promise<RequestPipeline> {
    const { config, pool, log, application } = options;
    const site = config.sites.find((s) => s.id === application.siteId);
    const app = site?.applications.find((a) => a.path === application.appPath);
    if (!site || !app) {
      throw new W3poolError('WORKER_NO_APPLICATION', `site ${application.siteId} ${application.appPath}`);
    }
    const webServer = effectiveWebServer(config, site.id, app.path);
    const root = app.virtualDirectories.find((v) => v.path === '/')?.physicalPath ?? '';
    const base: ModuleContext = {
      pool,
      webServer,
      log,
      reportUnhealthy: options.reportUnhealthy,
      backgroundJobs: options.backgroundJobs,
      application: { siteId: site.id, siteName: site.name, path: app.path, physicalPath: root },
    };

    const handlers = await loadHandlers(webServer.handlers.list, base, log);
    const poolConfig = config.applicationPools.find((p) => p.name === pool);
    const { modules, subscribers, moduleError } = await loadModules(webServer, poolConfig, base, log);

    options.appOffline.watch([{ siteId: site.id, appPath: app.path, root }]);
    return new RequestPipeline(
      options,
      webServer,
      handlers,
      modules,
      subscribers,
      moduleError,
      site.applications.map((a) => compilePaths(a)).sort((a, b) => b.appPrefix.length - a.appPrefix.length),
      { path: app.path, physicalPath: root },
      { id: site.id, name: site.name },
    );
  }

  /** Run one request to completion; the response streams to the listener as the handler writes it. */
  async execute(
    job: RequestJob,
    body: RequestBody,
    response: StreamingResponse,
    signal: AbortSignal,
  ): Promise<void> {
    this.inFlight += 1;
    try {
      await this.run(job, body, response, signal, 0);
    } finally {
      this.inFlight -= 1;
      if (this.retired && this.inFlight === 0) this.drained?.();
    }
  }

  /** Stop using this pipeline: wait for its requests to finish, then dispose its modules and extensions. */
  async retire(): Promise<void> {
    this.retired = true;
    if (this.inFlight > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    const extensions = new Set(
      this.handlers.map((h) => h.extension).filter((e): e is Extension => e !== undefined),
    );
    const disposals: [string, () => void | Promise<void>][] = [
      ...[...extensions].map((e): [string, () => void | Promise<void>] => [e.name, () => e.terminate?.()]),
      ...this.modules.map((m): [string, () => void | Promise<void>] => [m.name, () => m.dispose?.()]),
    ];
    for (const [name, dispose] of disposals) {
      try {
        await dispose();
      } catch (error) {
        this.options.log.warn('extension or module failed to terminate', {
          name,
          error: (error as Error).message,
        });
      }
    }
  }

  private async run(
    job: RequestJob,
    body: RequestBody,
    response: StreamingResponse,
    signal: AbortSignal,
    depth: number,
    customErrors = true,
  ): Promise<void> {
    const whole = mapCompiled(this.paths, job.path);
    const request = new WorkerRequest(job, body, this.app, whole?.physicalPath ?? '');
    const state = new RequestState(this, request, response, signal, depth);
    state.customErrors = customErrors;
    const parentSupport = response.support;
    response.support = state;
    try {
      if (await this.offline(state)) return;
      if (this.moduleError) throw new W3poolError('WORKER_MODULE_LOAD_FAILED', this.moduleError);
      // IIS refuses a request that does not meet access@sslFlags before any module authenticates it.
      checkSslAccess(this.sslFlags, job.tls);
      if (this.sslRestricted) response.listenerCacheable = false;
      for (const stage of PIPELINE_STAGES) {
        if (stage === 'LogRequest') break;
        if (stage === 'MapRequestHandler') await this.mapHandler(state);
        if ((await this.notify(stage, state)) === 'finish') break;
        if (stage === 'ExecuteRequestHandler' && !response.ended) await this.executeHandler(state);
      }
    } catch (error) {
      await this.fail(state, error);
    }
    // LogRequest and EndRequest run for every request, whatever happened before them.
    for (const stage of ['LogRequest', 'EndRequest'] as const) {
      try {
        await this.notify(stage, state);
      } catch (error) {
        this.options.log.error('module failed in an end stage', {
          id: job.id,
          stage,
          error: (error as Error)?.stack ?? String(error),
        });
      }
    }
    try {
      if (!response.ended && !response.isCancelled) await response.end();
    } catch (error) {
      await this.fail(state, error);
    } finally {
      response.support = parentSupport;
    }
  }

  /** An application taken offline with app_offline.htm answers 503 with that page, whatever the URL. */
  private async offline(state: RequestState): Promise<boolean> {
    const root = this.app.application.physicalPath;
    const known = this.options.appOffline.known(root);
    const page = known ? known.page : await this.options.appOffline.page(root);
    if (!page) return false;
    const { response } = state;
    response.status(503).setHeader('content-type', 'text/html; charset=utf-8').setHeader('retry-after', '30');
    response.errorCode = 'WORKER_APP_OFFLINE';
    await response.end(page);
    return true;
  }

  /** MapRequestHandler: the file, the handler mapping, and the checks IIS makes before running it. */
  private async mapHandler(state: RequestState): Promise<void> {
    const { request } = state;
    const { job } = request;
    if (!mapCompiled(this.paths, job.path)) throw new W3poolError('WORKER_NOT_FOUND', job.path);
    const selection = selectCompiled(this.mappings, job.method, job.path);
    if (selection.kind === 'none') throw new W3poolError('WORKER_NO_HANDLER', job.path);
    if (selection.kind === 'verb-not-allowed')
      throw new W3poolError('WORKER_VERB_NOT_ALLOWED', `${job.method} ${job.path}`);
    const { mapping } = selection;
    state.mapping = mapping;
    state.handlerIndex = selection.index;
    request.allowPathInfo = mapping.allowPathInfo;
    if (selection.pathInfo) {
      request.scriptName = selection.scriptName;
      request.pathInfo = selection.pathInfo;
      const script = mapCompiled(this.paths, selection.scriptName);
      if (!script) throw new W3poolError('WORKER_NOT_FOUND', job.path);
      request.physicalPath = script.physicalPath;
    }
    checkAccess(mapping, this.accessPolicy, !isLoopback(job.remoteAddress));
    checkRestriction(mapping, this.webServer.security.isapiCgiRestriction, request.physicalPath);
    if (mapping.resourceType !== 'Unspecified')
      await checkResourceType(mapping.resourceType, request.physicalPath, job.path);
  }

  private async executeHandler(state: RequestState): Promise<void> {
    const loaded = this.handlers[state.handlerIndex];
    if (!loaded?.handler) throw new W3poolError('EXT_HANDLER_LOAD_FAILED', loaded?.loadError);
    await loaded.handler(state.request, state.response, state.signal);
  }

  private async notify(stage: keyof Subscribers, state: RequestState): Promise<'continue' | 'finish'> {
    const handlers = this.subscribers[stage];
    if (!handlers) return 'continue';
    for (const handler of handlers) {
      if ((await handler(state)) === 'finish') return 'finish';
      if (state.response.ended) return 'finish';
    }
    return 'continue';
  }

  async sendResponse(state: RequestState): Promise<void> {
    // Every subscriber sees the head before it goes out: a response that ends in one go is already
    // `ended` here (end() is what sends it), which must not stop the notification after the first module.
    for (const handler of this.subscribers.SendResponse ?? []) await handler(state);
  }

  /** A stage or the handler failed: the Error notification, then the built-in error page. */
  private async fail(state: RequestState, error: unknown): Promise<void> {
    const known = error instanceof W3poolError;
    const failure = known ? error : new W3poolError('WORKER_HANDLER_FAILED');
    const { job } = state.request;
    if (!known || failure.status >= 500) {
      this.options.log.error('request failed', {
        id: job.id,
        url: job.rawUrl,
        code: failure.code,
        error: (error as Error)?.stack ?? String(error),
      });
    }
    const { response } = state;
    if (response.isCancelled) return;
    // A response that ended but never left (a SendResponse subscriber or a filter failed on its only
    // flush) is answered with the error, untransformed; one that left is done.
    if (response.ended && !response.reopenForError()) return;
    if (response.headersSent) {
      // Part of the response is on its way to the client; the only honest ending is a reset connection.
      await response.abort(failure.code);
      return;
    }
    response.status(failure.status, failure.substatus);
    response.errorCode = failure.code;
    state.error = failure;
    if (await this.errorAnswered(state)) return;
    await answerFailure(response, failure, isLoopback(job.remoteAddress));
  }

  /** HSE_REQ_SEND_CUSTOM_ERROR: the configured page for this status, or the built-in one. */
  async answerError(state: RequestState, status: number, substatus: number): Promise<void> {
    const { response } = state;
    if (response.headersSent) throw new Error('sendCustomError after the response started');
    response.status(status, substatus);
    response.errorCode = 'WORKER_CUSTOM_ERROR';
    state.error = new W3poolError('WORKER_CUSTOM_ERROR', `${status}.${substatus}`);
    if (await this.errorAnswered(state)) return;
    response.setHeader('content-type', 'text/html; charset=utf-8');
    await response.end(renderStatusPage(status, substatus));
  }

  /** Error subscribers (custom error pages) may answer; true when one did. */
  private async errorAnswered(state: RequestState): Promise<boolean> {
    if (!this.subscribers.Error || !state.customErrors) return false;
    try {
      await this.notify('Error', state);
    } catch (error) {
      this.options.log.error('module failed in the Error notification', {
        id: state.request.id,
        error: (error as Error)?.stack ?? String(error),
      });
    }
    return state.response.ended;
  }

  /** HSE_REQ_EXEC_URL: run another URL of this application through the pipeline, on the same response. */
  async executeChild(
    parent: RequestState,
    url: string,
    options: ExecuteUrlOptions | undefined,
  ): Promise<{ status: number; substatus: number }> {
    if (parent.depth + 1 >= MAX_CHILD_DEPTH) throw new W3poolError('WORKER_EXEC_URL_TOO_DEEP', url);
    const { response } = parent;
    if (response.headersSent) throw new Error('executeUrl after the response started');
    const child = childJob(parent.request.job, url, options);
    const owner = this.sitePaths.find((paths) => mapCompiled(paths, child.path) !== undefined);
    if (owner !== this.paths) throw new W3poolError('WORKER_EXEC_URL_OTHER_APPLICATION', child.path);
    await this.run(
      child,
      parent.request.bodySource,
      response,
      parent.signal,
      parent.depth + 1,
      !options?.disableCustomError,
    );
    return { status: response.statusCode, substatus: response.substatus };
  }
}
