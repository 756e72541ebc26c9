import type { W3poolConfig } from '@w3pool/config';
import type { Extension, ExtensionLogger, Handler, HandlerRequest } from '@w3pool/extension-sdk';
import { W3poolError, renderErrorPage, type RequestJob } from '@w3pool/protocol';
import { stat } from 'node:fs/promises';
import type { AppOffline } from './app-offline.js';
import type { RequestBody } from './request-body.js';
import type { StreamingResponse } from './streaming-response.js';
import { resolveExtension } from './extension-loader.js';
import { compileMappings, selectCompiled, type CompiledMappings } from './handler-mapping.js';
import { compilePaths, mapCompiled, type CompiledPaths } from './map-path.js';
import { handlerHeaders } from './request-headers.js';

/** An application of the pool, compiled once per configuration: what each request of it needs. */
interface CompiledApplication {
  site: { readonly id: number; readonly name: string };
  application: { readonly path: string; readonly physicalPath: string };
  paths: CompiledPaths;
}

interface LoadedHandler {
  handler?: Handler;
  extension?: Extension;
  loadError?: string;
}

/**
 * The worker's integrated pipeline for one configuration version, in IIS's stage order:
 * BeginRequest → MapRequestHandler (map path, select the handler mapping) → ExecuteRequestHandler →
 * EndRequest. Extensions are loaded once when the pipeline is built (GetExtensionVersion) and
 * terminated when it retires after its last request (TerminateExtension).
 */
export class RequestPipeline {
  private readonly handlers: LoadedHandler[];
  private readonly mappings: CompiledMappings;
  /** By site id, then application path. */
  private readonly applications = new Map<number, Map<string, CompiledApplication>>();
  private inFlight = 0;
  private retired = false;
  private drained: (() => void) | undefined;

  private constructor(
    readonly config: W3poolConfig,
    private readonly pool: string,
    private readonly log: ExtensionLogger,
    handlers: LoadedHandler[],
    private readonly appOffline: AppOffline,
  ) {
    this.handlers = handlers;
    this.mappings = compileMappings(config.webServer.handlers.list);
    for (const site of config.sites) {
      const apps = new Map<string, CompiledApplication>();
      for (const app of site.applications) {
        if (app.applicationPool !== pool) continue;
        const root = app.virtualDirectories.find((v) => v.path === '/')?.physicalPath ?? '';
        apps.set(app.path, {
          site: { id: site.id, name: site.name },
          application: { path: app.path, physicalPath: root },
          paths: compilePaths(app),
        });
      }
      this.applications.set(site.id, apps);
    }
  }

