/** The admin API's shapes, as docs/admin-api.md shows them (the fields the dashboard reads). */

export interface Pool {
  name: string;
  state: 'Started' | 'Stopped';
  reason?: string;
  queueLength: number;
  CurrentQueueSize: number;
  MaxQueueItemAge: number;
  ArrivalRate: number;
  RejectedRequests: number;
  consumers: number;
  requestsInFlight: number;
  rejectedLastMinute: number;
  offeredLastMinute: number;
  RejectionRate: number;
}

export interface Site {
  id: number;
  name: string;
  state: 'Started' | 'Stopped';
  bindings: string[];
}

export interface WorkerProcess {
  id: string;
  pid: number;
  pool: string;
  host: string;
  state: string;
  startedAt: number;
  requestsServed: number;
  requestsInFlight: number;
  privateKb: number;
  rssKb: number;
  cpuPercent: number;
  lastPingMs: number;
  updatedAt: number;
}

export interface InFlight {
  id: string;
  pool: string;
  site: string;
  siteId: number;
  appPath: string;
  verb: string;
  url: string;
  elapsedMs: number;
  pid: number | null;
}

/** An entry of the event log (w3pool:events): every field is a string. */
export interface LoggedEvent {
  id: string;
  kind: string;
  pool?: string;
  pid?: string;
  reason?: string;
  at?: string;
  [field: string]: string | undefined;
}

export interface PoolPoint {
  at: number;
  queue: number;
  requestsPerSec: number;
  rejectionsPerSec: number;
}

export interface SitePoint {
  at: number;
  rates: Record<string, number>;
}

export interface StatsSnapshot {
  at: number;
  apppools: Pool[];
  sites: Site[];
  wp: WorkerProcess[];
  requests: InFlight[];
  listeners: { id: string; requests: number; rejected: Record<string, number> }[];
  totals: { pools: Record<string, number>; sites: Record<string, Record<string, number>> };
}

export interface StatsHistory {
  intervalMs: number;
  windowMs: number;
  pools: Record<string, PoolPoint[]>;
  sites: Record<string, SitePoint[]>;
  snapshot: StatsSnapshot | null;
}

export interface StatsTick {
  snapshot: StatsSnapshot;
  pools: Record<string, PoolPoint>;
  sites: Record<string, SitePoint>;
}

export interface RecycleAnswer {
  name: string;
  hosts: number;
  oldPids: number[];
  newPids: number[];
  elapsedMs: number;
}

export interface StateAnswer {
  name?: string;
  id?: number;
  state: 'Started' | 'Stopped';
  since: number;
  listeners: number;
  acknowledgedMs: number;
  reason?: string;
}

export interface ChangeAnswer {
  version: number;
  etag: string;
  persisted: string;
  backup?: string;
}

export interface HistoryEntry {
  version: number;
  epoch: number;
  time: string;
  origin: string;
  changed: string[];
}

export interface FailedJob {
  id: string;
  name: string;
  failedReason: string;
  attemptsMade: number;
  timestamp: number;
  finishedOn: number | null;
}

/** GET /api/apppools/:name/jobs: one entry per application of the pool (its own BullMQ queue). */
export interface ApplicationJobs {
  siteId: number;
  site: string;
  path: string;
  queue: string;
  counts: Record<'waiting' | 'active' | 'completed' | 'failed' | 'delayed', number>;
  failed: FailedJob[];
}
