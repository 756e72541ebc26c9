/** URLs tracked at once; past it the oldest is forgotten (and starts counting again if it comes back). */
const MAX_TRACKED = 10_000;

/**
 * serverRuntime frequentHitThreshold / frequentHitTimePeriod: a URL is "frequently hit" once it was
 * requested `threshold` times within `periodMs` of its first counted hit. The same rule as the listener's
 * response cache applies before it keeps a response; IIS's static compression applies it before it
 * compresses a file.
 */
export class FrequentHits {
  private readonly seen = new Map<string, { count: number; since: number }>();

  constructor(
    private readonly threshold: number,
    private readonly periodMs: number,
  ) {}

  /** Count a hit; true when the URL is frequently hit now (this hit included). */
  hit(key: string, now = Date.now()): boolean {
    const entry = this.seen.get(key);
    if (!entry || now - entry.since > this.periodMs) {
      this.seen.delete(key);
      this.seen.set(key, { count: 1, since: now });
      if (this.seen.size > MAX_TRACKED) this.seen.delete(this.seen.keys().next().value as string);
      return this.threshold <= 1;
    }
    entry.count += 1;
    return entry.count >= this.threshold;
  }
}
