import type { HandlerMapping, WebServer } from '@w3pool/config';
import type { BackgroundJobs } from './background-jobs.js';
import type { HandlerRequest } from './handler-request.js';
import type { HandlerResponse } from './handler-response.js';

/**
 * Produces the response for one request: HttpExtensionProc. The signal aborts when the client goes away
 * or the worker must stop; a handler that honours it frees its resources early.
 */
export type Handler = (
  request: HandlerRequest,
  response: HandlerResponse,
  signal: AbortSignal,
) => Promise<void>;

/** What the worker tells an extension when it loads it. */
export interface ExtensionContext {
  /** The application pool this worker serves. */
  readonly pool: string;
  /**
   * The system.webServer settings in force for the application this instance serves (the server's, merged
   * with its site's and its own): MIME map, default documents, cgi, fastCgi, ...
   */
  readonly webServer: WebServer;
  /**
   * The handler mapping this instance serves. A module such as CgiModule or FastCgiModule is loaded once per
   * mapping, and reads the program it runs from `scriptProcessor`.
   */
  readonly mapping: HandlerMapping;
  /** The application this instance serves: its site, virtual path and root directory. */
  readonly application: {
    readonly siteId: number;
    readonly siteName: string;
    readonly path: string;
    readonly physicalPath: string;
  };
  /** Structured log lines that carry the worker's pid and pool. */
  readonly log: ExtensionLogger;
  /**
   * HSE_REQ_REPORT_UNHEALTHY: this worker process is no longer fit to serve (a leak, a wedged dependency).
   * The pool host recycles it: a new worker starts, this one drains and exits.
   */
  reportUnhealthy(reason: string): void;
  /** This application's durable background jobs (BullMQ): enqueue, and declare processors while loading. */
  readonly backgroundJobs: BackgroundJobs;
}

export interface ExtensionLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/**
 * A w3pool extension, the analogue of an ISAPI extension DLL: loaded once per worker process
 * (GetExtensionVersion), called once per request (HttpExtensionProc), and terminated after its last
 * request when the worker stops or recycles (TerminateExtension).
 */
export interface Extension {
  readonly name: string;
  readonly version: string;
  load(context: ExtensionContext): Handler | Promise<Handler>;
  terminate?(): void | Promise<void>;
}

/** Identity helper that gives an extension's literal its type. */
export function defineExtension(extension: Extension): Extension {
  return extension;
}

export function isExtension(value: unknown): value is Extension {
  const candidate = value as Partial<Extension> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.name === 'string' &&
    typeof candidate.load === 'function'
  );
}
