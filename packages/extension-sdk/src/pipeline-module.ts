import type { HandlerMapping, WebServer } from '@w3pool/config';
import type { W3poolError } from '@w3pool/protocol';
import type { ExtensionContext } from './extension.js';
import type { HandlerRequest, RequestUser } from './handler-request.js';
import type { HandlerResponse } from './handler-response.js';

/**
 * The integrated pipeline's deterministic stages, in IIS's order (RQ_BEGIN_REQUEST ... RQ_END_REQUEST).
 * ExecuteRequestHandler is where the mapped handler runs; a module may subscribe to it too (before it).
 */
export const PIPELINE_STAGES = [
  'BeginRequest',
  'AuthenticateRequest',
  'AuthorizeRequest',
  'ResolveRequestCache',
  'MapRequestHandler',
  'AcquireRequestState',
  'PreExecuteRequestHandler',
  'ExecuteRequestHandler',
  'ReleaseRequestState',
  'UpdateRequestCache',
  'LogRequest',
  'EndRequest',
] as const;

export type PipelineStage = (typeof PIPELINE_STAGES)[number];

/**
 * A notification's result: RQ_NOTIFICATION_CONTINUE, or RQ_NOTIFICATION_FINISH_REQUEST (the module has
 * answered or refused the request: skip to the end stages — LogRequest and EndRequest still run).
 * Returning nothing continues.
 */
export type NotificationResult = 'continue' | 'finish' | void;

/** What a module sees of one request, at every stage. */
export interface RequestContext {
  readonly request: HandlerRequest;
  readonly response: HandlerResponse;
  /** Aborts when the client goes away or the worker must stop. */
  readonly signal: AbortSignal;
  /** The settings in force for the request's application (the server's merged with its site's and its own). */
  readonly webServer: WebServer;
  /** The authenticated user; an AuthenticateRequest module sets it. Anonymous until then. */
  user: RequestUser;
  /** The handler mapping chosen by MapRequestHandler (undefined before it, or when none matched). */
  readonly mapping: HandlerMapping | undefined;
  /** The error being answered, in the Error notification. */
  readonly error: W3poolError | undefined;
  /** Per-request state shared between modules (HttpContext.Items). */
  readonly items: Map<string, unknown>;
  /**
   * Transform the response body (compression, say). Called before the first byte is sent; the filter gets
   * each chunk and a final call with `end` true, and returns the bytes to send. Filters run in the order
   * they were added.
   */
  addResponseFilter(filter: ResponseFilter): void;
}

export type ResponseFilter = (chunk: Uint8Array, end: boolean) => Uint8Array | Promise<Uint8Array>;

export type StageHandler = (context: RequestContext) => NotificationResult | Promise<NotificationResult>;

/**
 * What a module subscribes to: any deterministic stage, plus the non-deterministic SendResponse (just
 * before the status and headers go out; it may still change them) and Error (a stage or the handler
 * failed; the module may answer instead of the built-in error page).
 */
export type ModuleSubscriptions = Partial<Record<PipelineStage | 'SendResponse' | 'Error', StageHandler>>;

/**
 * A w3pool module, the analogue of an IIS native module (CHttpModule): initialised once per application
 * domain (RegisterModule), notified per request at the stages it subscribes to, disposed when the domain
 * retires.
 */
export interface PipelineModule {
  readonly name: string;
  init(context: ModuleContext): ModuleSubscriptions | Promise<ModuleSubscriptions>;
  dispose?(): void | Promise<void>;
}

/** What a module is given when it initialises: an extension's context without a handler mapping. */
export type ModuleContext = Omit<ExtensionContext, 'mapping'>;

/** Identity helper that gives a module's literal its type. */
export function defineModule(module: PipelineModule): PipelineModule {
  return module;
}

export function isPipelineModule(value: unknown): value is PipelineModule {
  const candidate = value as Partial<PipelineModule> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.name === 'string' &&
    typeof candidate.init === 'function'
  );
}
