import { performance } from 'node:perf_hooks';
import { finished } from 'node:stream/promises';
import { Pool } from 'undici';
import { LatencyRecorder, type LatencySummary } from './histogram.js';
import { dueAtMs, dueBy, isMeasured, planSchedule, type Schedule } from './schedule.js';

export type { LatencySummary } from './histogram.js';

export interface OpenLoopOptions {
  url: string;
  /** Requests per second, held whatever the server does. */
  rate: number;
  durationSeconds: number;
  /** Connections undici may open (pipelining 1); default 64. Requests beyond them wait in its queue. */
  connections?: number;
  /** Allowance from a request's due time to its full response; default 10 s. */
  timeoutMs?: number;
  method?: 'GET' | 'POST';
  body?: Buffer;
  /** Seconds sent at the same rate before the measured window, not recorded. */
  warmupSeconds?: number;
}

export interface OpenLoopResult {
  rate: number;
  durationSeconds: number;
  /** Requests issued in the measured window. */
  sent: number;
  /** Requests that got a full response (any status). */
  completed: number;
  /** sent / measured seconds, to show the generator kept up. */
  achievedRate: number;
  /** Worst delay between a request's due time and its actual issue: the generator's own slack. */
  maxLagMs: number;
  /** Responses per status code: { '200': n, '503': n }. */
  byStatus: Record<string, number>;
  timeouts: number;
  errors: number;
  /** All completed responses, measured from their due times. */
  latency: LatencySummary;
  latencyByStatus: Record<string, LatencySummary>;
  /** CHART_PERCENTILES of all completed responses, for charts. */
  percentiles: { percentile: number; ms: number }[];
}

export const CHART_PERCENTILES = [50, 75, 90, 95, 99, 99.9, 99.99, 100] as const;

const DEFAULT_CONNECTIONS = 64;
const DEFAULT_TIMEOUT_MS = 10_000;

type Outcome = { kind: 'response'; status: number; ms: number } | { kind: 'timeout' } | { kind: 'error' };
const TIMED_OUT: Outcome = { kind: 'timeout' };
const FAILED: Outcome = { kind: 'error' };

interface RequestShape {
  path: string;
  method: 'GET' | 'POST';
  body: Buffer | undefined;
}

/**
 * Load `url` at a fixed rate for `durationSeconds` (after an unrecorded warm-up) and report latencies from
 * each request's due time. Never throws for what the server does: timeouts and socket errors are counted.
 */
export async function runOpenLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const url = new URL(options.url);
  const shape: RequestShape = {
    path: url.pathname + url.search,
    method: options.method ?? 'GET',
    body: options.body,
  };
  const pool = new Pool(url.origin, {
    connections: options.connections ?? DEFAULT_CONNECTIONS,
    pipelining: 1,
  });
  const schedule = planSchedule({ ...options, startMs: performance.now() });
  const tally = new Tally(schedule);
  const outstanding = new Set<Promise<void>>();
  try {
    await runSchedule(schedule, (index) => {
      const dueMs = dueAtMs(schedule, index);
      const measured = isMeasured(schedule, index);
      if (measured) tally.issued(dueMs, performance.now());
      const pending = exchange(pool, shape, dueMs, timeoutMs).then((outcome) => {
        if (measured) tally.settled(outcome);
      });
      outstanding.add(pending);
      void pending.finally(() => outstanding.delete(pending));
    });
    // Each exchange settles by its due time + timeoutMs, so this wait is bounded.
    await Promise.all(outstanding);
  } finally {
    // Every outcome is decided: what undici still holds (aborted requests waiting for a connection) can go.
    await pool.destroy();
  }
  return tally.result(options);
}

/**
 * Issue each request once its due time has passed. Every tick issues all that are due, so a late timer
 * catches up instead of dropping requests, then yields so responses are read between batches.
 */
function runSchedule(schedule: Schedule, issue: (index: number) => void): Promise<void> {
  return new Promise((resolve) => {
    let next = 0;
    const tick = (): void => {
      const due = dueBy(schedule, performance.now());
      while (next < due) issue(next++);
      if (next >= schedule.total) return resolve();
      const wait = dueAtMs(schedule, next) - performance.now();
      // Behind already: go on after this turn's I/O rather than sleeping the 1 ms setTimeout's minimum.
      if (wait <= 0) setImmediate(tick);
      else setTimeout(tick, Math.ceil(wait));
    };
    tick();
  });
}

