import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import {
  workerToHostCodec,
  type HostToWorker,
  type RequestInFlight,
  type WorkerToHost,
} from '@w3pool/protocol';

export type WorkerState = 'Starting' | 'Running' | 'Stopping' | 'Stopped';

export interface WorkerTimings {
  startupTimeLimitMs: number;
  shutdownTimeLimitMs: number;
  pingingEnabled: boolean;
  pingIntervalMs: number;
  pingResponseTimeMs: number;
}

export interface WorkerExit {
  /** True when the host asked it to stop (recycle, idle, shutdown); false is a crash. */
  expected: boolean;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Why the host killed it, when it did. */
  killedFor?: 'StartupTimeLimit' | 'PingFailure' | 'ShutdownTimeLimit';
}

interface WorkerEvents {
  ready: [];
  exit: [WorkerExit];
  unresponsive: [];
  unhealthy: [string];
}

/**
 * One w3wp: a real child process with an IPC channel, as its pool host sees it. It knows its state, the
 * requests it runs, and when it last answered a ping; it enforces startupTimeLimit, the ping deadline and
 * shutdownTimeLimit with SIGKILL. What to do about a failure is the pool host's decision, not this class's.
 */
export class WorkerProcess extends EventEmitter<WorkerEvents> {
  state: WorkerState = 'Starting';
  readonly startedAt = Date.now();
  requestsServed = 0;
  /** As of the worker's last report (once a second). */
  inFlight: RequestInFlight[] = [];
  lastActivityAt = Date.now();
  /** Round trip of the last answered ping, in ms. */
  lastPingMs: number | undefined;
  private readonly child: ChildProcess;
  private timers: NodeJS.Timeout[] = [];
  private pingSeq = 0;
  private pingSentAt: number | undefined;
  private killedFor: WorkerExit['killedFor'];
  private exited = false;
  readonly exitedPromise: Promise<WorkerExit>;

  constructor(
    /**
     * Given at spawn time (W3POOL_WORKER_ID), so the queue consumers of a worker that dies even before it
     * reports ready can be settled.
     */
    readonly workerId: string,
    entry: string,
    args: string[],
    env: NodeJS.ProcessEnv,
    private readonly timings: WorkerTimings,
    private readonly log: Logger,
  ) {
    super();
    this.child = fork(entry, args, {
      env: { ...env, W3POOL_WORKER_ID: workerId },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    this.child.on('message', (message: unknown) => this.receive(message));
    this.exitedPromise = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exited = true;
        const expected = this.state === 'Stopping' && this.killedFor !== 'PingFailure';
        this.state = 'Stopped';
        this.clearTimers();
        const exit: WorkerExit = {
          expected,
          code,
          signal,
          ...(this.killedFor ? { killedFor: this.killedFor } : {}),
        };
        this.emit('exit', exit);
        resolve(exit);
      });
    });
    this.child.on('error', (error) => this.log.error({ err: error, pid: this.pid }, 'worker process error'));
    this.timers.push(
      setTimeout(() => {
        if (this.state !== 'Starting') return;
        this.log.warn(
          { pid: this.pid, limitMs: timings.startupTimeLimitMs },
          'worker not ready within startupTimeLimit',
        );
        this.kill('StartupTimeLimit');
      }, timings.startupTimeLimitMs),
    );
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get isExited(): boolean {
    return this.exited;
  }

  /** Graceful: stop taking requests, finish those in flight, exit; SIGKILL after shutdownTimeLimit. */
  stop(): Promise<WorkerExit> {
    if (this.exited) return this.exitedPromise;
    if (this.state === 'Starting') {
      // Not serving yet, so nothing to drain (and it may not be listening for the stop command yet).
      this.state = 'Stopping';
      this.child.kill('SIGKILL');
      return this.exitedPromise;
    }
    if (this.state !== 'Stopping') {
      this.state = 'Stopping';
      this.send({ type: 'stop' });
      this.timers.push(
        setTimeout(() => {
          this.log.warn(
            { pid: this.pid, inFlight: this.inFlight.length },
            'worker still running after shutdownTimeLimit',
          );
          this.kill('ShutdownTimeLimit');
        }, this.timings.shutdownTimeLimitMs),
      );
    }
    return this.exitedPromise;
  }

  kill(reason: NonNullable<WorkerExit['killedFor']>): void {
    if (this.exited) return;
    this.killedFor = reason;
    this.child.kill('SIGKILL');
  }

  /** Orphaning: stop supervising it (no pings, no timers) and leave it running for a debugger. */
  orphan(): void {
    this.clearTimers();
    this.child.removeAllListeners('message');
    this.child.disconnect();
    this.child.unref();
  }

  private receive(raw: unknown): void {
    let message: WorkerToHost;
    try {
      message = workerToHostCodec.check(raw);
    } catch (error) {
      this.log.warn({ err: error, pid: this.pid }, 'ignored a malformed message from a worker process');
      return;
    }
    this.onMessage(message);
  }

  private onMessage(message: WorkerToHost): void {
    switch (message.type) {
      case 'ready':
        if (this.state !== 'Starting') return;
        if (message.workerId !== this.workerId)
          this.log.warn({ pid: this.pid, reported: message.workerId }, 'worker reported another id');
        this.state = 'Running';
        this.lastActivityAt = Date.now();
        this.clearTimers();
        if (this.timings.pingingEnabled) this.startPinging();
        this.emit('ready');
        return;
      case 'pong':
        if (message.seq === this.pingSeq && this.pingSentAt !== undefined) {
          this.lastPingMs = Date.now() - this.pingSentAt;
          this.pingSentAt = undefined;
        }
        return;
      case 'stats':
        if (message.served !== this.requestsServed || message.inFlight.length > 0)
          this.lastActivityAt = Date.now();
        this.requestsServed = message.served;
        this.inFlight = message.inFlight;
        return;
      case 'unhealthy':
        this.emit('unhealthy', message.reason);
        return;
    }
  }

  // WAS's pings: a worker whose event loop is blocked cannot answer, and is replaced.
  private startPinging(): void {
    const tick = () => {
      if (this.pingSentAt !== undefined && Date.now() - this.pingSentAt >= this.timings.pingResponseTimeMs) {
        this.log.warn(
          { pid: this.pid, waitedMs: Date.now() - this.pingSentAt },
          'worker did not answer its ping',
        );
        this.pingSentAt = undefined;
        this.emit('unresponsive');
        return;
      }
      if (this.pingSentAt === undefined) {
        this.pingSeq += 1;
        this.pingSentAt = Date.now();
        this.send({ type: 'ping', seq: this.pingSeq });
      }
      this.timers.push(
        setTimeout(tick, Math.min(this.timings.pingIntervalMs, this.timings.pingResponseTimeMs)),
      );
    };
    this.timers.push(setTimeout(tick, this.timings.pingIntervalMs));
  }

  private send(message: HostToWorker): void {
    if (this.child.connected) this.child.send(message);
  }

  private clearTimers(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers = [];
  }
}
