/** The part of a logger (pino's) that ThrottledLog needs. */
export interface WarnLogger {
  warn(fields: object, message: string): void;
}

/**
 * At most one line per kind of event per interval, carrying how many like it were not logged since: an
 * outage or an overload refuses thousands of requests a second, and a line per request would bury the log
 * an administrator reads exactly then. Counters keep the totals.
 */
export class ThrottledLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly log: WarnLogger,
    private readonly intervalMs = 5000,
  ) {}

  warn(kind: string, fields: object, message: string, now = Date.now()): void {
    const entry = this.last.get(kind);
    if (entry && now - entry.at < this.intervalMs) {
      entry.suppressed += 1;
      return;
    }
    const suppressed = entry?.suppressed ?? 0;
    this.log.warn(suppressed > 0 ? { ...fields, alsoSinceLastLine: suppressed } : fields, message);
    this.last.set(kind, { at: now, suppressed: 0 });
  }
}
