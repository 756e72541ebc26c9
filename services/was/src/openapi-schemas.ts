import { Type, type TSchema } from '@sinclair/typebox';

/**
 * The admin API's request and response shapes, as TypeBox schemas, for the OpenAPI document (openapi.ts).
 * Objects stay open (additionalProperties): fastify serializes a response through its schema, and a field
 * a view adds later must reach the client, not be dropped silently.
 */
const Open = (properties: Record<string, TSchema>, description?: string) =>
  Type.Object(properties, { additionalProperties: true, ...(description ? { description } : {}) });

/** Every 4xx/5xx: a catalogue code (docs/errors.md) and its message; some add `issues`. */
export const ErrorShape = Open(
  {
    code: Type.Optional(Type.String({ description: 'A code of docs/errors.md' })),
    message: Type.Optional(Type.String()),
  },
  'An error: its catalogue code and message',
);

const PoolState = Type.Union([Type.Literal('Started'), Type.Literal('Stopped')]);
const PoolName = Type.Object({ name: Type.String({ description: 'Application pool name' }) });
const SiteId = Type.Object({ id: Type.String({ description: 'Site id (digits)' }) });

const Pool = Open({
  name: Type.String(),
  state: PoolState,
  reason: Type.Optional(Type.String()),
  queueLength: Type.Number(),
  CurrentQueueSize: Type.Number(),
  MaxQueueItemAge: Type.Number({ description: 'ms' }),
  ArrivalRate: Type.Number({ description: 'per second, last 5 s' }),
  RejectedRequests: Type.Number(),
  AbandonedRequests: Type.Object(
    { skipped: Type.Number(), aborted: Type.Number(), expired: Type.Number() },
    {
      description:
        'Requests whose listener had gone (and their clients with it): skipped (not run), aborted (run, stopped at their first reply), expired (past their queue deadline); since Redis last started',
    },
  ),
  consumers: Type.Number(),
  requestsInFlight: Type.Number(),
  rejectedLastMinute: Type.Number(),
  offeredLastMinute: Type.Number({ description: 'admitted + refused, last minute' }),
  RejectionRate: Type.Number({ description: 'refused / offered over the last minute (0..1)' }),
});
const Site = Open({
  id: Type.Number(),
  name: Type.String(),
  state: PoolState,
  bindings: Type.Array(Type.String()),
});
const App = Open({ site: Type.String(), siteId: Type.Number(), path: Type.String(), pool: Type.String() });
const WorkerProcess = Open({
  id: Type.String(),
  pid: Type.Number(),
  pool: Type.String(),
  state: Type.String(),
  startedAt: Type.Number(),
  requestsServed: Type.Number(),
  privateKb: Type.Number(),
  cpuPercent: Type.Number(),
  lastPingMs: Type.Number(),
});
const InFlight = Open({
  id: Type.String(),
  pool: Type.String(),
  site: Type.String(),
  siteId: Type.Number(),
  appPath: Type.String(),
  verb: Type.String(),
  url: Type.String(),
  elapsedMs: Type.Number(),
  pid: Type.Union([Type.Number(), Type.Null()]),
});
const Listener = Open({ id: Type.String(), pid: Type.Number(), statesSince: Type.Optional(Type.Number()) });
const Event = Open({ id: Type.String(), kind: Type.String(), at: Type.String() });
const StateAnswer = Open({
  state: PoolState,
  since: Type.Number(),
  reason: Type.Optional(Type.String()),
  listeners: Type.Number({ description: 'Live listeners that acknowledged the change' }),
  acknowledgedMs: Type.Number(),
});
const RecycleAnswer = Open({
  name: Type.String(),
  hosts: Type.Number(),
  oldPids: Type.Array(Type.Number()),
  newPids: Type.Array(Type.Number()),
  elapsedMs: Type.Number(),
});
const Health = Open({ status: Type.String(), redis: Type.String() });

