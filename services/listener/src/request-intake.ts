import type { IncomingMessage, ServerResponse } from 'node:http';
import fresh from 'fresh';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { W3poolConfig } from '@w3pool/config';
import { QueueUnreachableError, type PoolQueue, type QueueEntry } from '@w3pool/pool-queue';
import {
  encodeToWorker,
  errorCatalogue,
  statusLabel,
  workerControlChannel,
  type ErrorCode,
  type ErrorDefinition,
  type RequestJob,
  type StopReason,
  type ToWorker,
} from '@w3pool/protocol';
import { sendError } from './error-response.js';
import type { HttpErrLog, HttpErrRecord } from './httperr-log.js';
import type { ListenerStats } from './listener-stats.js';
import type { PoolQueues } from './pool-queues.js';
import type { ReplyRouter } from './reply-router.js';
import { RequestBodyPump, declaresBody, type BodyFailure } from './request-body-pump.js';
import type { RequestFilter } from './request-filter.js';
import type { CachedResponse, ResponseCache } from './response-cache.js';
import { ResponseRelay } from './response-relay.js';
import type { RuntimeStates } from './runtime-states.js';
import type { Route, SiteRouter } from './site-router.js';
import { normalizeUrl, type NormalizedUrl } from './url-normalizer.js';
import type { W3cLogs } from './w3c-log.js';

export interface IntakeState {
  config: W3poolConfig;
  router: SiteRouter;
  filter: RequestFilter;
}

export interface IntakeDeps {
  state: () => IntakeState;
  queues: PoolQueues;
  replies: ReplyRouter;
  states: RuntimeStates;
  cache: ResponseCache;
  w3c: W3cLogs;
  httperr: HttpErrLog;
  stats: ListenerStats;
  /** Publishes to worker control channels. */
  publisher: Redis;
  listenerId: string;
  log: Logger;
  shuttingDown: () => boolean;
}

/** What the site's W3C log line needs beyond the response itself. */
interface Exchange {
  request: IncomingMessage;
  /** Socket addresses, kept because a destroyed socket no longer reports them. */
  client: { ip?: string; port?: number; serverIp?: string; serverPort?: number };
  response: ServerResponse;
  startedAt: number;
  url?: NormalizedUrl;
  route?: Route;
  /** False for rejections http.sys makes itself: those go to HTTPERR, not to the site log. */
  siteLog: boolean;
  /** IIS's logged status when it differs from the one sent (413 is logged 404.13). */
  logStatus?: number;
  substatus: number;
}

/**
 * The listener's request path, in http.sys's order: parse checks, routing, site and pool state, request
 * filtering, the response cache, queue admission, the body read-ahead, the queue, and the reply. A request
 * still waiting in the queue at its deadline, or whose client leaves, is taken off the queue so that no
 * worker ever runs it.
 */
