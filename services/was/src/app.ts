import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { closeRedis, createRedis } from '@w3pool/runtime';
import { registerAdminApi } from './admin-api.js';
import { BackgroundJobEvents } from './background-job-events.js';
import { BackgroundJobsView } from './background-jobs-view.js';
import { ConfigOwner } from './config-owner.js';
import { LiveConfig } from './config-api/live-config.js';
import { followRapidFailInbox } from './rapid-fail-inbox.js';
import { RedisRecovery } from './redis-recovery.js';
import { logOutages } from './redis-outage.js';
import { RuntimeControl } from './runtime-control.js';
import { registerMetricsEndpoint } from './metrics/metrics-endpoint.js';
import { installAdminSecurity, loadAdminToken, readSecuritySettings } from './security/admin-security.js';
import { createHttp, type WasHttp } from './was-http.js';
import { EventHub } from './events/event-hub.js';
import { EventStreams } from './events/event-stream-route.js';
import { registerOpenApi } from './openapi.js';
import { RejectionWindow } from './views/rejection-window.js';
import { LiveStats } from './views/live-stats.js';
import { defaultDashboardDir } from './dashboard/dashboard-files.js';
import { registerDashboard } from './dashboard/dashboard-route.js';

export type { WasHttp } from './was-http.js';

export interface WasOptions {
  redisUrl: string;
  configFile: string;
  log: Logger;
  /** Where the admin API's security settings come from (W3POOL_ADMIN_TOKEN, ...); process.env by default. */
  env?: NodeJS.ProcessEnv;
  /** Where a generated admin token is shown, once; stdout by default. */
  announce?: (line: string) => void;
}

export interface WasService {
  readonly http: WasHttp;
  readonly config: ConfigOwner;
  close(): Promise<void>;
}

// No admin command takes longer; past it Redis is hung (stopped, not closed), and the caller gets a 503.
const COMMAND_TIMEOUT_MS = 1_000;

/**
 * The WAS composition root: validates and publishes the configuration (failing with the JSON pointer of
 * every problem) and builds the HTTP surface, without listening. Once started, WAS outlives Redis
 * restarts: its connections reconnect, the admin API answers 503 meanwhile, and what Redis lost is put back.
 */
export async function buildWas(options: WasOptions): Promise<WasService> {
  const { log } = options;
  // The admin token first: without one (unreadable file, unwritable state dir) WAS must not serve at all.
  const security = readSecuritySettings(options.env ?? process.env, options.configFile);
  const adminToken = await loadAdminToken(security, log, options.announce);
  const redis = createRedis(options.redisUrl, 'control', {
    lazyConnect: true,
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectionName: 'w3pool-was',
  });
  logOutages(redis, 'commands', log);
  const config = new ConfigOwner(options.configFile, redis, log);
  // The live configuration API (docs/admin-api.md): hooks in before the first load, which may read a tree
  // saved in Redis (read-only file) and records the first version in the history.
  const live = new LiveConfig(config, redis);
  const control = new RuntimeControl(redis);
  const inbox = createRedis(options.redisUrl, 'subscriber', { connectionName: 'w3pool-was-inbox' });
  logOutages(inbox, 'inbox', log);
  try {
    // A Redis that is not there at start is an error to report, not to wait out.
    await redis.connect();
    await control.loadState();
    await config.load();
    await followRapidFailInbox(inbox, control, log);
  } catch (error) {
    redis.disconnect();
    inbox.disconnect();
    throw error;
  }
  const recovery = new RedisRecovery(redis, config, control, log);
  recovery.watch();
  // Background jobs (docs/background-jobs.md): counts and failures for the admin API, failures as events.
  const jobs = new BackgroundJobsView(redis);
  const jobEvents = new BackgroundJobEvents(options.redisUrl, () => config.current?.config, log);
  jobEvents.start();

  const http = createHttp(log, security.bodyLimit);
  // Before any route: Host, Origin and bearer-token checks guard every route registered after them.
  installAdminSecurity(http, security, adminToken);
  // GET /docs and /docs/json (OpenAPI 3): before every route, which it documents as it is added.
  await registerOpenApi(http);
  registerHealth(http, redis, config, recovery);
  // GET /api/apppools' RejectionRate: sampled every 5 s, summed over the last minute.
  const rejections = new RejectionWindow(redis, () => config.current?.config, log);
  rejections.start();
  // The dashboard's live figures and their last 15 minutes (GET /api/stats, the stream's ?stats=1).
  const stats = new LiveStats({ redis, control, config: () => config.current?.config, rejections, log });
  stats.start();
  // The live event stream (GET /api/events/stream): one shared XREAD reader for every client.
  const hub = new EventHub(options.redisUrl, log);
  const streams = new EventStreams(redis, hub, stats);
  registerAdminApi(http, { redis, config, control, jobs, live, streams, rejections, stats, log });
  // GET /dashboard/ (docs/dashboard.md): the console's static files; its data comes from the routes above.
  await registerDashboard(http, defaultDashboardDir(options.env ?? process.env), log);
  // GET /metrics (docs/metrics.md): Prometheus text, read from Redis at scrape time; an admin route.
  registerMetricsEndpoint(http, { redis, config, control, jobs });

  return {
    http,
    config,
    close: async () => {
      rejections.stop();
      stats.stop();
      await http.close();
      await Promise.all([jobs.close(), jobEvents.close(), hub.close()]);
      inbox.disconnect();
      await closeRedis(redis);
    },
  };
}

/** Answered from memory, never from Redis, so they answer while Redis is away. */
function registerHealth(http: WasHttp, redis: Redis, config: ConfigOwner, recovery: RedisRecovery): void {
  http.get('/healthz', async (_request, reply) => {
    const redisUp = redis.status === 'ready';
    return reply.code(redisUp ? 200 : 503).send({
      status: redisUp ? 'ok' : 'degraded',
      redis: redis.status,
      configVersion: config.current?.version ?? null,
      configEpoch: config.current?.epoch ?? null,
    });
  });
  // Ready: Redis is connected and holds the configuration WAS published (checked after every reconnect).
  http.get('/readyz', async (_request, reply) => {
    const ready = recovery.inSync && config.current !== undefined;
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', redis: redis.status });
  });
}
