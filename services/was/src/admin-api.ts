import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { W3poolError, errorCatalogue, type ErrorCode } from '@w3pool/protocol';
import type { W3poolConfig } from '@w3pool/config';
import type { BackgroundJobsView } from './background-jobs-view.js';
import type { ConfigOwner } from './config-owner.js';
import type { LiveConfig } from './config-api/live-config.js';
import { configRoutes } from './config-api/routes.js';
import { importRoute } from './config-api/import-route.js';
import type { RuntimeControl } from './runtime-control.js';
import { acknowledgedRecycle } from './actions/acknowledged-recycle.js';
import { acknowledgedState } from './actions/acknowledged-state.js';
import { registerEventStream, wantsEventStream, type EventStreams } from './events/event-stream-route.js';
import { registerViews } from './views/view-routes.js';
import type { RejectionWindow } from './views/rejection-window.js';
import type { LiveStats } from './views/live-stats.js';
import { isRedisOutage } from './redis-outage.js';
import { clientErrorOf } from './security/body-limits.js';
import { parseSiteId } from './security/site-id.js';
import type { WasHttp } from './was-http.js';

export interface AdminApiParts {
  redis: Redis;
  config: ConfigOwner;
  control: RuntimeControl;
  /** Background jobs (docs/background-jobs.md). */
  jobs: BackgroundJobsView;
  /** The live configuration: /api/config/... reads, writes and history (docs/admin-api.md). */
  live: LiveConfig;
  /** GET /api/events as Server-Sent Events (events/). */
  streams: EventStreams;
  /** Each pool's rejection rate over the last minute (views/rejection-window.ts). */
  rejections: RejectionWindow;
  /** The dashboard's live figures and their last 15 minutes (views/live-stats.ts). */
  stats: LiveStats;
  log: Logger;
}

/**
 * The appcmd surface (/api/...): every route reads or writes Redis, so while Redis is away each answers
 * 503 WAS_REDIS_UNAVAILABLE at once rather than waiting for a reconnect the caller cannot see.
 */
export function registerAdminApi(http: WasHttp, parts: AdminApiParts): void {
  const { redis, control } = parts;
  const live = (): W3poolConfig => {
    const current = parts.config.current;
    if (!current) throw new W3poolError('WAS_NOT_READY');
    return current.config;
  };
  http.setErrorHandler((raw, _request, reply) => {
    // A body fastify refused (malformed, empty, too large, not JSON) is the client's 400/413/415, not a 500.
    const error = clientErrorOf(raw) ?? raw;
    const code = errorCodeOf(error, parts.log);
    const { status, message } = errorCatalogue[code];
    return reply.code(status).send({ code, message: error instanceof W3poolError ? error.message : message });
  });
  // Decided from the connection's state before any command is sent: one answer, whichever command is first.
  http.addHook('onRequest', (request, _reply, done) => {
    const down = request.url.startsWith('/api/') && redis.status !== 'ready';
    done(down ? new W3poolError('WAS_REDIS_UNAVAILABLE', `(connection ${redis.status})`) : undefined);
  });

  // The configuration itself (/api/config/...): a plugin, for its own 400/412/428 answers with issues.
  void http.register((child, _options, done) => {
    configRoutes(child, parts.live);
    // POST /api/config/import (issue 10 §3): applicationHost.config through the same change path.
    importRoute(child, parts.live);
    done();
  });

  // appcmd list apppool / list site, with the live state and queue depth.
  http.get('/api/apppools', async () =>
    (await control.pools(live())).map((pool) => ({ ...pool, ...parts.rejections.figures(pool.name) })),
  );
  http.get('/api/sites', async () => control.sites(live()));
  http.get('/api/listeners', async () => control.listeners());
  http.get('/api/wp', async () => control.workerProcesses());
  // appcmd list app, appcmd list requests /elapsed:N, and the live event stream (views/, events/).
  registerViews(http, { redis, control, live });
  registerEventStream(http, parts.streams);
  // The live figures of every view at once, with the last 15 minutes of each pool's and site's rates
  // (the dashboard's charts); the event stream with ?stats=1 pushes the same at every sample.
  http.get('/api/stats', () =>
    Promise.resolve({ ...parts.stats.history(), snapshot: parts.stats.latest() ?? null }),
  );
  // A list; with `Accept: text/event-stream`, the live stream (as /api/events/stream).
  http.get<{ Querystring: { count?: string } }>('/api/events', async (request, reply) =>
    wantsEventStream(request)
      ? parts.streams.serve(request, reply)
      : control.events(Math.min(1000, Number(request.query.count ?? 100) || 100)),
  );

  // Background jobs (beyond IIS; docs/background-jobs.md): per application of the pool, BullMQ's counts
  // and the newest `?failed=N` failures (default 20).
  http.get<{ Params: { name: string }; Querystring: { failed?: string } }>(
    '/api/apppools/:name/jobs',
    async (request) => {
      const { name } = request.params;
      const config = live();
      if (!config.applicationPools.some((p) => p.name === name))
        throw new W3poolError('WAS_POOL_NOT_FOUND', name);
      const asked = Number(request.query.failed ?? 20);
      const failed = Number.isFinite(asked) ? Math.min(1000, Math.max(0, Math.floor(asked))) : 20;
      return { name, applications: await parts.jobs.pool(config, name, failed) };
    },
  );

  // appcmd start|stop apppool /apppool.name:X — every listener answers 503 Disabled while it is stopped.
  http.post<{ Params: { name: string; action: string } }>('/api/apppools/:name/:action', async (request) => {
    const { name, action } = request.params;
    if (!live().applicationPools.some((p) => p.name === name))
      throw new W3poolError('WAS_POOL_NOT_FOUND', name);
    // appcmd recycle apppool: overlapped rotation of every worker of the pool, answered with the old and
    // new pids once the pool hosts report them (actions/; 504 WAS_ACTION_TIMEOUT past the deadline).
    if (action === 'recycle') return { name, ...(await acknowledgedRecycle(control, name)) };
    const state = stateFor(action);
    return { name, ...(await acknowledgedState(control, () => control.setPool(name, state))) };
  });
  http.post<{ Params: { id: string; action: string } }>('/api/sites/:id/:action', async (request) => {
    const id = parseSiteId(request.params.id);
    if (!live().sites.some((s) => s.id === id))
      throw new W3poolError('WAS_SITE_NOT_FOUND', request.params.id);
    const state = stateFor(request.params.action);
    return { id, ...(await acknowledgedState(control, () => control.setSite(id, state))) };
  });
}

function errorCodeOf(error: unknown, log: Logger): ErrorCode {
  if (error instanceof W3poolError) return error.code;
  // Not logged: the connection's own listener has said once that Redis is unreachable.
  if (isRedisOutage(error)) return 'WAS_REDIS_UNAVAILABLE';
  log.error({ err: error }, 'admin API request failed');
  return 'WAS_INTERNAL';
}

function stateFor(action: string): 'Started' | 'Stopped' {
  if (action === 'start') return 'Started';
  if (action === 'stop') return 'Stopped';
  throw new W3poolError('WAS_UNKNOWN_ACTION', action);
}
