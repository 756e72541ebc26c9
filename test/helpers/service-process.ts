import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The workspace root, whether these helpers run from source (vitest) or from test/dist (the benchmark). */
export const repoRoot = findRoot(dirname(fileURLToPath(import.meta.url)));

function findRoot(from: string): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
  }
  throw new Error(`no pnpm-workspace.yaml above ${from}`);
}

/** A real OS process under test, with its output kept so tests can wait for a log line. */
export class ServiceProcess {
  readonly lines: string[] = [];
  private readonly waiters = new Set<() => void>();
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream }).on('line', (line) => {
        this.lines.push(line);
        if (process.env.W3POOL_TEST_VERBOSE) process.stderr.write(`[${name}] ${line}\n`);
        for (const wake of this.waiters) wake();
      });
    }
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        for (const wake of this.waiters) wake();
        resolve({ code, signal });
      }),
    );
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  output(): string {
    return this.lines.join('\n');
  }

  /** Resolve with the first output line matching `pattern`, or fail at the deadline (or if the process exits). */
  waitForLine(pattern: RegExp, timeoutMs = 20_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const line = this.lines.find((l) => pattern.test(l));
        if (line !== undefined) return finish(() => resolve(line));
        if (!this.running)
          return finish(() =>
            reject(new Error(`${this.name} exited before printing ${pattern}:\n${this.output()}`)),
          );
      };
      const timer = setTimeout(
        () =>
          finish(() =>
            reject(
              new Error(
                `${this.name}: no line matching ${pattern} within ${timeoutMs} ms:\n${this.output()}`,
              ),
            ),
          ),
        timeoutMs,
      );
      const finish = (done: () => void) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        done();
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Send a signal and wait for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (!this.running) return;
    this.child.kill(signal);
    await this.exited;
  }
}

export function startNode(name: string, args: string[], env: NodeJS.ProcessEnv): ServiceProcess {
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new ServiceProcess(name, child);
}

/** Whether a process with this pid exists (signal 0 tests for it without sending anything). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
