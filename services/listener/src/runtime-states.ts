import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ApplicationPool, Site } from '@w3pool/config';
import {
  POOL_STATE_KEY,
  SITE_STATE_KEY,
  STATE_CHANNEL,
  parseRuntimeState,
  type RuntimeState,
  type StopReason,
} from '@w3pool/protocol';
import type { Subscriptions } from './subscriptions.js';

/**
 * Which pools and sites are stopped, as WAS (an administrator, or rapid-fail protection) recorded it in
 * Redis; without a record, the configuration's autoStart/serverAutoStart decides. Kept in memory and
 * refreshed on every change notice, so a request never waits on it.
 */
export class RuntimeStates {
  private pools = new Map<string, RuntimeState>();
  private sites = new Map<string, RuntimeState>();
  private readonly listeners: (() => void)[] = [];
  /**
   * The newest `since` among the states read: reported in the presence hash (statesSince), so that WAS
   * can answer a stop once every listener has applied it (acknowledged actions, docs/admin-api.md).
   */
  appliedSince = 0;

  constructor(
    private readonly redis: Redis,
    private readonly log: Logger,
  ) {}

  async start(subscriptions: Subscriptions): Promise<void> {
    await subscriptions.subscribe(STATE_CHANNEL, () => {
      this.refresh().catch((error: unknown) => this.log.error({ err: error }, 'runtime state not read'));
    });
    await this.refresh();
  }

  async refresh(): Promise<void> {
    const [pools, sites] = await Promise.all([
      this.redis.hgetall(POOL_STATE_KEY),
      this.redis.hgetall(SITE_STATE_KEY),
    ]);
    this.pools = parseAll(pools);
    this.sites = parseAll(sites);
    this.appliedSince = Math.max(0, ...[...this.pools.values(), ...this.sites.values()].map((s) => s.since));
    for (const listener of this.listeners) listener();
  }

  /** Called after every refresh, so that requests already queued for a pool that stopped get their 503. */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Why the pool cannot take requests, or undefined when it is started. */
  poolStopped(pool: ApplicationPool): StopReason | undefined {
    const recorded = this.pools.get(pool.name);
    if (recorded) return recorded.state === 'Stopped' ? (recorded.reason ?? 'Disabled') : undefined;
    return pool.autoStart ? undefined : 'Disabled';
  }

  siteStopped(site: Site): boolean {
    const recorded = this.sites.get(String(site.id));
    if (recorded) return recorded.state === 'Stopped';
    return !site.serverAutoStart;
  }
}

function parseAll(hash: Record<string, string>): Map<string, RuntimeState> {
  const states = new Map<string, RuntimeState>();
  for (const [name, json] of Object.entries(hash)) {
    const state = parseRuntimeState(json);
    if (state) states.set(name, state);
  }
  return states;
}