export interface RouteDoc {
  summary: string;
  params?: TSchema;
  querystring?: TSchema;
  /** The 200 (or 201) answer; omitted where it is not JSON. */
  ok?: TSchema;
  produces?: string[];
}

/** The documented routes, by `METHOD url`; any other route gets its URL parameters and the error shape. */
export const ROUTE_DOCS: Record<string, RouteDoc> = {
  'GET /healthz': { summary: 'Liveness, from memory (no token)', ok: Health },
  'GET /readyz': { summary: 'Ready: Redis holds the published configuration (no token)', ok: Health },
  'GET /metrics': { summary: 'Prometheus text exposition (docs/metrics.md)', produces: ['text/plain'] },
  'GET /api/apppools': { summary: 'appcmd list apppool', ok: Type.Array(Pool) },
  'GET /api/sites': { summary: 'appcmd list site', ok: Type.Array(Site) },
  'GET /api/apps': { summary: 'appcmd list app', ok: Type.Array(App) },
  'GET /api/wp': { summary: 'appcmd list wp', ok: Type.Array(WorkerProcess) },
  'GET /api/listeners': { summary: 'The live listeners and their counters', ok: Type.Array(Listener) },
  'GET /api/requests': {
    summary: 'appcmd list requests /elapsed:N',
    querystring: Type.Object({
      elapsed: Type.Optional(Type.String({ description: 'Minimum elapsed ms' })),
      pool: Type.Optional(Type.String()),
    }),
    ok: Type.Array(InFlight),
  },
  'GET /api/events': {
    summary: 'The event log, newest first; with Accept: text/event-stream, the live stream',
    querystring: Type.Object({
      count: Type.Optional(Type.String({ description: 'At most 1000' })),
      stats: Type.Optional(
        Type.String({ description: 'Streamed: 1 adds the live figures (History, Stats)' }),
      ),
    }),
    ok: Type.Array(Event),
    produces: ['application/json', 'text/event-stream'],
  },
  'GET /api/events/stream': {
    summary: 'The event log as Server-Sent Events (Last-Event-ID resumes); ?stats=1 adds History and Stats',
    querystring: Type.Object({
      stats: Type.Optional(Type.String({ description: '1: also the live figures (History, then Stats)' })),
    }),
    produces: ['text/event-stream'],
  },
  'GET /api/stats': {
    summary: 'Every view at once and the last 15 minutes of each pool and site (the dashboard)',
    ok: Open({
      intervalMs: Type.Number(),
      windowMs: Type.Number(),
      pools: Open({}, 'pool name → [{ at, queue, requestsPerSec, rejectionsPerSec }]'),
      sites: Open({}, 'site id → [{ at, rates: { "2xx": n, ... } }]'),
      snapshot: Type.Union([Open({}), Type.Null()]),
    }),
  },
  'GET /api/config/schema': { summary: 'The configuration JSON Schema, with IIS defaults' },
  'GET /api/config/schema/apppools': { summary: 'An application pool JSON Schema, with IIS defaults' },
  'GET /api/apppools/:name/jobs': {
    summary: 'Background job counts and failures of the pool',
    params: PoolName,
    querystring: Type.Object({ failed: Type.Optional(Type.String()) }),
    ok: Open({ name: Type.String(), applications: Type.Array(Open({})) }),
  },
  'POST /api/apppools/:name/:action': {
    summary: 'appcmd recycle|start|stop apppool, answered once its effect is reported',
    params: Type.Object({
      name: Type.String(),
      action: Type.String({ description: 'recycle, start or stop (else 400 WAS_UNKNOWN_ACTION)' }),
    }),
    ok: Type.Union([RecycleAnswer, StateAnswer]),
  },
  'POST /api/sites/:id/:action': {
    summary: 'appcmd start|stop site, answered once every listener applies it',
    params: Type.Object({
      id: SiteId.properties.id,
      action: Type.String({ description: 'start or stop (else 400 WAS_UNKNOWN_ACTION)' }),
    }),
    ok: StateAnswer,
  },
};
