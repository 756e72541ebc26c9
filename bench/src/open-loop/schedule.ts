/**
 * The open-loop schedule: request i is due at start + i / rate seconds, whatever happened to the requests
 * before it. The due time, not the moment the request could actually be sent, is where its latency starts,
 * so a stalled server is charged for the requests it kept waiting (no coordinated omission).
 */
export interface Schedule {
  /** performance.now() of request 0's due time. */
  startMs: number;
  /** Requests per second. */
  rate: number;
  /** Leading requests sent at the same rate but not recorded. */
  warmup: number;
  /** Warm-up and measured requests together. */
  total: number;
}

export interface ScheduleOptions {
  startMs: number;
  rate: number;
  durationSeconds: number;
  warmupSeconds?: number;
}

/**
 * How many requests fall due in `seconds` at `rate`: the i with i / rate < seconds. Products that are whole
 * numbers but for float noise (0.1 × 30) count as whole, so 400 req/s over 2 s is exactly 800.
 */
export function requestsIn(rate: number, seconds: number): number {
  if (!(rate > 0) || !(seconds > 0)) return 0;
  const exact = rate * seconds;
  const whole = Math.round(exact);
  return Math.abs(exact - whole) < 1e-9 * Math.max(1, exact) ? whole : Math.ceil(exact);
}

/** The warm-up comes first, then the measured window, on one unbroken schedule. */
export function planSchedule(options: ScheduleOptions): Schedule {
  if (!(options.rate > 0) || !Number.isFinite(options.rate)) throw new RangeError('rate must be > 0');
  if (!(options.durationSeconds > 0)) throw new RangeError('durationSeconds must be > 0');
  const warmup = requestsIn(options.rate, options.warmupSeconds ?? 0);
  const measured = requestsIn(options.rate, options.durationSeconds);
  return { startMs: options.startMs, rate: options.rate, warmup, total: warmup + measured };
}

/** performance.now() at which request `index` is due. */
export function dueAtMs(schedule: Schedule, index: number): number {
  return schedule.startMs + (index * 1000) / schedule.rate;
}

/**
 * How many requests are due by `nowMs` (due time ≤ now), at most `total`. The arithmetic estimate is
 * corrected against dueAtMs so the two never disagree at a boundary: a tick exactly on a due time issues it.
 */
export function dueBy(schedule: Schedule, nowMs: number): number {
  if (nowMs < schedule.startMs) return 0;
  let count = Math.min(schedule.total, Math.floor(((nowMs - schedule.startMs) * schedule.rate) / 1000) + 1);
  while (count < schedule.total && dueAtMs(schedule, count) <= nowMs) count++;
  while (count > 0 && dueAtMs(schedule, count - 1) > nowMs) count--;
  return count;
}

/** Whether request `index` belongs to the measured window rather than the warm-up. */
export function isMeasured(schedule: Schedule, index: number): boolean {
  return index >= schedule.warmup && index < schedule.total;
}
