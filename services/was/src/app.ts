import Fastify from 'fastify';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ConfigOwner } from './config-owner.js';

const createHttp = (log: Logger) => Fastify({ loggerInstance: log.child({ component: 'http' }) });
export type WasHttp = ReturnType<typeof createHttp>;

export interface WasOptions {
  redisUrl: string;
  configFile: string;
  log: Logger;
}

export interface WasService {
  readonly http: WasHttp;
  readonly config: ConfigOwner;
  close(): Promise<void>;
}

/**
 * The WAS composition root: validates and publishes the configuration (failing with the JSON pointer of
 * every problem) and builds the HTTP surface, without listening.
 */
export async function buildWas(options: WasOptions): Promise<WasService> {
  const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: 2, lazyConnect: true });
  const config = new ConfigOwner(options.configFile, redis, options.log);
  try {
    await redis.connect();
    await config.load();
  } catch (error) {
    redis.disconnect();
    throw error;
  }

  const http = createHttp(options.log);
  http.get('/healthz', async (_request, reply) => {
    const redisUp = redis.status === 'ready';
    return reply.code(redisUp ? 200 : 503).send({
      status: redisUp ? 'ok' : 'degraded',
      redis: redis.status,
      configVersion: config.current?.version ?? null,
    });
  });

  return {
    http,
    config,
    close: async () => {
      await http.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
