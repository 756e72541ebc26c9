import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { followConfig, type PublishedConfig } from '@w3pool/config';
import {
  CACHE_INVALIDATION_CHANNEL,
  cacheInvalidationCodec,
  listenerMarkerKey,
  processMetricsKey,
} from '@w3pool/protocol';
import { closeRedis, createRedis, ProcessMetricsReport, redisReady, ThrottledLog } from '@w3pool/runtime';
import { ControlOutbox } from './control-outbox.js';
import { Endpoints, type BoundEndpoint } from './endpoints.js';
import { HttpErrLog } from './httperr-log.js';
import { ConnectionGovernor } from './limits/connection-governor.js';
import { ListenerPresenceWriter, ListenerStats } from './listener-stats.js';
import { PendingRequests } from './pending-requests.js';
import { PoolQueues } from './pool-queues.js';
import type { IntakeState } from './pre-queue-checks.js';
import { Rejections } from './rejections.js';
import { ReplyRouter } from './reply-router.js';
import { RequestFilter } from './request-filter.js';
import { createRequestIntake } from './request-intake.js';
import { ResponseCache } from './response-cache.js';
import { RuntimeStates } from './runtime-states.js';
import { SiteRouter } from './site-router.js';
import { Subscriptions } from './subscriptions.js';
import { W3cLogs } from './w3c-log.js';

export interface ListenerOptions {
  redisUrl: string;
  log: Logger;
  /** Defaults to host-pid-random: unique per process, so each instance has its own reply channel. */
  listenerId?: string;
  /**
   * Bind only these ports of the configured bindings (all when absent): several listener instances on one
   * host, each owning some ports, share the same pools and Redis.
   */
  ports?: readonly number[];
}

export interface ListenerService {
  readonly listenerId: string;
  /** Open the endpoints the bindings name; resolves with what is bound. */
  start(): Promise<BoundEndpoint[]>;
  /** Graceful: stop accepting, finish the requests in flight, then disconnect from Redis. */
  close(): Promise<void>;
}

/**
 * After Redis comes back, wait this long before asking where each pending request is: the workers register
 * again (with the requests they still run) as soon as they reconnect, which takes them up to about a second.
 */
const RECONNECT_GRACE_MS = 2000;
/** The marker outlives any outage worth telling apart from a Redis that lost its data; a listener that stops removes it. */
const MARKER_TTL_S = 24 * 3600;

/** The listener's parts, each with one role; wired together by buildListener. */
function createParts(options: ListenerOptions) {
  const { log } = options;
  const listenerId = options.listenerId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  // The request path's connection fails fast while Redis is away: 503 QueueUnreachable, never a hang.
  const connection = createRedis(options.redisUrl, 'request');
  const subscriber = createRedis(options.redisUrl, 'subscriber');
  const logError = (error: unknown) => log.error({ err: error }, 'log file not written');
  const httperr = new HttpErrLog(logError);
  const stats = new ListenerStats();
  reportRedisErrors([connection, subscriber], log);
  return {
    listenerId,
    connection,
    subscriber,
    subscriptions: new Subscriptions(subscriber, log),
    queues: new PoolQueues(connection, log),
    replies: new ReplyRouter(connection, listenerId, log),
    states: new RuntimeStates(connection, log),
    cache: new ResponseCache(),
    stats,
    w3c: new W3cLogs(logError),
    httperr,
    rejections: new Rejections(httperr, stats),
    control: new ControlOutbox(connection, log),
    pending: new PendingRequests(),
    warnings: new ThrottledLog(log),
    governor: new ConnectionGovernor(httperr, stats.siteConnections),
  };
}
type Parts = ReturnType<typeof createParts>;

/**
 * The http.sys composition root: configuration from WAS, routing, request filtering, the response cache,
 * the pool queues, the reply channel, the logs and the listener's presence.
 */
