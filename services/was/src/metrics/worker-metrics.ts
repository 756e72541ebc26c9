import { ScrapedMetric, type Sample } from './scraped-metric.js';
import type { RuntimeSnapshot } from './runtime-snapshot.js';

/** Worker failures counted under w3pool_worker_failures_total (the pool host's event kinds). */
const FAILURE_KINDS = new Set(['Crash', 'StartupFailure', 'PingFailure', 'Orphaned']);
/** Background job states shown (BullMQ's counts). */
const JOB_STATES = ['waiting', 'active', 'completed', 'failed', 'delayed'] as const;

/** APP_POOL_WAS counters, from the pool hosts' worker records and event counts; background jobs. */
export function workerMetrics(s: () => RuntimeSnapshot): ScrapedMetric[] {
  return [
    new ScrapedMetric(
      'w3pool_worker_processes',
      'Worker processes by application pool and state (Current Worker Processes).',
      'gauge',
      () => {
        const counts = new Map<string, Sample>();
        for (const w of s().workers) {
          const key = `${w.pool}\t${w.state}`;
          const sample = counts.get(key) ?? { labels: { pool: w.pool, state: w.state }, value: 0 };
          sample.value += 1;
          counts.set(key, sample);
        }
        return [...counts.values()];
      },
    ),
    eventCounter(
      'w3pool_worker_recycles_total',
      'Worker process recycles by reason (Total Application Pool Recycles; reasons as logEventOnRecycle names them).',
      s,
      (kind) => kind === 'Recycle',
      true,
    ),
    eventCounter(
      'w3pool_worker_failures_total',
      'Worker processes that failed, by kind: Crash, StartupFailure, PingFailure, Orphaned (Total Worker Process Failures, ... Startup Failures, ... Ping Failures).',
      s,
      (kind) => FAILURE_KINDS.has(kind),
      false,
    ),
    eventCounter(
      'w3pool_rapid_fail_stops_total',
      'Times rapid-fail protection stopped the application pool (WAS event 5002).',
      s,
      (kind) => kind === 'RapidFail',
    ),
    eventCounter(
      'w3pool_worker_idle_shutdowns_total',
      'Worker processes shut down after idleTimeout.',
      s,
      (kind) => kind === 'IdleTimeout',
    ),

    new ScrapedMetric(
      'w3pool_background_jobs',
      'Background jobs per application by state (BullMQ counts: waiting, active, completed, failed, delayed).',
      'gauge',
      () =>
        s().jobs.flatMap(({ pool, applications }) =>
          applications.flatMap((app) =>
            JOB_STATES.map((state) => ({
              labels: { pool, site: app.site, application: app.path, state },
              value: app.counts[state],
            })),
          ),
        ),
    ),
  ];
}

/**
 * A counter from the pool hosts' event counts. `byReason` true labels by the event's reason, false by its
 * kind, undefined by pool alone.
 */
function eventCounter(
  name: string,
  help: string,
  s: () => RuntimeSnapshot,
  matches: (kind: string) => boolean,
  byReason?: boolean,
): ScrapedMetric {
  return new ScrapedMetric(name, help, 'counter', () => {
    const sums = new Map<string, Sample>();
    for (const [field, count] of Object.entries(s().events)) {
      const [pool = '', kind = '', reason = ''] = field.split('\t');
      if (!matches(kind)) continue;
      const labels: Record<string, string> =
        byReason === undefined ? { pool } : byReason ? { pool, reason } : { pool, kind };
      const key = JSON.stringify(labels);
      const sample = sums.get(key) ?? { labels, value: 0 };
      sample.value += count;
      sums.set(key, sample);
    }
    return [...sums.values()];
  });
}
