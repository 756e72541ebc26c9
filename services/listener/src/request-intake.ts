import type { IncomingMessage, ServerResponse } from 'node:http';
import { QueueUnreachableError, type QueueEntry } from '@w3pool/pool-queue';
import type { ErrorCode, RequestJob } from '@w3pool/protocol';
import { serveCached } from './cache-hit.js';
import type { IntakeDeps } from './intake-deps.js';
import { Exchange, logAccess } from './exchange.js';
import { buildRequestJob, type ReadAhead } from './job-builder.js';
import { PendingRequest } from './pending-request.js';
import { runPreQueueChecks, type IntakeState } from './pre-queue-checks.js';
import {
  NO_BODY,
  RequestBodyPump,
  declaresBody,
  type BodyFailure,
  type ListenerBody,
} from './request-body-pump.js';
import { afterClosingRefusal } from './rejections.js';
import { RequestPorts, type Queued } from './request-ports.js';
import { socketOf } from './limits/connection-of.js';
import { ResponseRelay } from './response-relay.js';

/** After the deadline, how often a request a worker runs is located. */
const CHECK_EVERY_MS = 5000;
/** How long a request the queue no longer knows waits for its reply before it is abandoned. */
const LOST_GRACE_MS = 1500;

/**
 * The listener's request path, in http.sys's order: the pre-queue checks, the response cache, the body
 * read-ahead, admission and the queue, then a PendingRequest until the answer.
 */
export function createRequestIntake(
  deps: IntakeDeps,
): (request: IncomingMessage, response: ServerResponse) => void {
  let sequence = 0;
  return (request, response) => {
    const exchange = new Exchange(request, response);
    // Pipelined behind a refusal that closes the connection: the client gets the refusal and the close.
    if (afterClosingRefusal(exchange)) return;
    deps.stats.requests += 1;
    // A request that arrives while the listener stops (on a keep-alive connection) is not queued: 503
    // AppShutdown, so the client retries on another listener; the requests in flight finish.
    if (deps.shuttingDown()) return answerNow(deps, exchange, 'LISTENER_SHUTTING_DOWN');
    const state = deps.state();
    const refusal = runPreQueueChecks(exchange, state);
    if (refusal) return answerNow(deps, exchange, refusal);
    const route = exchange.route!;
    const url = exchange.url!;
    const cacheKey = deps.cache.keyFor(request, route.site.id, url.path, url.query, route.application);
    const hit = cacheKey === undefined ? undefined : deps.cache.lookup(cacheKey);
    if (hit) {
      const paced = deps.bandwidth.limited ? deps.bandwidth.writer(response, route.site.id) : undefined;
      serveCached(request, response, hit, paced);
      return logWhenDone(deps, exchange);
    }
    // From here the answer comes later: the connection's end logs it, and tells a queued request that its
    // client left.
    response.on('close', () => {
      finished(deps, exchange);
      exchange.pending?.clientGone();
    });
    sequence += 1;
    const id = `${deps.listenerId}.${sequence}`;
    const queued = declaresBody(request)
      ? readAheadThenQueue(deps, exchange, state, id, cacheKey)
      : queueRequest(deps, exchange, id, EMPTY_BODY, NO_BODY, cacheKey);
    queued.catch((error: unknown) => unqueueable(deps, exchange, error));
  };
}

/** An answer the listener makes at once (a refusal): logged as soon as it is out. */
function answerNow(deps: IntakeDeps, exchange: Exchange, code: ErrorCode): void {
  deps.rejections.reject(exchange, code, declaresBody(exchange.request));
  logWhenDone(deps, exchange);
}

/**
 * Log an answer written in one go now if the socket took all of it (no listener per request for that);
 * else once the connection is done with it, so time-taken and a client's early leaving are right.
 */
function logWhenDone(deps: IntakeDeps, exchange: Exchange): void {
  if (exchange.response.writableFinished) finished(deps, exchange);
  else exchange.response.once('close', () => finished(deps, exchange));
}

/** Every exchange ends here once: counted for the metrics (in memory), then logged. */
function finished(deps: IntakeDeps, exchange: Exchange): void {
  const { route, pending } = exchange;
  deps.stats.traffic.record({
    site: route?.site.name ?? '',
    pool: route?.pool.name ?? '',
    status: exchange.response.headersSent ? exchange.response.statusCode : 0,
    totalMs: Date.now() - exchange.startedAt,
    ...(pending?.firstReplyAt === undefined ? {} : { queueWaitMs: pending.firstReplyAt - pending.queuedAt }),
  });
  logAccess(exchange, deps.w3c);
}

function unqueueable(deps: IntakeDeps, exchange: Exchange, error: unknown): void {
  deps.log.error({ err: error, url: exchange.request.url }, 'request could not be queued');
  deps.rejections.reject(exchange, 'LISTENER_QUEUE_UNAVAILABLE', true);
}

const EMPTY_BODY: ReadAhead = { preload: Buffer.alloc(0), complete: true };

/** A request with a body: read the first uploadReadAheadSize bytes, which travel in the job (lpbData). */
async function readAheadThenQueue(
  deps: IntakeDeps,
  exchange: Exchange,
  state: IntakeState,
  id: string,
  cacheKey: string | undefined,
): Promise<void> {
  const { webServer } = state.config;
  const socket = socketOf(exchange.request);
  const pump = new RequestBodyPump(
    exchange.request,
    id,
    {
      maxAllowedContentLength: webServer.requestFiltering.requestLimits.maxAllowedContentLength,
      maxRequestEntityAllowed: webServer.serverRuntime.maxRequestEntityAllowed,
    },
    exchange.route!.bodyTimeoutMs,
    (failure) => onBodyFailure(deps, exchange, failure),
    (reading) => deps.minRate.expectBody(socket, pump, reading),
  );
  const body = await pump.readAhead(state.config.webServer.serverRuntime.uploadReadAheadSize);
  if (pump.failure || exchange.response.destroyed) return;
  await queueRequest(deps, exchange, id, body, pump, cacheKey);
}

