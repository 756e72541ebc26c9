import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { CgiEnvironment } from './cgi-environment.js';
import type { CgiStderr } from './cgi-stderr.js';

/** Why w3pool killed a process: its cgi timeout passed, the client left, or the request was finished. */
export type KillReason = 'timeout' | 'aborted' | 'finished' | 'terminated';

export interface CgiExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Set when w3pool killed it, for the first reason it did. */
  readonly killedFor: KillReason | undefined;
  /** The process could not be spawned at all (EAGAIN, ENOMEM, ...). */
  readonly spawnError: Error | undefined;
}

export interface CgiSpawnOptions {
  readonly file: string;
  readonly args: readonly string[];
  readonly env: CgiEnvironment;
  readonly cwd: string;
  readonly stderr: CgiStderr;
  /** cgi timeout: past it the process is killed, whatever it is doing. 0: never. */
  readonly timeoutMs: number;
}

/** setTimeout's limit (about 24.8 days); a longer cgi timeout is as good as none. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * One CGI process. It leads a process group of its own, so that killing it kills whatever it started
 * (a shell script's `sleep`, php-cgi's children) with it; when it exits, anything it left in its group is
 * killed too, which also ends a grandchild that would hold stdout open and the response with it.
 */
export class CgiProcess {
  readonly stdin: Writable;
  readonly stdout: Readable;
  readonly exited: Promise<CgiExit>;
  private killedFor: KillReason | undefined;
  private readonly child: ChildProcessByStdio<Writable, Readable, Readable>;
  private done = false;
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(options: CgiSpawnOptions, onExit: (process: CgiProcess) => void) {
    this.child = spawn(options.file, options.args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      // setsid(): a new process group whose id is the child's pid, killable as one with kill(-pid).
      detached: true,
      windowsHide: true,
    });
    this.stdin = this.child.stdin;
    this.stdout = this.child.stdout;
    // A script that exits without reading its body makes writes fail with EPIPE; that is not an error here.
    this.stdin.on('error', () => undefined);
    this.child.stderr.on('data', (chunk: Buffer) => options.stderr.write(chunk));
    this.child.stderr.once('close', () => options.stderr.end());
    // Armed from the spawn, so the time to upload the body counts, as in IIS.
    if (options.timeoutMs > 0 && options.timeoutMs <= MAX_TIMER_MS) {
      this.timer = setTimeout(() => this.kill('timeout'), options.timeoutMs);
    }
    this.exited = new Promise((resolve) => {
      const finish = (code: number | null, signal: NodeJS.Signals | null, spawnError?: Error) => {
        if (this.done) return;
        this.done = true;
        clearTimeout(this.timer);
        this.killGroup();
        onExit(this);
        resolve({ code, signal, killedFor: this.killedFor, spawnError });
      };
      this.child.once('exit', (code, signal) => finish(code, signal));
      this.child.once('error', (error) => finish(null, null, error));
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return !this.done;
  }

  /** SIGKILL the process and its group. The first reason given is the one reported. */
  kill(reason: KillReason): void {
    if (this.done) return;
    this.killedFor ??= reason;
    this.killGroup();
  }

  private killGroup(): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // ESRCH: the group is empty already. Fall back to the process itself in case it left the group.
      if (!this.done) this.child.kill('SIGKILL');
    }
  }
}