export function createRequestIntake(
  deps: IntakeDeps,
): (request: IncomingMessage, response: ServerResponse) => void {
  const { queues, replies, states, cache, stats, listenerId, log } = deps;
  let sequence = 0;
  /** Requests in a pool queue that no worker has taken yet, by pool: what a pool stop must answer. */
  const queued = new Map<string, Map<string, { pool: Route['pool']; stop: (reason: StopReason) => void }>>();

  // http.sys answers 503 for the queued requests of a pool that stops, as well as for new ones.
  states.onChange(() => {
    for (const entries of queued.values()) {
      for (const entry of [...entries.values()]) {
        const reason = states.poolStopped(entry.pool);
        if (reason) entry.stop(reason);
      }
    }
  });

  const toWorker = (control: string, message: ToWorker) => {
    deps.publisher
      .publish(workerControlChannel(control), encodeToWorker([message]))
      .catch((error: unknown) => log.warn({ err: error, id: message.id }, 'control message not sent'));
  };

  return (request, response) => {
    const { remoteAddress, remotePort, localAddress, localPort } = request.socket;
    const exchange: Exchange = {
      request,
      response,
      client: { ip: remoteAddress, port: remotePort, serverIp: localAddress, serverPort: localPort },
      startedAt: Date.now(),
      siteLog: true,
      substatus: 0,
    };
    stats.requests += 1;
    response.on('close', () => logAccess(exchange));
    if (deps.shuttingDown()) response.setHeader('connection', 'close');
    const { config, router, filter } = deps.state();

    if (request.httpVersionMajor !== 1)
      return reject(exchange, 'LISTENER_VERSION_NOT_SUPPORTED', { close: true });
    const url = normalizeUrl(request.url ?? '');
    if (!url) return reject(exchange, 'LISTENER_URL_INVALID', { close: true });
    exchange.url = url;
    const socket = request.socket;
    const route = router.route(
      socket.localAddress ?? '',
      socket.localPort ?? 0,
      request.headers.host,
      url.path,
    );
    if (!route) return reject(exchange, 'LISTENER_NO_SITE', { close: true });
    exchange.route = route;
    if (states.siteStopped(route.site)) return reject(exchange, 'LISTENER_SITE_STOPPED');

    const bodyDeclared = declaresBody(request);
    const denied = filter.check(request.method ?? 'GET', request.url ?? '/', url, route.site);
    if (denied) return reject(exchange, denied, { close: bodyDeclared });
    const limits = config.webServer.requestFiltering.requestLimits;
    if (Number(request.headers['content-length'] ?? 0) > limits.maxAllowedContentLength)
      return reject(exchange, 'LISTENER_CONTENT_TOO_LARGE', { close: true });

    const stopped = states.poolStopped(route.pool);
    if (stopped)
      return reject(exchange, stopped === 'Disabled' ? 'LISTENER_POOL_STOPPED' : 'LISTENER_POOL_OFFLINE');

    const cacheKey = cache.keyFor(request, route.site.id, url.path, url.query);
    if (cacheKey) {
      const hit = cache.lookup(cacheKey);
      if (hit) return serveCached(request, response, hit);
    }
    admitAndQueue(exchange, route, url, config, cacheKey).catch((error: unknown) => {
      log.error({ err: error, url: request.url }, 'request could not be queued');
      reject(exchange, 'LISTENER_QUEUE_UNAVAILABLE');
    });
  };

  async function admitAndQueue(
    exchange: Exchange,
    route: Route,
    url: NormalizedUrl,
    config: W3poolConfig,
    cacheKey: string | undefined,
  ): Promise<void> {
    const { request, response } = exchange;
    const pool = route.pool;
    const queue = queues.get(pool);
    const id = `${listenerId}.${(sequence += 1)}`;
    const limits = config.webServer.requestFiltering.requestLimits;
    const pump = new RequestBodyPump(
      request,
      id,
      limits.maxAllowedContentLength,
      route.bodyTimeoutMs,
      (failure) => onBodyFailure(exchange, failure),
    );
    const { preload, complete } = await pump.readAhead(config.webServer.serverRuntime.uploadReadAheadSize);
    if (pump.failure || response.destroyed) return;
    const socket = request.socket;
    const now = Date.now();
    const job: RequestJob = {
      id,
      replyTo: listenerId,
      enqueuedAt: now,
      deadline: now + route.queueTimeoutMs,
      siteId: route.site.id,
      siteName: route.site.name,
      appPath: route.application.path,
      method: request.method ?? 'GET',
      rawUrl: request.url ?? '/',
      path: url.path,
      query: url.query,
      httpVersion: request.httpVersion,
      headers: request.rawHeaders,
      remoteAddress: socket.remoteAddress ?? '',
      remotePort: socket.remotePort ?? 0,
      localAddress: socket.localAddress ?? '',
      localPort: socket.localPort ?? 0,
      body: preload,
      bodyLength:
        request.headers['content-length'] === undefined ? -1 : Number(request.headers['content-length']),
      bodyComplete: complete,
    };
    const entry = queue.entry(job);
    let admitted: boolean;
    try {
      admitted = await queue.enqueue(entry);
    } catch (error) {
      if (!(error instanceof QueueUnreachableError)) throw error;
      log.warn({ err: error, pool: pool.name }, 'pool queue unreachable (QueueUnreachable)');
      reject(exchange, 'LISTENER_QUEUE_UNREACHABLE', {
        close: !complete,
        headers: { 'retry-after': '1' },
      });
      return;
    }
    if (!admitted) {
      stats.queueFull += 1;
      log.warn({ pool: pool.name, queueLength: pool.queueLength }, 'pool queue full (QueueFull)');
      if (pool.failure.loadBalancerCapabilities === 'TcpLevel') {
        // TcpLevel: a load balancer that probes TCP must see this server as down, not as a healthy 503.
        httperr(exchange, { reason: 'QueueFull' });
        exchange.siteLog = false;
        request.socket.destroy();
        return;
      }
      reject(exchange, 'LISTENER_QUEUE_FULL', { close: !complete, headers: { 'retry-after': '1' } });
      return;
    }
    stats.queued += 1;
    dispatch(exchange, job, entry, queue, route, pump, cacheKey);
  }

  function dispatch(
    exchange: Exchange,
    job: RequestJob,
    entry: QueueEntry,
    queue: PoolQueue,
    route: Route,
    pump: RequestBodyPump,
    cacheKey: string | undefined,
  ): void {
    const { response } = exchange;
    const pool = route.pool.name;
    let settled = false;
    let started = false;
    let workerControl: string | undefined;

    const settle = () => {
      settled = true;
      replies.forget(job.id);
      clearTimeout(deadline);
      unqueue();
    };
    const unqueue = () => {
      const entries = queued.get(pool);
      entries?.delete(job.id);
      if (entries?.size === 0) queued.delete(pool);
    };
    const entries =
      queued.get(pool) ?? new Map<string, { pool: Route['pool']; stop: (reason: StopReason) => void }>();
    queued.set(pool, entries);
    entries.set(job.id, {
      pool: route.pool,
      stop: (reason) => poolStopped(reason),
    });
    // The pool stopped while this request was queued: answer 503 and take it back, unless a worker has it.
    const poolStopped = (reason: StopReason) => {
      unqueue();
      void withdraw('pool stopped').then((removed) => {
        if (!removed || settled || started) return;
        settle();
        pump.stop();
        reject(exchange, reason === 'Disabled' ? 'LISTENER_POOL_STOPPED' : 'LISTENER_POOL_OFFLINE', {
          close: !job.bodyComplete,
        });
      });
    };
    const relay = new ResponseRelay(job.id, response, toWorker, () => {
      settle();
      // The handler did not read the whole body: read the rest away so the connection stays usable.
      pump.discardRest();
    });

    replies.expect(job.id, (message) => {
      if (!started) {
        started = true;
        clearTimeout(deadline);
        unqueue();
      }
      workerControl = message.worker.control;
      switch (message.t) {
        case 'pull':
          pump.pull(message.bytes, (chunk) => toWorker(message.worker.control, chunk));
          return;
        case 'head':
          exchange.substatus = message.substatus;
          relay.head(message, deps.shuttingDown() ? { connection: 'close' } : {});
          if (cacheKey) cache.store(cacheKey, job.method, job.siteId, job.path, message);
          return;
        case 'data':
          relay.data(message);
          return;
        case 'fail':
          // The worker process died with this request: 502.3 if nothing went out yet, else a reset.
          settle();
          pump.stop();
          if (response.headersSent) relay.reset('worker process failed');
          else reject(exchange, message.code, { close: !job.bodyComplete });
          return;
        case 'abort':
          log.warn({ id: job.id, reason: message.reason }, 'the worker aborted a response it had started');
          relay.reset(message.reason);
          return;
      }
    });

    const withdraw = async (why: string): Promise<boolean> => {
      try {
        // False when a worker already has it: then it runs to completion.
        return (await queue.withdraw(entry)).state === 'withdrawn';
      } catch (error) {
        log.warn({ err: error, id: job.id, why }, 'could not withdraw a queued request');
        return false;
      }
    };

    const deadline = setTimeout(() => {
      // http.sys's Timer_AppPool: still queued at the deadline means never run. A request a worker has
      // already started cannot be withdrawn and is left to finish.
      void withdraw('queue deadline').then((removed) => {
        if (!removed || settled || started) return;
        settle();
        pump.stop();
        stats.queueTimeouts += 1;
        log.warn({ id: job.id, pool, reason: 'Timer_AppPool' }, 'request expired in the pool queue');
        reject(exchange, 'LISTENER_QUEUE_TIMEOUT', { close: !job.bodyComplete });
      });
    }, route.queueTimeoutMs);
    deadline.unref();

    response.on('close', () => {
      if (settled) return;
      // The client left (Client_Reset): take the request off the queue if no worker has it yet, or tell the
      // worker running it to stop.
      settle();
      pump.stop();
      if (workerControl) toWorker(workerControl, { t: 'cancel', id: job.id, reason: 'client disconnected' });
      void withdraw('client disconnected').then((removed) => {
        if (!removed) return;
        stats.clientResets += 1;
        httperr(exchange, { reason: 'Client_Reset' });
      });
    });
    const stopReason = states.poolStopped(route.pool);
    if (stopReason) poolStopped(stopReason);
  }

  function onBodyFailure(exchange: Exchange, failure: BodyFailure): void {
    const { response } = exchange;
    if (failure === 'too-large') {
      reject(exchange, 'LISTENER_CONTENT_TOO_LARGE', { close: true });
    } else if (failure === 'timeout') {
      // Timer_EntityBody: the client stopped sending the body it announced.
      httperr(exchange, { reason: 'Timer_EntityBody' });
      exchange.siteLog = false;
      response.destroy();
    }
  }

  function serveCached(request: IncomingMessage, response: ServerResponse, hit: CachedResponse): void {
    response.statusCode = hit.status;
    for (const [name, value] of Object.entries(hit.headers)) response.setHeader(name, value);
    response.setHeader('x-w3pool-worker', hit.worker);
    if (fresh(request.headers, { etag: hit.headers.etag, 'last-modified': hit.headers['last-modified'] })) {
      response.statusCode = 304;
      response.removeHeader('content-length');
      response.end();
      return;
    }
    response.setHeader('content-length', hit.body.length);
    response.end(request.method === 'HEAD' ? undefined : hit.body);
  }

  function reject(
    exchange: Exchange,
    code: ErrorCode,
    options: { close?: boolean; headers?: Record<string, string> } = {},
  ): void {
    const def: ErrorDefinition = errorCatalogue[code];
    if (def.reason) {
      // http.sys's own rejections go to HTTPERR; the request never reached the site.
      httperr(exchange, { reason: def.reason, status: def.status });
      exchange.siteLog = false;
      stats.rejected[def.reason] = (stats.rejected[def.reason] ?? 0) + 1;
    }
    const [status = '0', substatus = '0'] = statusLabel(code).split('.');
    exchange.logStatus = Number(status);
    exchange.substatus = Number(substatus);
    sendError(exchange.response, code, options);
  }

  function httperr(exchange: Exchange, record: Pick<HttpErrRecord, 'reason' | 'status'>): void {
    const { request, client } = exchange;
    deps.httperr.record({
      clientIp: client.ip,
      clientPort: client.port,
      serverIp: client.serverIp,
      serverPort: client.serverPort,
      httpVersion: request.httpVersion,
      method: request.method,
      uri: request.url,
      siteId: exchange.route?.site.id,
      queueName: exchange.route?.pool.name,
      ...record,
    });
  }

  function logAccess(exchange: Exchange): void {
    const { request, response, route, url } = exchange;
    if (!route || !url || !exchange.siteLog) return;
    const { client } = exchange;
    deps.w3c.record(route.site.id, {
      at: new Date(),
      serverIp: client.serverIp ?? '',
      method: request.method ?? '-',
      uriStem: url.path,
      uriQuery: url.query,
      serverPort: client.serverPort ?? 0,
      clientIp: client.ip ?? '',
      userAgent: request.headers['user-agent'],
      referer: request.headers.referer,
      status: exchange.logStatus ?? response.statusCode,
      substatus: exchange.substatus,
      // ERROR_NETNAME_DELETED: the client went away before the response was complete.
      win32Status: response.writableFinished ? 0 : 64,
      timeTakenMs: Date.now() - exchange.startedAt,
    });
  }
}