/**
 * Build the job, listen for its reply, and admit+enqueue it. A plain promise chain rather than async
 * functions: one promise per request on the hottest path, not three.
 */
function queueRequest(
  deps: IntakeDeps,
  exchange: Exchange,
  id: string,
  readAhead: ReadAhead,
  body: ListenerBody,
  cacheKey: string | undefined,
): Promise<void> {
  const route = exchange.route!;
  const queue = deps.queues.get(route.pool);
  const job = buildRequestJob(id, deps.listenerId, exchange.request, route, exchange.url!, readAhead);
  const entry = queue.entry(job);
  // Listen for the reply before the request is queued: a worker can take it the instant the script
  // pushes it, and its reply can arrive before the script's own answer does.
  const pending = track(deps, exchange, job, { queue, entry, body, cacheKey });
  return queue.enqueue(entry).then(
    (admitted) =>
      admitted ? queued(deps, exchange, pending, entry) : refused(deps, exchange, job, readAhead),
    (error: unknown) => {
      deps.replies.forget(job.id);
      if (!(error instanceof QueueUnreachableError)) throw error;
      deps.warnings.warn(
        'QueueUnreachable',
        { err: error, pool: route.pool.name },
        'pool queue unreachable (QueueUnreachable)',
      );
      deps.rejections.reject(exchange, 'LISTENER_QUEUE_UNREACHABLE', !readAhead.complete);
    },
  );
}

/** In the queue: from here the PendingRequest follows it, unless the client already left. */
function queued(deps: IntakeDeps, exchange: Exchange, pending: PendingRequest, entry: QueueEntry): void {
  deps.stats.queued += 1;
  if (exchange.response.destroyed && pending.state === 'Queued') {
    // The client left while the request was being admitted: take it back before a worker runs it.
    deps.replies.forget(pending.id);
    void deps.queues
      .get(exchange.route!.pool)
      .withdraw(entry)
      .then(
        (where) => where.state === 'withdrawn' && clientReset(deps, exchange),
        () => undefined,
      );
    return;
  }
  follow(deps, exchange, pending);
}

/** QueueFull: 503 with Retry-After, or a closed connection under TcpLevel. */
function refused(deps: IntakeDeps, exchange: Exchange, job: RequestJob, readAhead: ReadAhead): void {
  deps.replies.forget(job.id);
  const pool = exchange.route!.pool;
  deps.stats.queueFull += 1;
  deps.warnings.warn(
    `QueueFull ${pool.name}`,
    { pool: pool.name, queueLength: pool.queueLength },
    'pool queue full (QueueFull)',
  );
  // TcpLevel: a load balancer that probes TCP must see this server as down, not as a healthy 503.
  if (pool.failure.loadBalancerCapabilities === 'TcpLevel') deps.rejections.drop(exchange, 'QueueFull');
  else deps.rejections.reject(exchange, 'LISTENER_QUEUE_FULL', !readAhead.complete);
}

/** The PendingRequest of a request about to be queued, its response relay, and its reply expectation. */
function track(deps: IntakeDeps, exchange: Exchange, job: RequestJob, queued: Queued): PendingRequest {
  const route = exchange.route!;
  const ports = new RequestPorts(deps, exchange, job, queued);
  const pending = new PendingRequest(job.id, ports, {
    queueTimeoutMs: route.queueTimeoutMs,
    checkEveryMs: CHECK_EVERY_MS,
    workerSilenceMs: route.workerSilenceMs,
    lostGraceMs: LOST_GRACE_MS,
  });
  ports.relayTo = new ResponseRelay(
    job.id,
    exchange.response,
    (control, message) => deps.control.send(control, message),
    () => {
      pending.responded();
      // The handler did not read the whole body: read the rest away so the connection stays usable.
      queued.body.discardRest();
    },
    deps.bandwidth.limited ? deps.bandwidth.writer(exchange.response, route.site.id) : undefined,
  );
  deps.replies.expect(job.id, pending);
  return pending;
}

/** Queued: from here to the answer, driven by the deadline, the client and the pool's state. */
function follow(deps: IntakeDeps, exchange: Exchange, pending: PendingRequest): void {
  if (pending.state === 'Settled') return; // answered already, before the queue's own answer came
  const route = exchange.route!;
  deps.pending.add(pending, route.pool);
  exchange.pending = pending;
  pending.start();
  // The pool may have stopped while this request was on its way into the queue.
  const stopped = deps.state().states.poolStopped(route.pool);
  if (stopped) void pending.poolStopped(stopped);
}

function clientReset(deps: IntakeDeps, exchange: Exchange): void {
  deps.stats.clientResets += 1;
  deps.rejections.httperr(exchange, 'Client_Reset');
}

function onBodyFailure(deps: IntakeDeps, exchange: Exchange, failure: BodyFailure): void {
  if (failure === 'too-large') deps.rejections.reject(exchange, 'LISTENER_CONTENT_TOO_LARGE', true);
  else if (failure === 'entity-too-large')
    deps.rejections.reject(exchange, 'LISTENER_ENTITY_TOO_LARGE', true);
  // Timer_EntityBody: the client stopped sending the body it announced.
  else if (failure === 'timeout') deps.rejections.drop(exchange, 'Timer_EntityBody');
}
