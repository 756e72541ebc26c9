import { Server, type IncomingMessage, type ServerResponse } from 'node:http';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { HttpError } from '@w3pool/extension-sdk';
import { listenInterceptor } from './listen-interceptor.js';
import type { ServeRequest } from './request-exchange.js';

/** A Node application, loaded and ready to be called for each request. */
export interface NodeApp {
  /** What the entry module turned out to be, for the log: `Express app`, `http.Server (listen 3000)`, ... */
  readonly kind: string;
  /** The entry module's namespace (its `backgroundProcessors`, ...). */
  readonly namespace: Readonly<Record<string, unknown>>;
  readonly serve: ServeRequest;
  /** When the domain retires: a server gets 'close' (Fastify its onClose hooks), so the app can clean up. */
  close(): Promise<void>;
}

type RequestListener = (req: IncomingMessage, res: ServerResponse) => unknown;

interface FastifyLike {
  ready(): PromiseLike<unknown>;
  close(): PromiseLike<unknown>;
  server: Server;
  routing?: RequestListener;
}

/**
 * The entry module a mapping names: `scriptProcessor`, relative to the application's root unless absolute.
 * A mapping brought from iisnode (`path: server.js`, `modules: iisnode`, no scriptProcessor) names it in
 * its path.
 */
export function entryModulePath(
  mapping: { name: string; path: string; scriptProcessor: string },
  root: string,
): string {
  const named = mapping.scriptProcessor.trim() || (/[*/\\]/.test(mapping.path) ? '' : mapping.path);
  if (!named) {
    throw new HttpError(
      'EXT_NODE_APP_START_FAILED',
      `the handler mapping "${mapping.name}" names no entry module: set its scriptProcessor (server.js)`,
    );
  }
  return isAbsolute(named) ? named : resolve(root, named);
}

/**
 * Import the entry module (ES module or CommonJS, with import()) and find what serves its requests: the
 * default export (module.exports), else a named `app` or `server`, as a (req, res) listener, an Express app,
 * a Koa app (callback()), a Fastify instance (after ready()) or an http.Server that was never started; else
 * the server the module started with listen(), intercepted, waiting for it up to `startTimeLimitMs`.
 */
export async function loadNodeApp(entry: string, startTimeLimitMs: number): Promise<NodeApp> {
  listenInterceptor.install();
  const mark = listenInterceptor.mark();
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(pathToFileURL(entry).href)) as Record<string, unknown>;
  } catch (error) {
    throw new HttpError('EXT_NODE_APP_START_FAILED', `${entry}: ${describe(error)}`, { cause: error });
  }
  const candidates = exportCandidates(namespace);
  const servable = candidates.find(isServable);
  if (servable !== undefined) return fromExport(servable, namespace, startTimeLimitMs);
  if (candidates.some(isMeaningful)) {
    throw new HttpError('EXT_NODE_APP_NOT_SERVABLE', `${entry} exports ${describeExports(candidates)}`);
  }
  const listened = await listenInterceptor.next(mark, startTimeLimitMs);
  if (!listened) {
    throw new HttpError(
      'EXT_NODE_APP_START_TIMEOUT',
      `${entry} exports nothing that serves requests and did not call listen() within ${startTimeLimitMs} ms`,
    );
  }
  return serverApp(listened.server, `http.Server (listen ${String(listened.target)} intercepted)`, namespace);
}

function exportCandidates(namespace: Record<string, unknown>): unknown[] {
  const main = namespace.default;
  // A CommonJS module compiled from an ES module (TypeScript, Babel) keeps its default one level down.
  const interop = isObject(main) ? (main as { default?: unknown }).default : undefined;
  return [main, interop, namespace.app, namespace.server];
}

function isServable(value: unknown): boolean {
  return typeof value === 'function' || value instanceof Server || isKoa(value) || isFastify(value);
}

/** Something was exported as the application, but not something that can serve (not an empty module). */
function isMeaningful(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (!isObject(value) || Array.isArray(value)) return true;
  return Object.keys(value).some((key) => key !== 'backgroundProcessors' && key !== '__esModule');
}

async function fromExport(
  app: unknown,
  namespace: Record<string, unknown>,
  startTimeLimitMs: number,
): Promise<NodeApp> {
  if (app instanceof Server) return serverApp(app as Server, 'http.Server', namespace);
  if (isFastify(app)) {
    await withinLimit(app.ready(), startTimeLimitMs, 'Fastify ready()');
    const close = async () => {
      await app.close();
    };
    if (app.server.listenerCount('request') > 0)
      return serverApp(app.server, 'Fastify app', namespace, close);
    const routing = app.routing!;
    return { kind: 'Fastify app', namespace, serve: (req, res) => routing(req, res), close };
  }
  if (isKoa(app)) return listenerApp(app.callback(), 'Koa app', namespace);
  const listener = app as RequestListener & { handle?: unknown; set?: unknown };
  const express = typeof listener.handle === 'function' && typeof listener.set === 'function';
  return listenerApp(listener, express ? 'Express app' : 'request listener', namespace);
}

function listenerApp(listener: RequestListener, kind: string, namespace: Record<string, unknown>): NodeApp {
  return { kind, namespace, serve: (req, res) => listener(req, res), close: () => Promise.resolve() };
}

/** Requests go through the server's own events, as Node's server would emit them. */
function serverApp(
  server: Server,
  kind: string,
  namespace: Record<string, unknown>,
  close: () => Promise<void> = () => closeServer(server),
): NodeApp {
  return {
    kind,
    namespace,
    serve: (req, res, expectsContinue) => {
      if (expectsContinue && server.listenerCount('checkContinue') > 0) {
        return server.emit('checkContinue', req, res);
      }
      if (server.listenerCount('request') === 0) throw new Error('the http.Server has no request listener');
      return server.emit('request', req, res);
    },
    close,
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((done) => {
    server.once('close', () => done());
    server.close();
  });
}

function isKoa(value: unknown): value is { callback(): RequestListener } {
  const app = value as { callback?: unknown; use?: unknown } | null;
  return isObject(app) && typeof app.callback === 'function' && typeof app.use === 'function';
}

function isFastify(value: unknown): value is FastifyLike {
  const app = value as Partial<FastifyLike> | null;
  return (
    isObject(app) &&
    typeof app.ready === 'function' &&
    typeof app.close === 'function' &&
    app.server instanceof Server
  );
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

async function withinLimit<T>(work: PromiseLike<T>, limitMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(new HttpError('EXT_NODE_APP_START_TIMEOUT', `${what} did not resolve within ${limitMs} ms`)),
      limitMs,
    );
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

function describeExports(candidates: unknown[]): string {
  const value = candidates.find(isMeaningful);
  if (isObject(value)) return `an object with ${Object.keys(value).join(', ')}`;
  return `a ${typeof value}`;
}
