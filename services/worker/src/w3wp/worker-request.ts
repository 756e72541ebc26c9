import type { HandlerRequest, RequestUser } from '@w3pool/extension-sdk';
import type { RequestJob } from '@w3pool/protocol';
import type { RequestBody } from './request-body.js';
import { handlerHeaders } from './request-headers.js';
import { serverVariable, type VariableSources } from './server-variables.js';

export const ANONYMOUS: RequestUser = Object.freeze({ name: '', authType: '', roles: Object.freeze([]) });

/** What a request needs from its application, compiled once per configuration. */
export interface RequestApplication {
  pool: string;
  site: { readonly id: number; readonly name: string };
  application: { readonly path: string; readonly physicalPath: string };
  /** HSE_REQ_MAP_URL_TO_PATH within the site. */
  mapPath(url: string): string | undefined;
}

/**
 * The ECB of one request, as handlers and modules see it. The mapping-dependent parts (SCRIPT_NAME,
 * PATH_INFO, the script's file) are set by MapRequestHandler; before it they describe the whole URL.
 */
export class WorkerRequest implements HandlerRequest {
  readonly id: string;
  readonly method: string;
  readonly rawUrl: string;
  readonly path: string;
  readonly query: string;
  readonly httpVersion: string;
  readonly contentLength: number;
  readonly preloadedBody: Uint8Array;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  readonly site: { readonly id: number; readonly name: string };
  readonly application: { readonly path: string; readonly physicalPath: string };
  physicalPath: string;
  scriptName: string;
  pathInfo = '';
  allowPathInfo = false;
  user: RequestUser = ANONYMOUS;
  private headerMap: Map<string, string> | undefined;

  constructor(
    readonly job: RequestJob,
    /** The body as the worker receives it; an executeUrl child reads the same one. */
    readonly bodySource: RequestBody,
    private readonly app: RequestApplication,
    physicalPath: string,
  ) {
    this.id = job.id;
    this.method = job.method;
    this.rawUrl = job.rawUrl;
    this.path = job.path;
    this.query = job.query;
    this.httpVersion = job.httpVersion;
    this.contentLength = job.bodyLength;
    this.preloadedBody = bodySource.preloaded;
    this.remoteAddress = job.remoteAddress;
    this.remotePort = job.remotePort;
    this.localAddress = job.localAddress;
    this.localPort = job.localPort;
    this.site = app.site;
    this.application = app.application;
    this.physicalPath = physicalPath;
    this.scriptName = job.path;
  }

  /** Built on first use: many handlers never read a header. */
  get headers(): ReadonlyMap<string, string> {
    return (this.headerMap ??= handlerHeaders(this.job.headers));
  }

  bodyStream(): AsyncIterable<Uint8Array> {
    return this.bodySource.stream();
  }

  readBody(limit?: number): Promise<Buffer> {
    return this.bodySource.readAll(limit);
  }

  mapPath(url: string): string | undefined {
    return this.app.mapPath(url);
  }

  serverVariable(name: string): string | undefined {
    return serverVariable(this.job, this.variableSources(), name);
  }

  private variableSources(): VariableSources {
    return {
      pool: this.app.pool,
      site: this.site,
      appPath: this.application.path,
      appRoot: this.application.physicalPath,
      scriptName: this.scriptName,
      pathInfo: this.pathInfo,
      allowPathInfo: this.allowPathInfo,
      scriptPath: this.physicalPath,
      headers: this.headers,
      user: this.user,
      mapPath: (url) => this.app.mapPath(url),
    };
  }
}