export async function buildListener(options: ListenerOptions): Promise<ListenerService> {
  const { log } = options;
  const parts = createParts(options);
  const { listenerId, cache, queues, w3c, httperr } = parts;
  let state: IntakeState | undefined;
  let started = false;
  let shuttingDown = false;
  const intake = createRequestIntake({
    ...parts,
    log,
    state: () => state!,
    shuttingDown: () => shuttingDown,
    bandwidth: parts.governor.bandwidth,
    minRate: parts.governor.minRate,
  });
  const endpoints = new Endpoints(intake, httperr, log, parts.governor.hooks);
  const owned = (router: SiteRouter) =>
    router.endpoints().filter((e) => !options.ports || options.ports.includes(e.port));

  const apply = async (published: PublishedConfig) => {
    const { config } = published;
    const router = new SiteRouter(config);
    const connections = parts.governor.connections;
    state = { config, router, filter: new RequestFilter(config), states: parts.states, connections };
    parts.governor.configure(config);
    cache.configure(config);
    w3c.configure(config.sites);
    httperr.configure(config);
    queues.configure(config);
    if (started) await endpoints.apply(owned(router), config);
    log.info({ version: published.version }, 'configuration applied');
  };
  const follower = followConfig(options.redisUrl, {
    onChange: (next) => {
      apply(next).catch((error: unknown) =>
        log.error({ err: error, version: next.version }, 'configuration could not be applied'),
      );
    },
    onError: (error) => log.error({ err: error }, 'configuration could not be read'),
  });
  const presence = new ListenerPresenceWriter(
    parts.connection,
    listenerId,
    parts.stats,
    cache.counters,
    () => endpoints.bound().map((b) => b.address),
    log,
  );
  await connect(parts, presence, log);
  // This process's CPU, memory, event-loop lag and GC, for WAS's GET /metrics (docs/metrics.md).
  const processMetrics = new ProcessMetricsReport(
    parts.connection,
    processMetricsKey('listener', listenerId),
    { service: 'listener', instance: listenerId },
    (error) => log.warn({ err: error }, 'process metrics not reported'),
  );
  processMetrics.start();
  const first = await follower.first;
  if (!state) await apply(first);

  return {
    listenerId,
    start: async () => {
      started = true;
      const current = follower.current() ?? first;
      const bound = await endpoints.apply(owned(new SiteRouter(current.config)), current.config);
      log.info({ listenerId, endpoints: bound.map((b) => b.address) }, 'listener ready');
      return bound;
    },
    close: async () => {
      shuttingDown = true;
      await endpoints.close();
      await follower.close();
      await presence.stop();
      await processMetrics.stop();
      await parts.connection.del(listenerMarkerKey(listenerId)).catch(() => undefined);
      await Promise.all([w3c.flush(), httperr.flush()]);
      cache.close();
      parts.subscriptions.close();
      await closeRedis(parts.connection);
    },
  };
}

/** Subscribe to the reply channel, the runtime state and cache invalidations; follow reconnects. */
async function connect(parts: Parts, presence: ListenerPresenceWriter, log: Logger): Promise<void> {
  const { subscriptions, states, pending, cache } = parts;
  await redisReady(parts.connection);
  await parts.replies.start(subscriptions);
  await states.start(subscriptions);
  // http.sys answers 503 for the queued requests of a pool that stops, as well as for new ones.
  states.onChange(() => pending.poolsChanged((pool) => states.poolStopped(pool)));
  // Acknowledged actions: the presence hash says which state changes this listener has applied.
  presence.statesSince = () => states.appliedSince;
  states.onChange(() => presence.refreshNow());
  await subscriptions.subscribe(CACHE_INVALIDATION_CHANNEL, (message) => {
    const notice = cacheInvalidationCodec.decode(message);
    cache.invalidate(notice.siteId, notice.path, notice.prefix);
  });
  await presence.start();
  await checkAfterReconnects([parts.connection, parts.subscriber], parts, log);
}

/**
 * When either connection comes back after an outage, ask the queue where every pending request is: Redis
 * may have come back empty (the queue lost them), or as another server (a Sentinel failover promoted a
 * replica that may have missed the last writes), or replies may have been published while this listener
 * was not subscribed. Each lost request is answered, not left to hang. A check that fails (the connection
 * dropped again: a failover moves connections twice) is tried again until one succeeds.
 */
async function checkAfterReconnects(connections: Redis[], parts: Parts, log: Logger): Promise<void> {
  const marker = listenerMarkerKey(parts.listenerId);
  const token = randomBytes(8).toString('hex');
  const leaveMarker = () => parts.connection.set(marker, token, 'EX', MARKER_TTL_S);
  await leaveMarker();
  let server = await serverRunId(parts.connection);
  let timer: NodeJS.Timeout | undefined;
  const check = async () => {
    const runId = await serverRunId(parts.connection);
    const emptied = (await parts.connection.get(marker)) !== token;
    const otherServer = runId !== server;
    log.info(
      { pending: parts.pending.size, redisLostData: emptied, otherServer },
      'Redis is back: checking the requests in flight',
    );
    parts.pending.checkAfterReconnect(emptied || otherServer);
    server = runId;
    await leaveMarker();
    await parts.states.refresh();
  };
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      check().catch((error: unknown) => {
        log.warn({ err: error }, 'requests not checked after a reconnect; trying again');
        schedule();
      });
    }, RECONNECT_GRACE_MS);
    timer.unref();
  };
  for (const connection of connections) connection.on('ready', schedule);
}

/** The answering server's run_id: it changes when Redis restarts, or when a failover puts another in its place. */
async function serverRunId(connection: Redis): Promise<string> {
  const info = await connection.info('server');
  return /^run_id:(\w+)/m.exec(info)?.[1] ?? '';
}

/** One log line per outage and connection, not one per reconnection attempt. */
function reportRedisErrors(connections: Redis[], log: Logger): void {
  for (const connection of connections) {
    let reported = false;
    connection.on('error', (error: Error) => {
      if (!reported) log.warn({ err: error }, 'Redis connection lost; reconnecting');
      reported = true;
    });
    connection.on('ready', () => (reported = false));
  }
}
