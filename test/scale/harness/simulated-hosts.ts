import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { repoRoot, ServiceProcess } from '../../helpers/service-process.js';

const run = promisify(execFile);
const TOPOLOGY = `${repoRoot}/test/scale/topology.sh`;

/** A simulated machine: a network namespace on the suite's private bridge (test/scale/topology.sh). */
export type Machine = 'redis' | 'client' | `h${number}`;

/**
 * The namespaces of one suite and the processes it runs in them. Every process is started with
 * `ip netns exec`, so its sockets, its addresses and its loopback are the machine's own; a machine
 * reaches another only over the bridge, on 10.213.0.0/24, and nothing is routed beyond it.
 */
export class SimulatedHosts {
  private readonly processes: ServiceProcess[] = [];

  private constructor(
    readonly id: string,
    readonly hosts: number,
  ) {}

  static async create(hosts: number): Promise<SimulatedHosts> {
    if (process.getuid?.() !== 0)
      throw new Error('the scale-out suites make network namespaces (ip netns): run them as root');
    const id = randomBytes(3).toString('hex');
    await run(TOPOLOGY, ['up', id, String(hosts)]);
    return new SimulatedHosts(id, hosts);
  }

  namespace(machine: Machine): string {
    return `w3s${this.id}-${machine}`;
  }

  address(machine: Machine): string {
    if (machine === 'redis') return '10.213.0.2';
    if (machine === 'client') return '10.213.0.250';
    return `10.213.0.${10 + Number(machine.slice(1))}`;
  }

  /** The host machines, h1 .. hN. */
  get hostMachines(): Machine[] {
    return Array.from({ length: this.hosts }, (_, i) => `h${i + 1}` as Machine);
  }

  /** Run `command` on `machine`, its output collected (and shown on failure) under `name`. */
  start(
    machine: Machine,
    name: string,
    command: string,
    args: string[],
    env: NodeJS.ProcessEnv = {},
  ): ServiceProcess {
    const child = spawn('ip', ['netns', 'exec', this.namespace(machine), command, ...args], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const proc = new ServiceProcess(`${name}@${machine}`, child);
    this.processes.push(proc);
    return proc;
  }

  /** A w3pool service (its dist/main.js and arguments) on `machine`. */
  node(machine: Machine, name: string, args: string[], env: NodeJS.ProcessEnv = {}): ServiceProcess {
    return this.start(machine, name, process.execPath, args, env);
  }

  /** Every process of the machine, and only of it (ip netns pids). */
  async pids(machine: Machine): Promise<number[]> {
    const { stdout } = await run('ip', ['netns', 'pids', this.namespace(machine)]);
    return stdout.split('\n').filter(Boolean).map(Number);
  }

  /** The machine dies: SIGKILL to every process in it at once, as a power cut would leave them. */
  async killMachine(machine: Machine): Promise<number[]> {
    const pids = await this.pids(machine);
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Exited on its own meanwhile.
      }
    }
    return pids;
  }

  /** Take the machine's link to the bridge down (a cable pulled), or up again. */
  async link(machine: Machine, state: 'up' | 'down'): Promise<void> {
    await run('ip', ['-n', this.namespace(machine), 'link', 'set', 'eth0', state]);
  }

  /**
   * Cut `machine` off from `peer` alone (a partition): the machine's packets to it are dropped, and so
   * are the peer's to it, while the rest of the network works. `false` heals it.
   */
  async partition(machine: Machine, peer: Machine, cut: boolean): Promise<void> {
    const verb = cut ? 'add' : 'del';
    await run('ip', ['-n', this.namespace(machine), 'route', verb, 'blackhole', `${this.address(peer)}/32`]);
    await run('ip', ['-n', this.namespace(peer), 'route', verb, 'blackhole', `${this.address(machine)}/32`]);
  }

  /** Stop everything and delete the namespaces. */
  async destroy(): Promise<void> {
    await Promise.all(this.processes.map((proc) => proc.stop('SIGKILL')));
    await run(TOPOLOGY, ['down', this.id]);
  }
}