/**
 * One request and its outcome. The timeout runs from the due time, like the latency: a request that spent
 * its whole allowance in undici's queue has timed out. It is decided here when the timer fires, not when
 * undici gets round to failing the aborted request (which, queued behind hung connections, can be later).
 */
function exchange(pool: Pool, shape: RequestShape, dueMs: number, timeoutMs: number): Promise<Outcome> {
  const controller = new AbortController();
  return new Promise<Outcome>((resolve) => {
    const timer = setTimeout(
      () => {
        resolve(TIMED_OUT);
        controller.abort();
      },
      Math.max(1, Math.round(dueMs + timeoutMs - performance.now())),
    );
    respond(pool, shape, controller.signal, dueMs).then(
      (outcome) => {
        clearTimeout(timer);
        resolve(outcome);
      },
      () => {
        clearTimeout(timer);
        resolve(controller.signal.aborted ? TIMED_OUT : FAILED);
      },
    );
  });
}

async function respond(
  pool: Pool,
  shape: RequestShape,
  signal: AbortSignal,
  dueMs: number,
): Promise<Outcome> {
  const { statusCode, body } = await pool.request({ ...shape, signal });
  // Read the body to its end (body.dump() gives up past 128 KiB and closes the connection): a response
  // counts once it is whole, and the connection goes back to the pool for the next request.
  body.resume();
  await finished(body);
  return { kind: 'response', status: statusCode, ms: performance.now() - dueMs };
}

/** The measured window's counts and latencies as its requests are issued and settle. */
class Tally {
  private sent = 0;
  private timeouts = 0;
  private errors = 0;
  private maxLagMs = 0;
  private lastIssueMs = Number.NaN;
  private readonly all = new LatencyRecorder();
  private readonly byStatus = new Map<number, LatencyRecorder>();

  constructor(private readonly schedule: Schedule) {}

  issued(dueMs: number, issuedMs: number): void {
    this.sent++;
    this.maxLagMs = Math.max(this.maxLagMs, issuedMs - dueMs);
    this.lastIssueMs = issuedMs;
  }

  settled(outcome: Outcome): void {
    switch (outcome.kind) {
      case 'response': {
        this.all.record(outcome.ms);
        let recorder = this.byStatus.get(outcome.status);
        if (!recorder) this.byStatus.set(outcome.status, (recorder = new LatencyRecorder()));
        recorder.record(outcome.ms);
        break;
      }
      case 'timeout':
        this.timeouts++;
        break;
      case 'error':
        this.errors++;
        break;
    }
  }

  result(options: OpenLoopOptions): OpenLoopResult {
    const statuses = [...this.byStatus].sort(([a], [b]) => a - b);
    return {
      rate: options.rate,
      durationSeconds: options.durationSeconds,
      sent: this.sent,
      completed: this.all.count,
      achievedRate: this.achievedRate(),
      maxLagMs: this.maxLagMs,
      byStatus: Object.fromEntries(statuses.map(([status, recorder]) => [String(status), recorder.count])),
      timeouts: this.timeouts,
      errors: this.errors,
      latency: this.all.summary(),
      latencyByStatus: Object.fromEntries(
        statuses.map(([status, recorder]) => [String(status), recorder.summary()]),
      ),
      percentiles: CHART_PERCENTILES.map((percentile) => ({
        percentile,
        ms: this.all.percentile(percentile),
      })),
    };
  }

  /**
   * Each request owns one slot of 1 / rate seconds: the window runs from the first measured due time to the
   * last issue plus one slot, so a generator that kept up shows exactly the rate and one that fell behind,
   * stretching the window, shows less.
   */
  private achievedRate(): number {
    if (this.sent === 0) return 0;
    const slotMs = 1000 / this.schedule.rate;
    const windowMs = this.lastIssueMs - dueAtMs(this.schedule, this.schedule.warmup) + slotMs;
    return this.sent / (windowMs / 1000);
  }
}
