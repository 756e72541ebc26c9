/**
 * When to restart a service that died: at once is how a crash loop eats a machine, never is how one bad
 * moment stops the whole server. So the delay doubles with each death in a row (base, 2×base, 4×base, …,
 * up to max) and starts again from base once the service has stayed up for `stableMs`.
 */
export interface RestartPolicy {
  baseMs: number;
  maxMs: number;
  stableMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = { baseMs: 1000, maxMs: 30_000, stableMs: 60_000 };

export class RestartBackoff {
  private deaths = 0;

  constructor(private readonly policy: RestartPolicy = DEFAULT_RESTART_POLICY) {}

  /** The delay before restarting a service that ran for `uptimeMs` and died. */
  next(uptimeMs: number): number {
    if (uptimeMs >= this.policy.stableMs) this.deaths = 0;
    const delay = Math.min(this.policy.maxMs, this.policy.baseMs * 2 ** this.deaths);
    this.deaths += 1;
    return delay;
  }
}
