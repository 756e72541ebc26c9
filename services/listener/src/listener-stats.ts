import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { listenerPresenceKey } from '@w3pool/protocol';
import type { CacheCounters } from './response-cache.js';
import { RequestTraffic } from './request-traffic.js';

const REFRESH_MS = 2000;
const TTL_MS = 10_000;

/** The listener's counters: the analogue of the HTTP Service and HTTP Service Request Queues counters. */
export class ListenerStats {
  requests = 0;
  queued = 0;
  queueFull = 0;
  queueTimeouts = 0;
  clientResets = 0;
  /** Requests the queue lost (Redis came back without them), answered 503 Connection_Abandoned_By_ReqQueue. */
  abandoned = 0;
  /** Rejections by HTTPERR s-reason. */
  readonly rejected: Record<string, number> = {};
  /** Open client connections by site id (IIS's per-site Current Connections), for limits.maxConnections. */
  readonly siteConnections: Record<number, number> = {};
  /** Requests by site, pool and status class, and latency histograms (WAS's GET /metrics). */
  readonly traffic = new RequestTraffic();
}

/**
 * Publishes this listener's presence and counters in Redis, refreshed every 2 s with a 10 s lifetime: WAS
 * reads them for the admin API, and workers read the key's existence to skip requests of a dead listener.
 */
export class ListenerPresenceWriter {
  private timer: NodeJS.Timeout | undefined;
  /** The runtime states this listener applies (RuntimeStates.appliedSince); 0 until connected. */
  statesSince: () => number = () => 0;

  constructor(
    private readonly redis: Redis,
    private readonly listenerId: string,
    private readonly stats: ListenerStats,
    private readonly cache: CacheCounters,
    private readonly endpoints: () => string[],
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    await this.write();
    this.timer = setInterval(() => {
      this.write().catch((error: unknown) => this.log.warn({ err: error }, 'presence not refreshed'));
    }, REFRESH_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.redis.del(listenerPresenceKey(this.listenerId)).catch(() => undefined);
  }

  /** At once rather than at the next refresh: after a state change, so WAS sees it acknowledged. */
  refreshNow(): void {
    this.write().catch((error: unknown) => this.log.warn({ err: error }, 'presence not refreshed'));
  }

  private async write(): Promise<void> {
    const key = listenerPresenceKey(this.listenerId);
    const { rejected, traffic, siteConnections, ...counters } = this.stats;
    await this.redis
      .multi()
      .hset(key, {
        pid: process.pid,
        updatedAt: Date.now(),
        endpoints: JSON.stringify(this.endpoints()),
        statesSince: this.statesSince(),
        ...counters,
        ...this.cache,
        rejected: JSON.stringify(rejected),
        siteConnections: JSON.stringify(siteConnections),
        traffic: JSON.stringify(traffic.snapshot()),
      })
      .pexpire(key, TTL_MS)
      .exec();
  }
}
