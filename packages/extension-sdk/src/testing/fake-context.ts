import type { HandlerMapping, WebServer } from '@w3pool/config';
import type { W3poolError } from '@w3pool/protocol';
import type { BackgroundJobs, BackgroundProcessor } from '../background-jobs.js';
import type { ExtensionLogger } from '../extension.js';
import type { RequestUser } from '../handler-request.js';
import type { ModuleContext, RequestContext, ResponseFilter } from '../pipeline-module.js';
import { FakeRequest, type FakeRequestInit } from './fake-request.js';
import { RecordingResponse } from './recording-response.js';

export interface LogLine {
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields?: Record<string, unknown> | undefined;
}

/** An ExtensionLogger that keeps every line. */
export class RecordingLog implements ExtensionLogger {
  readonly lines: LogLine[] = [];

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

/** Background jobs that record the processors declared; add() fails (there is no Redis in a unit test). */
export class RecordingBackgroundJobs implements BackgroundJobs {
  readonly processors = new Map<string, BackgroundProcessor>();

  add(): Promise<{ id: string }> {
    return Promise.reject(new Error('no background jobs in unit tests'));
  }

  process(name: string, processor: BackgroundProcessor): void {
    this.processors.set(name, processor);
  }
}

/**
 * What a module's init() is given: pool `P`, site 1 `S`, the application `/` in `/srv/app` unless
 * `overrides` say otherwise, a RecordingLog and RecordingBackgroundJobs.
 */
export function fakeModuleContext(
  webServer: WebServer,
  overrides: Partial<ModuleContext> = {},
): ModuleContext {
  return {
    pool: 'P',
    webServer,
    application: { siteId: 1, siteName: 'S', path: '/', physicalPath: '/srv/app' },
    log: new RecordingLog(),
    reportUnhealthy: () => undefined,
    backgroundJobs: new RecordingBackgroundJobs(),
    ...overrides,
  };
}

export interface FakeContextInit extends FakeRequestInit {
  /** The application's settings; reading webServer without them throws. */
  webServer?: WebServer;
  mapping?: HandlerMapping;
  error?: W3poolError;
}

/**
 * The RequestContext a module's notifications get, over a FakeRequest and a RecordingResponse. Setting
 * `user` (what an AuthenticateRequest module does) changes the request's user too, as in the worker.
 * Response filters are collected in `filters`; cancel() aborts `signal`.
 */
export class FakeRequestContext implements RequestContext {
  readonly request: FakeRequest;
  readonly response: RecordingResponse;
  readonly items = new Map<string, unknown>();
  readonly filters: ResponseFilter[] = [];
  mapping: HandlerMapping | undefined;
  error: W3poolError | undefined;
  private readonly settings: WebServer | undefined;
  private readonly abort = new AbortController();

  constructor(init: FakeContextInit = {}, response = new RecordingResponse()) {
    this.request = new FakeRequest(init);
    this.response = response;
    this.settings = init.webServer;
    this.mapping = init.mapping;
    this.error = init.error;
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  get webServer(): WebServer {
    if (!this.settings) throw new Error('this FakeRequestContext was made without webServer settings');
    return this.settings;
  }

  get user(): RequestUser {
    return this.request.user;
  }

  set user(user: RequestUser) {
    this.request.user = user;
  }

  addResponseFilter(filter: ResponseFilter): void {
    if (this.response.headersSent)
      throw new Error('a response filter must be added before the response starts');
    this.filters.push(filter);
  }

  /** The client went away. */
  cancel(reason?: unknown): void {
    this.abort.abort(reason);
  }
}

export function fakeRequestContext(init: FakeContextInit = {}): FakeRequestContext {
  return new FakeRequestContext(init);
}
