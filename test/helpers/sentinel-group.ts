import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';
import { ServiceProcess } from './service-process.js';
import { eventually, type SystemRedis } from './system.js';

export const MASTER_NAME = 'w3pool';

/**
 * A Redis Sentinel deployment for one suite, on loopback and ephemeral ports: a primary, a replica and
 * three sentinels (quorum 2), nothing persisted. `url` is the redis+sentinel:// URL the services are given.
 */
export interface SentinelGroup extends SystemRedis {
  /** The ports of the data nodes, primary first as started. */
  readonly dataPorts: number[];
  /** The port of the node the sentinels name as primary now. */
  primaryPort(): Promise<number>;
  /**
   * SIGKILL the primary and resolve once the sentinels name the replica instead, with the time that took
   * (from the kill to the sentinels' answer).
   */
  killPrimary(): Promise<{ failoverMs: number; newPrimaryPort: number }>;
}

/** Fast detection, for tests: a primary silent for 1 s is down; a failover may take 10 s. */
const SENTINEL_TIMINGS = [
  `sentinel down-after-milliseconds ${MASTER_NAME} 1000`,
  `sentinel failover-timeout ${MASTER_NAME} 10000`,
  `sentinel parallel-syncs ${MASTER_NAME} 1`,
];

export async function startSentinelGroup(): Promise<SentinelGroup> {
  const dir = await mkdtemp(join(tmpdir(), 'w3pool-sentinel-'));
  const nodes = new Map<number, ServiceProcess>();
  const all: ServiceProcess[] = [];
  const launch = async (name: string, args: string[], ready: RegExp) => {
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const proc = new ServiceProcess(name, child);
    all.push(proc);
    await proc.waitForLine(ready, 15_000);
    return proc;
  };
  // --dir: a replica's full sync writes an RDB file, which must land in the suite's directory.
  const dataArgs = (port: number) => [
    ...['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    ...['--dir', dir, '--dbfilename', `dump-${port}.rdb`],
  ];
  try {
    const primaryPort = await freePort();
    nodes.set(
      primaryPort,
      await launch(`redis:${primaryPort}`, dataArgs(primaryPort), /Ready to accept connections/),
    );
    const replicaPort = await freePort();
    nodes.set(
      replicaPort,
      await launch(
        `redis:${replicaPort}`,
        [...dataArgs(replicaPort), '--replicaof', '127.0.0.1', String(primaryPort)],
        /MASTER <-> REPLICA sync: Finished with success/,
      ),
    );
    const sentinelPorts: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      const port = await freePort();
      const conf = join(dir, `sentinel-${port}.conf`);
      // Sentinel rewrites its configuration file as it learns the topology, so each has its own.
      await writeFile(
        conf,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${primaryPort} 2`,
          ...SENTINEL_TIMINGS,
        ].join('\n') + '\n',
      );
      await launch(`sentinel:${port}`, [conf, '--sentinel'], /\+monitor master/);
      sentinelPorts.push(port);
    }
    const sentinel = new Redis({ port: sentinelPorts[0]!, host: '127.0.0.1', lazyConnect: true });
    await sentinel.connect();
    // A failover needs the sentinels to know the replica and each other (they meet through the primary's
    // hello channel, every 2 s).
    await eventually(
      async () => {
        const replicas = (await sentinel.call('SENTINEL', 'REPLICAS', MASTER_NAME)) as unknown[];
        const peers = (await sentinel.call('SENTINEL', 'SENTINELS', MASTER_NAME)) as unknown[];
        return replicas.length === 1 && peers.length === 2 ? true : undefined;
      },
      'the sentinels to know the replica and each other',
      20_000,
    );
    const primaryPortNow = async () => {
      const [, port] = (await sentinel.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER_NAME)) as [
        string,
        string,
      ];
      return Number(port);
    };
    const stop = async () => {
      sentinel.disconnect();
      await Promise.all(all.map((proc) => proc.stop('SIGKILL')));
      await rm(dir, { recursive: true, force: true });
    };
    const hosts = sentinelPorts.map((port) => `127.0.0.1:${port}`).join(',');
    return {
      url: `redis+sentinel://${hosts}/${MASTER_NAME}`,
      dataPorts: [primaryPort, replicaPort],
      primaryPort: primaryPortNow,
      killPrimary: async () => {
        const before = await primaryPortNow();
        const killedAt = Date.now();
        await nodes.get(before)!.stop('SIGKILL');
        const after = await eventually(
          async () => {
            const port = await primaryPortNow();
            return port !== before ? port : undefined;
          },
          'the sentinels to promote the replica',
          30_000,
        );
        return { failoverMs: Date.now() - killedAt, newPrimaryPort: after };
      },
      stop,
      [Symbol.asyncDispose]: stop,
    };
  } catch (error) {
    await Promise.all(all.map((proc) => proc.stop('SIGKILL')));
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
