import { Redis } from 'ioredis';

export interface CommandStat {
  calls: number;
  usec: number;
}

/** Commands the harness itself sends around a run; they are not the request path's. */
const HARNESS_COMMANDS = /^(info|config)(\||$)/;

/**
 * Redis's own account of the time it spent per command (INFO commandstats), reset before each measured run.
 * This is command execution only; the redis-server CPU from /proc adds the network and event-loop work.
 */
export class RedisStats {
  private constructor(private readonly redis: Redis) {}

  static async connect(url: string): Promise<RedisStats> {
    const redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
    await redis.connect();
    return new RedisStats(redis);
  }

  /** The redis-server's pid, so its CPU can be sampled from /proc. */
  async pid(): Promise<number> {
    const info = await this.redis.info('server');
    const pid = /^process_id:(\d+)/m.exec(info)?.[1];
    if (pid === undefined) throw new Error('INFO server has no process_id');
    return Number(pid);
  }

  async reset(): Promise<void> {
    await this.redis.config('RESETSTAT');
  }

  /** Every command since the last reset except the harness's INFO and CONFIG, by name. */
  async read(): Promise<Map<string, CommandStat>> {
    const text = await this.redis.info('commandstats');
    const stats = new Map<string, CommandStat>();
    // Redis 7 names subcommands with a bar: cmdstat_config|resetstat, cmdstat_pubsub|numsub.
    for (const match of text.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) {
      const [, name = '', calls = '0', usec = '0'] = match;
      if (HARNESS_COMMANDS.test(name)) continue;
      stats.set(name, { calls: Number(calls), usec: Number(usec) });
    }
    return stats;
  }

  close(): void {
    this.redis.disconnect();
  }
}

/** Sum of several runs' command stats. */
export function addCommandStats(runs: Map<string, CommandStat>[]): Map<string, CommandStat> {
  const total = new Map<string, CommandStat>();
  for (const run of runs) {
    for (const [name, stat] of run) {
      const sum = total.get(name) ?? { calls: 0, usec: 0 };
      total.set(name, { calls: sum.calls + stat.calls, usec: sum.usec + stat.usec });
    }
  }
  return total;
}
