import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { followConfig, type PublishedConfig } from '@w3pool/config';
import { CACHE_INVALIDATION_CHANNEL, cacheInvalidationCodec } from '@w3pool/protocol';
import { createRedis, redisReady } from '@w3pool/runtime';
import { Endpoints, type BoundEndpoint } from './endpoints.js';
import { HttpErrLog } from './httperr-log.js';
import { ListenerPresenceWriter, ListenerStats } from './listener-stats.js';
import { PoolQueues } from './pool-queues.js';
import { ReplyRouter } from './reply-router.js';
import { RequestFilter } from './request-filter.js';
import { createRequestIntake, type IntakeState } from './request-intake.js';
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
 * The http.sys composition root: configuration from WAS, routing, request filtering, the response cache,
 * queue admission, the pool queues, the reply channel, the logs and the listener's presence.
 */
export async function buildListener(options: ListenerOptions): Promise<ListenerService> {
  const { log } = options;
  const listenerId = options.listenerId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  // The request path's connection fails fast while Redis is away (503 QueueUnreachable, never a hang).
  const connection = createRedis(options.redisUrl, 'request');
  const subscriber = createRedis(options.redisUrl, 'subscriber');
  const subscriptions = new Subscriptions(subscriber, log);
  const queues = new PoolQueues(connection, log);
  const replies = new ReplyRouter(connection, listenerId, log);
  const states = new RuntimeStates(connection, log);
  const cache = new ResponseCache();
  const stats = new ListenerStats();
  const logError = (error: unknown) => log.error({ err: error }, 'log file not written');
  const w3c = new W3cLogs(logError);
  const httperr = new HttpErrLog(logError);

  let state: IntakeState | undefined;
  let started = false;
  let shuttingDown = false;
  const endpoints = new Endpoints(
    createRequestIntake({
      state: () => state as IntakeState,
      queues,
      replies,
      states,
      cache,
      w3c,
      httperr,
      stats,
      publisher: connection,
      listenerId,
      log,
      shuttingDown: () => shuttingDown,
    }),
    httperr,
    log,
  );
  const presence = new ListenerPresenceWriter(
    connection,
    listenerId,
    stats,
    cache.counters,
    () => endpoints.bound().map((b) => b.address),
    log,
  );

  const owned = (router: SiteRouter) =>
    router.endpoints().filter((e) => !options.ports || options.ports.includes(e.port));

  const apply = async (published: PublishedConfig) => {
    const { config } = published;
    const router = new SiteRouter(config);
    state = { config, router, filter: new RequestFilter(config) };
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
  await redisReady(connection);
  await replies.start(subscriptions);
  await states.start(subscriptions);
  await subscriptions.subscribe(CACHE_INVALIDATION_CHANNEL, (message) => {
    const notice = cacheInvalidationCodec.decode(message);
    cache.invalidate(notice.siteId, notice.path, notice.prefix);
  });
  await presence.start();
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
      await Promise.all([w3c.flush(), httperr.flush()]);
      cache.close();
      subscriptions.close();
      await connection.quit().catch(() => connection.disconnect());
    },
  };
}
