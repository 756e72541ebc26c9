// rapidFailsPerMinute: process failures (a crash, an exit in the middle of a request, a start that failed)
// counted over the last minute. Once the count reaches the limit, the application is refused until the
// oldest of those failures is a minute old. 0 turns the protection off.

const MINUTE_MS = 60_000;

export class RapidFailCounter {
  private failures: number[] = [];

  constructor(
    private readonly limit: number,
    private readonly now: () => number,
  ) {}

  record(): void {
    this.failures.push(this.now());
    this.prune();
  }

  get tripped(): boolean {
    this.prune();
    return this.limit > 0 && this.failures.length >= this.limit;
  }

  /** When a tripped counter lets requests in again (ms since the epoch). */
  get refusedUntil(): number {
    this.prune();
    const index = this.failures.length - this.limit;
    return index >= 0 ? this.failures[index]! + MINUTE_MS : this.now();
  }

  private prune(): void {
    const since = this.now() - MINUTE_MS;
    while (this.failures.length > 0 && this.failures[0]! <= since) this.failures.shift();
  }
}
