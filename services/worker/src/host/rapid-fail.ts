/** One worker failure, as rapid-fail protection counts it. */
export interface Failure {
  at: number;
  pid: number;
  reason: string;
}

/**
 * Rapid-fail protection's window: `maxCrashes` failures within `intervalMs` trip it. Counted failures are
 * crashes, workers killed for not answering pings, and workers that missed startupTimeLimit: IIS counts only
 * crashes, and its users complain that a worker that fails gracefully at startup never trips it.
 */
export class RapidFailWindow {
  private failures: Failure[] = [];

  constructor(
    private intervalMs: number,
    private maxCrashes: number,
  ) {}

  configure(intervalMs: number, maxCrashes: number): void {
    this.intervalMs = intervalMs;
    this.maxCrashes = maxCrashes;
  }

  /** Record a failure; returns the failures in the window when they reach the limit. */
  record(failure: Failure): Failure[] | undefined {
    this.failures = this.failures.filter((f) => failure.at - f.at < this.intervalMs);
    this.failures.push(failure);
    return this.failures.length >= this.maxCrashes ? [...this.failures] : undefined;
  }

  reset(): void {
    this.failures = [];
  }
}
