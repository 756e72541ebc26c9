import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { EVENT_COUNTS_KEY, EVENTS_STREAM } from '@w3pool/protocol';

/** Recycle reasons, under IIS's logEventOnRecycle flag names. */
export type RecycleReason =
  | 'Time'
  | 'Requests'
  | 'Schedule'
  | 'Memory'
  | 'PrivateMemory'
  | 'IsapiUnhealthy'
  | 'OnDemand'
  | 'ConfigChange';

export type EventKind =
  'Recycle' | 'Crash' | 'RapidFail' | 'IdleTimeout' | 'Orphaned' | 'StartupFailure' | 'PingFailure';

/** Keep about this many events; the stream is trimmed as it grows. */
const MAX_EVENTS = 10_000;

/**
 * The pool host's event log: what IIS writes to the System event log (WAS events 5074, 5011, 5002, ...),
 * as entries of a capped Redis stream that the admin API reads. Recycles are recorded only for the reasons
 * the pool's logEventOnRecycle names; crashes, rapid-fail stops and idle shutdowns always are.
 */
export class EventLog {
  private recycleFlags = new Set<string>();

  constructor(
    private readonly redis: Redis,
    private readonly pool: string,
    private readonly log: Logger,
  ) {}

  configure(logEventOnRecycle: string): void {
    this.recycleFlags = new Set(
      logEventOnRecycle
        .split(',')
        .map((f) => f.trim())
        .filter(Boolean),
    );
  }

  record(kind: EventKind, fields: { pid?: number; reason?: string; detail?: string }): void {
    // Counted for GET /metrics whatever logEventOnRecycle says: it chooses what is logged, not what happened.
    this.redis
      .hincrby(EVENT_COUNTS_KEY, `${this.pool}\t${kind}\t${fields.reason ?? ''}`, 1)
      .catch((error: unknown) => this.log.warn({ err: error }, 'event not counted'));
    if (kind === 'Recycle' && fields.reason && !this.recycleFlags.has(fields.reason)) return;
    const entry = { at: Date.now(), pool: this.pool, kind, ...fields };
    this.log.info(entry, `event: ${kind}${fields.reason ? ` (${fields.reason})` : ''}`);
    const flat = Object.entries(entry).flatMap(([k, v]) => (v === undefined ? [] : [k, String(v)]));
    this.redis
      .xadd(EVENTS_STREAM, 'MAXLEN', '~', MAX_EVENTS, '*', ...flat)
      .catch((error: unknown) => this.log.warn({ err: error }, 'event not recorded'));
  }
}
