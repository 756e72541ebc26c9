import { stat } from 'node:fs/promises';
import type { HandlerMapping, WebServer } from '@w3pool/config';
import type {
  ExecuteUrlOptions,
  RequestContext,
  RequestUser,
  ResponseFilter,
  TransmitFileOptions,
} from '@w3pool/extension-sdk';
import { sendFile } from '@w3pool/extension-static';
import { W3poolError } from '@w3pool/protocol';
import type { ResponseSupport, StreamingResponse } from './streaming-response.js';
import type { WorkerRequest } from './worker-request.js';

/** What a request's state needs from the pipeline that runs it. */
export interface PipelineServices {
  readonly webServer: WebServer;
  /** Modules subscribe to SendResponse: every response goes through transform(). */
  readonly notifiesSendResponse: boolean;
  sendResponse(state: RequestState): Promise<void>;
  answerError(state: RequestState, status: number, substatus: number): Promise<void>;
  executeChild(
    state: RequestState,
    url: string,
    options: ExecuteUrlOptions | undefined,
  ): Promise<{ status: number; substatus: number }>;
  contentTypeOf(file: string): string | undefined;
}

/**
 * One request in the integrated pipeline: the context its modules see (HttpContext), and the server
 * support its response delegates to. Child requests (executeUrl) get their own state on the same response.
 */
export class RequestState implements RequestContext, ResponseSupport {
  mapping: HandlerMapping | undefined;
  handlerIndex = -1;
  error: W3poolError | undefined;
  /** False for an executeUrl child asked to skip custom errors (HSE_EXEC_URL_DISABLE_CUSTOM_ERROR). */
  customErrors = true;
  /** SendResponse subscribers or body filters: the response must pass its bytes through transform(). */
  transforms: boolean;
  private filters: ResponseFilter[] | undefined;
  private itemMap: Map<string, unknown> | undefined;

  constructor(
    private readonly services: PipelineServices,
    readonly request: WorkerRequest,
    readonly response: StreamingResponse,
    readonly signal: AbortSignal,
    /** How deep in executeUrl children this request is (0: the client's own request). */
    readonly depth: number,
  ) {
    this.transforms = services.notifiesSendResponse;
  }

  get webServer(): WebServer {
    return this.services.webServer;
  }

  get user(): RequestUser {
    return this.request.user;
  }

  set user(user: RequestUser) {
    this.request.user = user;
  }

  get items(): Map<string, unknown> {
    return (this.itemMap ??= new Map());
  }

  addResponseFilter(filter: ResponseFilter): void {
    if (this.response.headersSent)
      throw new Error('a response filter must be added before the response starts');
    (this.filters ??= []).push(filter);
    this.transforms = true;
  }

  // ResponseSupport: the ServerSupportFunction calls of the request's response.

  async redirect(location: string, status: number): Promise<void> {
    if (this.response.headersSent) throw new Error('redirect after the response started');
    const escaped = location.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
    this.response
      .status(status)
      .setHeader('location', location)
      .setHeader('content-type', 'text/html; charset=UTF-8');
    // IIS's body for a redirect, for clients that do not follow it.
    await this.response.end(
      `<head><title>Document Moved</title></head>\n<body><h1>Object Moved</h1>This document may be found <a HREF="${escaped}">here</a></body>`,
    );
  }

  sendCustomError(status: number, substatus: number): Promise<void> {
    return this.services.answerError(this, status, substatus);
  }

  async transmitFile(path: string, options: TransmitFileOptions | undefined): Promise<void> {
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) throw new W3poolError('WORKER_NOT_FOUND', this.request.path);
    const set = this.response.getHeader('content-type');
    const contentType =
      (typeof set === 'string' ? set : undefined) ??
      this.services.contentTypeOf(path) ??
      'application/octet-stream';
    await sendFile(this.request, this.response, this.signal, {
      file: path,
      info,
      contentType,
      setEtag: this.services.webServer.staticContent.clientCache.setEtag,
      cacheControl: undefined,
      kernelCache: false,
      ...(options?.offset !== undefined || options?.length !== undefined
        ? { slice: { offset: options.offset ?? 0, length: options.length ?? info.size } }
        : {}),
    });
  }

  executeUrl(
    url: string,
    options: ExecuteUrlOptions | undefined,
  ): Promise<{ status: number; substatus: number }> {
    return this.services.executeChild(this, url, options);
  }

  logUser(): string {
    return this.request.user.name;
  }

  /** SendResponse before the head goes out, then the body filters, in the order they were added. */
  async transform(body: Uint8Array, final: boolean, first: boolean): Promise<Uint8Array> {
    if (first && this.services.notifiesSendResponse) await this.services.sendResponse(this);
    let out = body;
    for (const filter of this.filters ?? []) out = await filter(out, final);
    return out;
  }
}
