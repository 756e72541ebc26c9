import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { followConfig, type PublishedConfig } from '@w3pool/config';
import { Endpoints, type BoundEndpoint } from './endpoints.js';
import { PoolQueues } from './pool-queues.js';
import { ReplyRouter } from './reply-router.js';
import { createRequestIntake, type IntakeState } from './request-intake.js';
import { SiteRouter } from './site-router.js';

export interface ListenerOptions {
  redisUrl: string;
  log: Logger;
  /** Defaults to host-pid-random: unique per process, so each instance has its own reply channel. */
  listenerId?: string;
}

export interface ListenerService {
  readonly listenerId: string;
  /** Open the endpoints the bindings name; resolves with what is bound. */
  start(): Promise<BoundEndpoint[]>;
  /** Graceful: stop accepting, finish the requests in flight, then disconnect from Redis. */
  close(): Promise<void>;
}

/** The http.sys composition root: configuration from WAS, routing, the pool queues and the reply channel. */
export async function buildListener(options: ListenerOptions): Promise<ListenerService> {
  const { log } = options;
  const listenerId = options.listenerId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  const subscriber = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  const queues = new PoolQueues(connection);
  const replies = new ReplyRouter(subscriber, listenerId, log);

  let state: IntakeState | undefined;
  let started = false;
  const endpoints = new Endpoints(
    createRequestIntake({ state: () => state as IntakeState, queues, replies, listenerId, log }),
    log,
  );

  const apply = async (published: PublishedConfig) => {
    const router = new SiteRouter(published.config);
    state = { config: published.config, router };
    await queues.retain(new Set(published.config.applicationPools.map((p) => p.name)));
    if (started) await endpoints.apply(router.endpoints(), published.config);
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
  await replies.start();
  const first = await follower.first;
  if (!state) await apply(first);

  return {
    listenerId,
    start: async () => {
      started = true;
      const current = follower.current() ?? first;
      const bound = await endpoints.apply(new SiteRouter(current.config).endpoints(), current.config);
      log.info({ listenerId, endpoints: bound.map((b) => b.address) }, 'listener ready');
      return bound;
    },
    close: async () => {
      await endpoints.close();
      await follower.close();
      await queues.close();
      subscriber.disconnect();
      await connection.quit().catch(() => connection.disconnect());
    },
  };
}
