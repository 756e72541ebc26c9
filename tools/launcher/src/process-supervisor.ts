import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { RestartBackoff, type RestartPolicy } from './restart-backoff.js';

const COLORS = [36, 33, 35, 32, 34, 31];

/** What the supervisor does with a service that died on its own: restart it after `restartInMs`. */
export type UnexpectedExit = (
  name: string,
  code: number | null,
  signal: NodeJS.Signals | null,
  restartInMs: number,
) => void;

/**
 * Runs the services as child processes with prefixed output, restarts one that dies with backoff (as
 * compose's `restart: unless-stopped` does), and stops them all: SIGTERM, then SIGKILL for any still
 * running after the grace period, so that no process outlives the launcher.
 */
export class ProcessSupervisor {
  private readonly children = new Map<string, ChildProcess>();
  private readonly backoffs = new Map<string, RestartBackoff>();
  private readonly restarts = new Set<NodeJS.Timeout>();
  private colorIndex = 0;
  private stopping = false;

  constructor(
    private readonly cwd: string,
    private readonly onUnexpectedExit: UnexpectedExit,
    private readonly restartPolicy?: RestartPolicy,
  ) {}

  get pids(): Record<string, number | undefined> {
    return Object.fromEntries([...this.children].map(([name, child]) => [name, child.pid]));
  }

  start(name: string, command: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
    const child = spawn(command, args, {
      cwd: this.cwd,
      env: { ...process.env, ...env, W3POOL_EXIT_WITH_PARENT: '1' },
      // stdin is a pipe the services watch: if the launcher dies without cleaning up, they see EOF and exit.
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const startedAt = Date.now();
    this.children.set(name, child);
    this.prefix(name, child);
    child.once('exit', (code, signal) => {
      if (this.children.get(name) === child) this.children.delete(name);
      if (this.stopping) return;
      const backoff = this.backoffs.get(name) ?? new RestartBackoff(this.restartPolicy);
      this.backoffs.set(name, backoff);
      const delay = backoff.next(Date.now() - startedAt);
      this.onUnexpectedExit(name, code, signal, delay);
      const timer = setTimeout(() => {
        this.restarts.delete(timer);
        if (!this.stopping) this.start(name, command, args, env);
      }, delay);
      this.restarts.add(timer);
    });
    return child;
  }

  /** Stop one child, or all when no name is given; children are stopped in reverse start order. */
  async stop(names: string[] = [...this.children.keys()].reverse(), graceMs = 10_000): Promise<void> {
    this.stopping = true;
    for (const timer of this.restarts) clearTimeout(timer);
    this.restarts.clear();
    await Promise.all(names.map((name) => this.stopOne(name, graceMs)));
  }

  adopt(name: string, child: ChildProcess): void {
    this.children.set(name, child);
  }

  private async stopOne(name: string, graceMs: number): Promise<void> {
    const child = this.children.get(name);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  private prefix(name: string, child: ChildProcess): void {
    const color = COLORS[this.colorIndex++ % COLORS.length] ?? 36;
    const label = process.stdout.isTTY ? `\x1b[${color}m[${name}]\x1b[0m` : `[${name}]`;
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream }).on('line', (line) => process.stdout.write(`${label} ${line}\n`));
    }
  }
}
