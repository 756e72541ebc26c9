/** http.sys's HTTP_LIMIT_INFINITE: the schema's default for maxBandwidth and maxGlobalBandwidth. */
export const UNLIMITED = 4294967295;
/** http.sys refuses a bandwidth limit below this (HTTP_MIN_ALLOWED_BANDWIDTH_THROTTLING_RATE). */
export const MIN_RATE = 1024;
/**
 * How far behind schedule a pace may fall and catch up at once: timers fire late, and a response that
 * waited on a slow socket should not lose its share for good. Small, so the measured rate stays within a
 * few percent of the limit.
 */
const CATCH_UP_MS = 100;

/**
 * A byte rate shared by everything that reserves from it (all responses of a site, or of the server):
 * virtual scheduling, the token bucket's equivalent. Each reservation says when its bytes may go; the
 * schedule advances by bytes / rate, so whatever the number of connections, their sum keeps to the rate.
 */
export class Pace {
  private nextAt = 0;

  constructor(readonly bytesPerSecond: number) {}

  /** Reserve `bytes` now; returns how many ms to wait before sending them. */
  reserve(bytes: number, now: number): number {
    const start = Math.max(this.nextAt, now - CATCH_UP_MS);
    this.nextAt = start + (bytes * 1000) / this.bytesPerSecond;
    return start > now ? start - now : 0;
  }
}

/** The pace for a configured limit, or undefined when it is unlimited; below 1024 B/s counts as 1024. */
export function paceFor(limit: number, existing?: Pace): Pace | undefined {
  if (limit >= UNLIMITED) return undefined;
  const rate = Math.max(MIN_RATE, limit);
  return existing?.bytesPerSecond === rate ? existing : new Pace(rate);
}
