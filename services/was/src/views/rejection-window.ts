import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { W3poolConfig } from '@w3pool/config';
import { PoolQueue } from '@w3pool/pool-queue';

/** How often the counters are sampled: well inside the 10 s the queue keeps its per-second arrivals. */
const SAMPLE_MS = 5_000;
/** The window the rate covers. */
const WINDOW_MS = 60_000;

interface Sample {
  at: number;
  arrivals: number;
  rejected: number;
}

interface PoolTrack {
  /** The last whole second whose arrivals were counted. */
  lastSecond: number;
  /** RejectedRequests at the last sample (the queue's counter since Redis started). */
  rejectedTotal: number;
  samples: Sample[];
}

export interface RejectionFigures {
  /** Requests refused with 503.2 QueueFull over the last minute (as far as WAS has sampled it). */
  rejectedLastMinute: number;
  /** Requests offered over the last minute: admitted (arrivals) plus refused. */
  offeredLastMinute: number;
  /** rejectedLastMinute / offeredLastMinute, 0 when nothing was offered. */
  RejectionRate: number;
}

/**
 * The rejection rate of each pool over the last minute: refused / (admitted + refused). The queue keeps a
 * total of refusals (RejectedRequests) and admissions per second for 10 s only, so WAS samples both every
 * 5 s (the new whole seconds' arrivals and the growth of the refusals) and sums the last minute's samples.
 * A Redis that restarted (the total went down) starts the count again.
 */
export class RejectionWindow {
  private readonly pools = new Map<string, PoolTrack>();
  private timer: NodeJS.Timeout | undefined;
  private sampling: Promise<void> | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly config: () => W3poolConfig | undefined,
    private readonly log: Logger,
  ) {}

  start(): void {
    const tick = () => {
      this.sampling ??= this.sample()
        .catch((error: unknown) => this.log.debug({ err: error }, 'rejection rate not sampled'))
        .finally(() => (this.sampling = undefined));
    };
    tick();
    this.timer = setInterval(tick, SAMPLE_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  figures(pool: string, now = Date.now()): RejectionFigures {
    const samples = (this.pools.get(pool)?.samples ?? []).filter((s) => s.at > now - WINDOW_MS);
    const rejected = samples.reduce((sum, s) => sum + s.rejected, 0);
    const offered = rejected + samples.reduce((sum, s) => sum + s.arrivals, 0);
    return {
      rejectedLastMinute: rejected,
      offeredLastMinute: offered,
      RejectionRate: offered === 0 ? 0 : Math.round((rejected / offered) * 10_000) / 10_000,
    };
  }

  private async sample(now = Date.now()): Promise<void> {
    const config = this.config();
    if (!config) return;
    const second = Math.floor(now / 1000) - 1; // the last whole second
    const names = new Set(config.applicationPools.map((p) => p.name));
    for (const name of this.pools.keys()) if (!names.has(name)) this.pools.delete(name);
    for (const name of names) {
      const queue = new PoolQueue(this.redis, name);
      const rejectedTotal = (await queue.stats(now)).RejectedRequests;
      const track = this.pools.get(name);
      if (!track) {
        // The first sample is the baseline: what came before WAS watched is not in the window.
        this.pools.set(name, { lastSecond: second, rejectedTotal, samples: [] });
        continue;
      }
      const from = Math.max(track.lastSecond + 1, second - 8);
      const arrivals = await queue.arrivalsBetween(from, second);
      const rejected =
        rejectedTotal >= track.rejectedTotal ? rejectedTotal - track.rejectedTotal : rejectedTotal;
      track.samples.push({ at: now, arrivals, rejected });
      track.samples = track.samples.filter((s) => s.at > now - WINDOW_MS);
      track.lastSecond = second;
      track.rejectedTotal = rejectedTotal;
    }
  }
}