  static async build(
    config: W3poolConfig,
    pool: string,
    log: ExtensionLogger,
    reportUnhealthy: (reason: string) => void,
    appOffline: AppOffline,
    /** The application this pipeline serves, when it runs in that application's domain. */
    only?: { siteId: number; appPath: string },
  ): Promise<RequestPipeline> {
    const context = { pool, webServer: config.webServer, log, reportUnhealthy };
    const handlers = await Promise.all(
      config.webServer.handlers.list.map(async (mapping): Promise<LoadedHandler> => {
        try {
          const extension = await resolveExtension(mapping);
          return { extension, handler: await extension.load(context) };
        } catch (error) {
          const loadError = `handler mapping "${mapping.name}": ${(error as Error).message}`;
          log.error('extension failed to load; requests mapped to it get 500.21', {
            mapping: mapping.name,
            error: loadError,
          });
          return { loadError };
        }
      }),
    );
    appOffline.watch(
      config.sites.flatMap((site) =>
        site.applications
          .filter((app) => app.applicationPool === pool)
          .filter((app) => !only || (only.siteId === site.id && only.appPath === app.path))
          .map((app) => ({
            siteId: site.id,
            appPath: app.path,
            root: app.virtualDirectories.find((v) => v.path === '/')?.physicalPath ?? '',
          })),
      ),
    );
    return new RequestPipeline(config, pool, log, handlers, appOffline);
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
      await this.run(job, body, response, signal);
      if (!response.ended) await response.end();
    } catch (error) {
      await this.fail(job, response, error);
    } finally {
      this.inFlight -= 1;
      if (this.retired && this.inFlight === 0) this.drained?.();
    }
  }

  /** Stop using this pipeline: wait for its requests to finish, then terminate its extensions. */
  async retire(): Promise<void> {
    this.retired = true;
    if (this.inFlight > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    const extensions = new Set(
      this.handlers.map((h) => h.extension).filter((e): e is Extension => e !== undefined),
    );
    for (const extension of extensions) {
      try {
        await extension.terminate?.();
      } catch (error) {
        this.log.warn('extension terminate failed', {
          extension: extension.name,
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
  ): Promise<void> {
    // BeginRequest: find the site and application the listener routed to.
    const app = this.applications.get(job.siteId)?.get(job.appPath);
    if (!app) {
      throw new W3poolError('WORKER_NO_APPLICATION', `${job.siteName}${job.appPath} in pool ${this.pool}`);
    }
    // An application taken offline with app_offline.htm answers 503 with that page, whatever the URL.
    const root = app.application.physicalPath;
    const known = this.appOffline.known(root);
    const offline = known ? known.page : await this.appOffline.page(root);
    if (offline) {
      response
        .status(503)
        .setHeader('content-type', 'text/html; charset=utf-8')
        .setHeader('retry-after', '30');
      response.errorCode = 'WORKER_APP_OFFLINE';
      await response.end(offline);
      return;
    }

    // MapRequestHandler.
    const mapped = mapCompiled(app.paths, job.path);
    if (!mapped) throw new W3poolError('WORKER_NOT_FOUND', job.path);
    const selection = selectCompiled(this.mappings, job.method, job.path);
    if (selection.kind === 'none') throw new W3poolError('WORKER_NO_HANDLER', job.path);
    if (selection.kind === 'verb-not-allowed')
      throw new W3poolError('WORKER_VERB_NOT_ALLOWED', `${job.method} ${job.path}`);
    if (selection.mapping.resourceType !== 'Unspecified')
      await checkResourceType(selection.mapping.resourceType, mapped.physicalPath, job.path);
    const loaded = this.handlers[selection.index];
    if (!loaded?.handler) throw new W3poolError('EXT_HANDLER_LOAD_FAILED', loaded?.loadError);

    // ExecuteRequestHandler.
    await loaded.handler(toHandlerRequest(job, body, app, mapped.physicalPath), response, signal);
  }

  private async fail(job: RequestJob, response: StreamingResponse, error: unknown): Promise<void> {
    const known = error instanceof W3poolError;
    const failure = known ? error : new W3poolError('WORKER_HANDLER_FAILED');
    if (!known || failure.status >= 500) {
      this.log.error('request failed', {
        id: job.id,
        url: job.rawUrl,
        code: failure.code,
        error: (error as Error)?.stack ?? String(error),
      });
    }
    if (response.isCancelled) return;
    if (response.headersSent) {
      // Part of the response is on its way to the client; the only honest ending is a reset connection.
      await response.abort(failure.code);
      return;
    }
    // Headers a handler set for the error (Allow, Content-Range) survive; those of the body it meant to send do not.
    for (const name of BODY_HEADERS) response.removeHeader(name);
    response.setHeader('content-type', 'text/html; charset=utf-8');
    response.status(failure.status, failure.substatus);
    response.errorCode = failure.code;
    response.kernelCache = undefined;
    // Detail can name internal paths; like IIS's DetailedLocalOnly, remote clients get the summary only.
    const detail = isLoopback(job.remoteAddress) ? failure.detail : undefined;
    await response.end(renderErrorPage(failure.code, detail));
  }
}

const BODY_HEADERS = [
  'content-type',
  'content-length',
  'etag',
  'last-modified',
  'accept-ranges',
  'cache-control',
];

async function checkResourceType(resourceType: string, physicalPath: string, urlPath: string): Promise<void> {
  const info = await stat(physicalPath).catch(() => undefined);
  const ok =
    (resourceType === 'File' && info?.isFile()) ||
    (resourceType === 'Directory' && info?.isDirectory()) ||
    (resourceType === 'Either' && info !== undefined);
  if (!ok) throw new W3poolError('WORKER_NOT_FOUND', urlPath);
}

function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

function toHandlerRequest(
  job: RequestJob,
  body: RequestBody,
  app: CompiledApplication,
  physicalPath: string,
): HandlerRequest {
  return {
    id: job.id,
    method: job.method,
    rawUrl: job.rawUrl,
    path: job.path,
    query: job.query,
    httpVersion: job.httpVersion,
    headers: handlerHeaders(job.headers),
    contentLength: job.bodyLength,
    preloadedBody: body.preloaded,
    bodyStream: () => body.stream(),
    readBody: (limit?: number) => body.readAll(limit),
    remoteAddress: job.remoteAddress,
    remotePort: job.remotePort,
    localAddress: job.localAddress,
    localPort: job.localPort,
    site: app.site,
    application: app.application,
    physicalPath,
  };
}
