import type { Redis } from 'ioredis';
import {
  EVENTS_STREAM,
  LISTENER_PRESENCE_PATTERN,
  WORKER_PROCESS_PATTERN,
  hostCommandChannel,
  POOL_STATE_KEY,
  SITE_STATE_KEY,
  STATE_CHANNEL,
  parseRuntimeState,
  type HostCommand,
  type RuntimeState,
  type StopReason,
} from '@w3pool/protocol';
import type { W3poolConfig } from '@w3pool/config';
import { PoolQueue } from '@w3pool/pool-queue';
import { RuntimeStateMirror, type StateHash } from './runtime-state-mirror.js';
import { Serial } from './serial.js';

/**
 * appcmd start/stop for pools and sites, recorded in Redis where every listener follows it, and the live
 * state an administrator reads back: each pool's state and queue depth, each listener's counters.
 * The states are mirrored in memory, so that a Redis that restarted empty gets them back (restoreState).
 */
export class RuntimeControl {
  private readonly mirror = new RuntimeStateMirror();
  // A state set while the mirror is being written back must land after it, not be overwritten by it.
  private readonly writes = new Serial();

  constructor(private readonly redis: Redis) {}

  /** At start: the states an earlier WAS recorded. */
  async loadState(): Promise<void> {
    await this.mirror.load(this.redis);
  }

  /** After Redis came back without them: every pool and site state WAS recorded, written back. */
  async restoreState(): Promise<{ pools: number; sites: number }> {
    return this.writes.run(() => this.mirror.restore(this.redis));
  }

  async setPool(
    name: string,
    state: RuntimeState['state'],
    reason: StopReason = 'Disabled',
  ): Promise<RuntimeState> {
    return this.set(POOL_STATE_KEY, name, state, reason);
  }

  /** appcmd recycle apppool: every pool host of the pool rotates its workers (overlapped). */
  async recyclePool(name: string): Promise<{ hosts: number }> {
    const command: HostCommand = { kind: 'recycle', reason: 'OnDemand' };
    return { hosts: await this.redis.publish(hostCommandChannel(name), JSON.stringify(command)) };
  }

  /** The newest events first (recycles, crashes, rapid-fail stops, idle shutdowns). */
  async events(count: number): Promise<Record<string, string>[]> {
    const entries = await this.redis.xrevrange(EVENTS_STREAM, '+', '-', 'COUNT', count);
    return entries.map(([id, fields]) => {
      const entry: Record<string, string> = { id };
      for (let i = 0; i + 1 < fields.length; i += 2) entry[fields[i]!] = fields[i + 1]!;
      return entry;
    });
  }

  /** appcmd list wp (and, with their requests, appcmd list requests). */
  async workerProcesses(): Promise<Record<string, unknown>[]> {
    return this.scanHashes(WORKER_PROCESS_PATTERN, ['requests']);
  }

  async setSite(id: number, state: RuntimeState['state']): Promise<RuntimeState> {
    return this.set(SITE_STATE_KEY, String(id), state);
  }

  /**
   * appcmd list apppool: each pool's state, and its queue's counters under the names of IIS's "HTTP Service
   * Request Queues" performance counters (CurrentQueueSize, MaxQueueItemAge in ms, ArrivalRate per second,
   * RejectedRequests), with who consumes it.
   */
  async pools(config: W3poolConfig) {
    const states = await this.redis.hgetall(POOL_STATE_KEY);
    const queues = await Promise.all(
      config.applicationPools.map((p) => new PoolQueue(this.redis, p.name).stats()),
    );
    return config.applicationPools.map((pool, i) => {
      const recorded = states[pool.name] ? parseRuntimeState(states[pool.name]!) : undefined;
      // Everything the queue reports but its pool's name, which `name` already says.
      const { pool: _name, ...counters } = queues[i]!;
      return {
        name: pool.name,
        state: recorded?.state ?? (pool.autoStart ? 'Started' : 'Stopped'),
        ...(recorded?.reason ? { reason: recorded.reason } : {}),
        queueLength: pool.queueLength,
        ...counters,
      };
    });
  }

  async sites(config: W3poolConfig) {
    const states = await this.redis.hgetall(SITE_STATE_KEY);
    return config.sites.map((site) => {
      const recorded = states[String(site.id)] ? parseRuntimeState(states[String(site.id)]!) : undefined;
      return {
        id: site.id,
        name: site.name,
        state: recorded?.state ?? (site.serverAutoStart ? 'Started' : 'Stopped'),
        bindings: site.bindings.map((b) => `${b.protocol}/${b.bindingInformation}`),
      };
    });
  }

  /** Every live listener and its counters. */
  async listeners(): Promise<Record<string, unknown>[]> {
    return this.scanHashes(LISTENER_PRESENCE_PATTERN, ['endpoints', 'rejected', 'siteConnections']);
  }

  /** Hashes under a key pattern (SCAN: an admin read, never on the request path); numbers parsed. */
  private async scanHashes(pattern: string, jsonFields: string[]): Promise<Record<string, unknown>[]> {
    const found: Record<string, unknown>[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 100);
      cursor = next;
      for (const key of keys) {
        const fields = await this.redis.hgetall(key);
        if (Object.keys(fields).length === 0) continue;
        const entry: Record<string, unknown> = { id: key.slice(pattern.length - 1) };
        for (const [name, value] of Object.entries(fields)) {
          const number = Number(value);
          entry[name] = jsonFields.includes(name)
            ? JSON.parse(value)
            : value !== '' && Number.isFinite(number)
              ? number
              : value;
        }
        found.push(entry);
      }
    } while (cursor !== '0');
    return found;
  }

  private async set(
    hash: StateHash,
    field: string,
    state: RuntimeState['state'],
    reason: StopReason = 'Disabled',
  ): Promise<RuntimeState> {
    const value: RuntimeState = { state, since: Date.now(), ...(state === 'Stopped' ? { reason } : {}) };
    const json = JSON.stringify(value);
    return this.writes.run(async () => {
      await this.redis.multi().hset(hash, field, json).publish(STATE_CHANNEL, hash).exec();
      // Only once Redis has it: a stop that answered 503 (Redis down) must not come back later.
      this.mirror.record(hash, field, json);
      return value;
    });
  }
}
