import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

const COLORS = [36, 33, 35, 32, 34, 31];

/**
 * Runs the services as child processes with prefixed output, and stops them all: SIGTERM, then SIGKILL
 * for any still running after the grace period, so that no process outlives the launcher.
 */
export class ProcessSupervisor {
  private readonly children = new Map<string, ChildProcess>();
  private colorIndex = 0;
  private stopping = false;

  constructor(
    private readonly cwd: string,
    private readonly onUnexpectedExit: (
      name: string,
      code: number | null,
      signal: NodeJS.Signals | null,
    ) => void,
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
    this.children.set(name, child);
    this.prefix(name, child);
    child.once('exit', (code, signal) => {
      this.children.delete(name);
      if (!this.stopping) this.onUnexpectedExit(name, code, signal);
    });
    return child;
  }

  /** Stop one child, or all when no name is given; children are stopped in reverse start order. */
  async stop(names: string[] = [...this.children.keys()].reverse(), graceMs = 10_000): Promise<void> {
    this.stopping = true;
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
