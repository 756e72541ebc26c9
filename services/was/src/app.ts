import Fastify from 'fastify';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import {
  WAS_INBOX_CHANNEL,
  W3poolError,
  errorCatalogue,
  type ErrorCode,
  type PoolFailureNotice,
} from '@w3pool/protocol';
import { ConfigOwner } from './config-owner.js';
import { RuntimeControl } from './runtime-control.js';

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

  const control = new RuntimeControl(redis);
  const live = () => {
    const current = config.current;
    if (!current) throw new W3poolError('WAS_NOT_READY');
    return current.config;
  };
  http.setErrorHandler((error, _request, reply) => {
    if (error instanceof W3poolError) {
      return reply.code(error.status).send({ code: error.code, message: error.message });
    }
    options.log.error({ err: error }, 'admin API request failed');
    const code: ErrorCode = 'WAS_INTERNAL';
    return reply.code(errorCatalogue[code].status).send({ code, message: errorCatalogue[code].message });
  });

  // appcmd list apppool / list site, with the live state and queue depth.
  http.get('/api/apppools', async () => control.pools(live()));
  http.get('/api/sites', async () => control.sites(live()));
  http.get('/api/listeners', async () => control.listeners());
  http.get('/api/wp', async () => control.workerProcesses());
  http.get<{ Querystring: { count?: string } }>('/api/events', async (request) =>
    control.events(Math.min(1000, Number(request.query.count ?? 100) || 100)),
  );

  // appcmd start|stop apppool /apppool.name:X — every listener answers 503 Disabled while it is stopped.
  http.post<{ Params: { name: string; action: string } }>('/api/apppools/:name/:action', async (request) => {
    const { name, action } = request.params;
    if (!live().applicationPools.some((p) => p.name === name))
      throw new W3poolError('WAS_POOL_NOT_FOUND', name);
    // appcmd recycle apppool: overlapped rotation of every worker of the pool.
    if (action === 'recycle') return { name, ...(await control.recyclePool(name)) };
    return { name, ...(await control.setPool(name, stateFor(action))) };
  });

  // Rapid-fail protection trips in a pool host; WAS records the pool as stopped, for every listener.
  const inbox = redis.duplicate();
  await inbox.subscribe(WAS_INBOX_CHANNEL);
  inbox.on('message', (_channel: string, message: string) => {
    const notice = JSON.parse(message) as PoolFailureNotice;
    if (notice.kind !== 'rapid-fail') return;
    options.log.error(
      { pool: notice.pool, failures: notice.failures },
      'rapid-fail protection stopped the pool',
    );
    control
      .setPool(notice.pool, 'Stopped', 'RapidFail')
      .catch((error: unknown) =>
        options.log.error({ err: error, pool: notice.pool }, 'pool state not recorded'),
      );
  });
  http.post<{ Params: { id: string; action: string } }>('/api/sites/:id/:action', async (request) => {
    const id = Number(request.params.id);
    if (!live().sites.some((s) => s.id === id))
      throw new W3poolError('WAS_SITE_NOT_FOUND', request.params.id);
    return { id, ...(await control.setSite(id, stateFor(request.params.action))) };
  });

  return {
    http,
    config,
    close: async () => {
      await http.close();
      inbox.disconnect();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

function stateFor(action: string): 'Started' | 'Stopped' {
  if (action === 'start') return 'Started';
  if (action === 'stop') return 'Stopped';
  throw new W3poolError('WAS_UNKNOWN_ACTION', action);
}
