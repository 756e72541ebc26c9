import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { FcgiConnection, type FcgiAddress } from './fcgi-connection.js';

// One FastCGI process that w3pool starts (php-cgi -b <socket>): it listens on a Unix domain socket in the
// pool's private directory (protocol NamedPipe) or on a loopback port (Tcp), and serves one request at a
// time on the connection w3pool keeps to it.

export interface ProcessSpec {
  readonly fullPath: string;
  readonly args: readonly string[];
  readonly protocol: 'NamedPipe' | 'Tcp';
  readonly env: NodeJS.ProcessEnv;
  /** The pool's private directory (mode 0700), where NamedPipe sockets live. */
  readonly socketDir: string;
  /** How long the process may take to listen. */
  readonly startTimeoutMs: number;
}

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** w3pool stopped it (idle, recycle, timeout, shutdown); anything else is a failure. */
  readonly expected: boolean;
}

export class ProcessStartError extends Error {
  override readonly name = 'ProcessStartError';
}

/** Output of a process kept for the error that explains why it failed to start. */
const OUTPUT_TAIL_BYTES = 2048;

/**
 * setpriv (util-linux) asks the kernel to SIGKILL the process when the thread that started it ends, so a
 * worker that is itself killed (SIGKILL after shutdownTimeLimit, a crash) leaves no orphans behind.
 */
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));

/** Every process this thread started and that still runs: killed synchronously if the thread exits. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function track(child: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of running) c.kill('SIGKILL');
    });
  }
  running.add(child);
  child.once('exit', () => running.delete(child));
}

let sequence = 0;

export class FastCgiProcess {
  private connection: FcgiConnection | undefined;
  private output = '';
  private stopping = false;
  private exitInfo: ProcessExit | undefined;
  readonly exited: Promise<ProcessExit>;
  /** Requests this process has been given (instanceMaxRequests). */
  requests = 0;

  private constructor(
    private readonly child: ChildProcess,
    readonly address: FcgiAddress,
  ) {
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_BYTES);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => {
      const exited = (code: number | null, signal: NodeJS.Signals | null) => {
        if (this.exitInfo) return;
        this.exitInfo = { code, signal, expected: this.stopping };
        this.connection?.destroy('the FastCGI process exited');
        resolve(this.exitInfo);
      };
      child.once('exit', exited);
      // A program that could not be started at all (ENOENT) may never emit 'exit'.
      child.once('error', () => {
        if (child.pid === undefined) exited(null, null);
      });
    });
  }

  /** Start the program and wait until it accepts a connection; that connection is kept for its requests. */
  static async start(spec: ProcessSpec): Promise<FastCgiProcess> {
    sequence += 1;
    const address: FcgiAddress =
      spec.protocol === 'NamedPipe'
        ? { path: join(spec.socketDir, `fcgi-${process.pid}-${sequence}.sock`) }
        : { host: '127.0.0.1', port: await freeLoopbackPort() };
    const bind = 'path' in address ? address.path : `${address.host}:${address.port}`;
    const program = [spec.fullPath, ...spec.args, '-b', bind];
    const [command, args] = SETPRIV
      ? [SETPRIV, ['--pdeathsig', 'KILL', '--', ...program]]
      : [spec.fullPath, program.slice(1)];
    const child = spawn(command, args, { env: spec.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const started = new FastCgiProcess(child, address);
    const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
    if (child.pid !== undefined) track(child);
    try {
      started.connection = await started.waitUntilListening(spec.startTimeoutMs, spawnError);
      return started;
    } catch (error) {
      started.kill();
      throw new ProcessStartError(
        `${spec.fullPath}: ${(error as Error).message}${started.output ? `; its output: ${started.output.trim()}` : ''}`,
      );
    }
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get hasExited(): boolean {
    return this.exitInfo !== undefined;
  }

  get isStopping(): boolean {
    return this.stopping;
  }

  /** The kept connection, or a new one if the process closed it (PHP does after an aborted request). */
  async connect(timeoutMs: number): Promise<FcgiConnection> {
    if (this.connection?.reusable) return this.connection;
    this.connection?.destroy();
    this.connection = await FcgiConnection.connect(this.address, timeoutMs);
    return this.connection;
  }

  /**
   * Stop it: with signalBeforeTerminateSeconds > 0, SIGTERM first and SIGKILL once that many seconds pass;
   * otherwise SIGKILL at once (IIS terminates the process). Resolves when it has exited.
   */
  stop(signalBeforeTerminateSeconds: number): Promise<ProcessExit> {
    if (this.exitInfo) return this.exited;
    this.stopping = true;
    this.connection?.destroy('the FastCGI process is stopping');
    if (signalBeforeTerminateSeconds <= 0) {
      this.child.kill('SIGKILL');
      return this.exited;
    }
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), signalBeforeTerminateSeconds * 1000);
    return this.exited.finally(() => clearTimeout(timer));
  }

  /** SIGKILL now: a process that hangs or broke the protocol. */
  kill(): void {
    this.stopping = true;
    if (!this.exitInfo) this.child.kill('SIGKILL');
  }

  /** The last bytes the process wrote on its stdout and stderr. */
  get recentOutput(): string {
    return this.output.trim();
  }

  private async waitUntilListening(timeoutMs: number, spawnError: Promise<Error>): Promise<FcgiConnection> {
    const deadline = Date.now() + timeoutMs;
    const gone = Promise.race([
      spawnError.then((error) => `it could not be started: ${error.message}`),
      this.exited.then((exit) => `it exited (${exit.signal ?? `code ${exit.code}`}) before it listened`),
    ]);
    // The socket exists once the program has bound it, and accepts once it listens: connect until it does,
    // a little less eagerly each time, while the process lives.
    for (let attempt = 1; ; attempt += 1) {
      const outcome = await Promise.race([
        FcgiConnection.connect(this.address, Math.max(1, deadline - Date.now())).then(
          (connection) => ({ connection }),
          (error: Error) => ({ error }),
        ),
        gone.then((reason) => ({ gone: reason })),
      ]);
      if ('connection' in outcome) return outcome.connection;
      if ('gone' in outcome) throw new Error(outcome.gone);
      if (Date.now() >= deadline) throw new Error(`it did not listen within ${timeoutMs} ms`);
      const pause = Math.min(100, 5 * attempt);
      const waited = await Promise.race([
        new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), pause)),
        gone,
      ]);
      if (waited !== undefined) throw new Error(waited);
    }
  }
}

/** A loopback port free right now, for a process started with protocol Tcp. */
function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** IIS's `arguments` string as argv: split on blanks, double quotes group. */
export function splitArguments(text: string): string[] {
  const args: string[] = [];
  for (const match of text.matchAll(/"([^"]*)"|(\S+)/g)) args.push(match[1] ?? match[2]!);
  return args;
}
