import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import type { ServiceProcess } from '../../helpers/service-process.js';
import { fixtureSite, testHandlers, writeConfig } from '../../helpers/system.js';
import type { LoadResult, LoadSpec } from './load-client.js';
import { SimulatedHosts, type Machine } from './simulated-hosts.js';

export const LISTENER_PORT = 8080;
export const POOL = 'Main';

export interface ScaleOptions {
  hosts: number;
  /** The machines that run a listener. */
  listeners: Machine[];
  /** The machines that run a pool host for POOL. */
  poolHosts: Machine[];
  /** POOL's settings (processModel, queueLength, ...). */
  pool?: Record<string, unknown>;
  /** Extra environment for every service. */
  env?: Record<string, string>;
}

/**
 * w3pool spread over simulated machines: Redis and WAS on `redis`, listeners and pool hosts on the host
 * machines as the options place them, one site on *:8080 whose whole URL space runs in POOL.
 */
export class ScaleSystem {
  readonly listeners = new Map<Machine, ServiceProcess>();
  readonly poolHosts = new Map<Machine, ServiceProcess>();
  redis!: ServiceProcess;
  was!: ServiceProcess;
  private configDir = '';
  private env: NodeJS.ProcessEnv = {};

  private constructor(readonly net: SimulatedHosts) {}

  static async start(options: ScaleOptions): Promise<ScaleSystem> {
    const system = new ScaleSystem(await SimulatedHosts.create(options.hosts));
    try {
      await system.boot(options);
      return system;
    } catch (error) {
      await system.stop();
      throw error;
    }
  }

  get redisUrl(): string {
    return `redis://${this.net.address('redis')}:6379`;
  }

  listenerUrl(machine: Machine): string {
    return `http://${this.net.address(machine)}:${LISTENER_PORT}`;
  }

  async startListener(machine: Machine): Promise<ServiceProcess> {
    const listener = this.net.node(machine, 'listener', ['services/listener/dist/main.js'], this.env);
    this.listeners.set(machine, listener);
    await listener.waitForLine(/listener ready/);
    return listener;
  }

  async startPoolHost(machine: Machine): Promise<ServiceProcess> {
    const host = this.net.node(
      machine,
      'pool-host',
      ['services/worker/dist/main.js', '--pool', POOL],
      this.env,
    );
    this.poolHosts.set(machine, host);
    await host.waitForLine(/worker process ready/);
    return host;
  }

  /** Run load from the client machine; resolves with its result once every request has ended. */
  async load(spec: Omit<LoadSpec, 'targets'> & { targets: Machine[] }): Promise<LoadResult> {
    const client = this.net.node('client', 'load', ['test/dist/scale/harness/load-client.js'], {
      LOAD_SPEC: JSON.stringify({ ...spec, targets: spec.targets.map((m) => this.listenerUrl(m)) }),
    });
    const line = await client.waitForLine(/^load \{/, spec.durationMs + spec.requestTimeoutMs + 30_000);
    return JSON.parse(line.slice('load '.length)) as LoadResult;
  }

  /** Run redis-cli on the Redis machine against the system's Redis; resolves with its output lines. */
  async redisCli(...args: string[]): Promise<string[]> {
    const cli = this.net.start('redis', 'redis-cli', 'redis-cli', ['-h', this.net.address('redis'), ...args]);
    const { code } = await cli.exited;
    if (code !== 0) throw new Error(`redis-cli ${args.join(' ')} failed: ${cli.output()}`);
    return cli.lines;
  }

  /** Requests in flight per queue consumer of POOL, as Redis records them. */
  async inFlightByConsumer(): Promise<Map<string, number>> {
    const keys = await this.redisCli('--scan', '--pattern', `w3pool:{${POOL}}:inflight:*`);
    const counts = new Map<string, number>();
    for (const key of keys) counts.set(key.split(':').pop()!, Number((await this.redisCli('HLEN', key))[0]));
    return counts;
  }

  /** How many answers each machine's worker processes gave, from a load's `workers` (`Main/<pid>`). */
  async machinesOf(workers: Record<string, number>): Promise<Map<Machine, number>> {
    const byMachine = new Map<Machine, number>();
    for (const machine of this.net.hostMachines) {
      const pids = new Set(await this.net.pids(machine));
      for (const [label, count] of Object.entries(workers))
        if (pids.has(Number(label.split('/').pop())))
          byMachine.set(machine, (byMachine.get(machine) ?? 0) + count);
    }
    return byMachine;
  }

  async stop(): Promise<void> {
    await this.net.destroy();
    if (this.configDir) await rm(this.configDir, { recursive: true, force: true });
  }

  private async boot(options: ScaleOptions): Promise<void> {
    const redisAddress = this.net.address('redis');
    this.redis = this.net.start('redis', 'redis', 'redis-server', [
      '--port',
      '6379',
      '--bind',
      redisAddress,
      '--protected-mode',
      'no',
      '--save',
      '',
      '--appendonly',
      'no',
    ]);
    await this.redis.waitForLine(/Ready to accept connections/);
    const { file, dir } = await writeConfig(siteConfig(options.pool ?? {}));
    this.configDir = dir;
    this.env = {
      REDIS_URL: this.redisUrl,
      W3POOL_ADMIN_TOKEN: randomBytes(24).toString('base64url'),
      W3POOL_WAS_HOST: redisAddress,
      ...options.env,
    };
    this.was = this.net.node('redis', 'was', ['services/was/dist/main.js', '--config', file], this.env);
    await this.was.waitForLine(/WAS ready/);
    await Promise.all([
      ...options.listeners.map((machine) => this.startListener(machine)),
      ...options.poolHosts.map((machine) => this.startPoolHost(machine)),
    ]);
  }
}

function siteConfig(pool: Record<string, unknown>) {
  return {
    applicationPools: [{ name: POOL, startMode: 'AlwaysRunning', ...pool }],
    sites: [
      {
        name: 'Scale',
        id: 1,
        bindings: [{ protocol: 'http', bindingInformation: `*:${LISTENER_PORT}:` }],
        applications: [
          {
            path: '/',
            applicationPool: POOL,
            virtualDirectories: [{ path: '/', physicalPath: fixtureSite }],
          },
        ],
      },
    ],
    webServer: { handlers: testHandlers() },
  };
}
