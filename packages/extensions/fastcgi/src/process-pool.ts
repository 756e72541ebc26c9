import { existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { EventEmitter } from 'node:events';
import { HttpError, type ExtensionLogger } from '@w3pool/extension-sdk';
import type { FastCgiBackend, Lease } from './backend.js';
import type { FcgiConnection } from './fcgi-connection.js';
import { FastCgiProcess, type ProcessExit, type ProcessSpec } from './fastcgi-process.js';
import { FileMonitor } from './file-monitor.js';
import { RapidFailCounter } from './rapid-fail-counter.js';
import { WaitQueue } from './wait-queue.js';

// IIS's FastCGI process pool for one application (fullPath|arguments): up to maxInstances processes,
// started when requests need them, each serving one request at a time; requests wait in a queue of
// queueLength (then 503.4). A process is replaced after instanceMaxRequests requests, stopped after
// idleTimeout, and every process is recycled when monitorChangesTo changes.

export interface PoolSettings {
  /** `fullPath|arguments`, for logs and error pages. */
  readonly name: string;
  readonly spec: ProcessSpec;
  /** Already resolved: 0 (auto) became the number of CPUs. */
  readonly maxInstances: number;
  readonly instanceMaxRequests: number;
  readonly idleTimeoutMs: number;
  readonly queueLength: number;
  readonly rapidFailsPerMinute: number;
  readonly signalBeforeTerminateSeconds: number;
  readonly monitorChangesTo: string;
  readonly connectTimeoutMs: number;
  /** The longest a request runs: close() kills what still runs well past it. */
  readonly requestTimeoutMs: number;
}

interface Member {
  readonly process: FastCgiProcess;
  busy: boolean;
  /** Stop it once its request ends (monitorChangesTo changed, or the pool closes). */
  recycle: boolean;
  failureCounted?: boolean;
  idleTimer?: NodeJS.Timeout;
}

export interface PoolSnapshot {
  readonly pids: number[];
  readonly busy: number;
  readonly idle: number;
  readonly starting: number;
  readonly queued: number;
}

export class ProcessPool
  extends EventEmitter<{ started: [number]; exited: [number, ProcessExit] }>
  implements FastCgiBackend
{
  private readonly members = new Set<Member>();
  /** Free processes, most recently used last: the others age towards idleTimeout. */
  private readonly idle: Member[] = [];
  private readonly queue = new WaitQueue<Member>();
  private readonly starts = new Set<Promise<void>>();
  private readonly failures: RapidFailCounter;
  private readonly monitor: FileMonitor | undefined;
  private isClosed = false;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly settings: PoolSettings,
    private readonly log: ExtensionLogger,
    now: () => number = Date.now,
  ) {
    super();
    this.failures = new RapidFailCounter(settings.rapidFailsPerMinute, now);
    if (settings.monitorChangesTo)
      this.monitor = new FileMonitor(settings.monitorChangesTo, log, () => this.recycle());
  }

  get closed(): boolean {
    return this.isClosed;
  }

  async acquire(signal: AbortSignal): Promise<Lease> {
    for (;;) {
      const member = await this.take(signal);
      let connection: FcgiConnection;
      try {
        connection = await member.process.connect(this.settings.connectTimeoutMs);
      } catch (error) {
        // It runs but does not accept: broken. Replace it, and try again for this request.
        this.log.warn('FastCGI process does not accept connections; replacing it', {
          application: this.settings.name,
          fastCgiPid: member.process.pid,
          error: (error as Error).message,
        });
        this.countFailure(member);
        this.retire(member);
        continue;
      }
      return this.lease(member, connection);
    }
  }

  /** Recycle every process: the free ones now, the busy ones when their request ends. */
  recycle(): void {
    this.log.info('recycling the FastCGI processes', { application: this.settings.name });
    for (const member of [...this.members]) {
      if (member.busy) member.recycle = true;
      else this.retire(member);
    }
  }

  snapshot(): PoolSnapshot {
    const pids = [...this.members].map((m) => m.process.pid);
    const busy = [...this.members].filter((m) => m.busy).length;
    return { pids, busy, idle: this.idle.length, starting: this.starts.size, queued: this.queue.length };
  }

  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private take(signal: AbortSignal): Promise<Member> {
    if (this.isClosed) throw new HttpError('EXT_FASTCGI_SHUTTING_DOWN', this.settings.name);
    this.refuseIfFailing();
    const idle = this.idle.pop();
    if (idle) {
      clearTimeout(idle.idleTimer);
      idle.busy = true;
      return Promise.resolve(idle);
    }
    const canStart = this.members.size + this.starts.size < this.settings.maxInstances;
    // Requests that a process now starting will serve are not waiting in the queue yet.
    if (!canStart && this.queue.length - this.starts.size >= this.settings.queueLength) {
      throw new HttpError(
        'EXT_FASTCGI_QUEUE_FULL',
        `${this.settings.name}: ${this.queue.length} requests already wait for its ${this.settings.maxInstances} processes (queueLength ${this.settings.queueLength})`,
      );
    }
    const waiting = this.queue.wait(signal);
    if (canStart) this.startProcess();
    return waiting;
  }

  private lease(member: Member, connection: FcgiConnection): Lease {
    member.process.requests += 1;
    let done = false;
    return {
      connection,
      pid: member.process.pid,
      release: () => {
        if (done) return;
        done = true;
        this.returned(member);
      },
      discard: (reason, failed = false) => {
        if (done) return;
        done = true;
        this.log.warn(failed ? 'FastCGI process failed' : 'FastCGI process terminated', {
          application: this.settings.name,
          fastCgiPid: member.process.pid,
          reason,
          output: member.process.recentOutput,
        });
        if (failed) this.countFailure(member);
        this.retire(member);
        this.replenish();
      },
    };
  }

  /** A request ended well: the process serves the next waiter, goes idle, or is replaced. */
  private returned(member: Member): void {
    member.busy = false;
    if (member.process.hasExited || member.process.isStopping) return;
    if (this.isClosed || member.recycle || member.process.requests >= this.settings.instanceMaxRequests) {
      this.retire(member);
      this.replenish();
      return;
    }
    this.makeAvailable(member);
  }

  private makeAvailable(member: Member): void {
    member.busy = true;
    if (this.queue.serve(member)) return;
    member.busy = false;
    this.idle.push(member);
    member.idleTimer = setTimeout(() => {
      if (member.busy) return;
      this.log.info('FastCGI process idle for idleTimeout; stopping it', {
        application: this.settings.name,
        fastCgiPid: member.process.pid,
      });
      this.retire(member);
    }, this.settings.idleTimeoutMs);
    // Waiting to stop an idle process is no reason to keep the domain's thread alive.
    member.idleTimer.unref();
  }

  /** Start processes for the requests that wait and that no starting process will serve. */
  private replenish(): void {
    while (
      !this.isClosed &&
      !this.failures.tripped &&
      this.queue.length > this.starts.size &&
      this.members.size + this.starts.size < this.settings.maxInstances
    ) {
      this.startProcess();
    }
  }

  private startProcess(): void {
    const start = FastCgiProcess.start(this.settings.spec).then(
      (process) => {
        this.starts.delete(start);
        this.adopt(process);
      },
      (error: Error) => {
        this.starts.delete(start);
        this.startFailed(error);
      },
    );
    this.starts.add(start);
  }

  private adopt(process: FastCgiProcess): void {
    const member: Member = { process, busy: false, recycle: false };
    this.members.add(member);
    this.emit('started', process.pid);
    void process.exited.then((exit) => this.exited(member, exit));
    if (this.isClosed) this.retire(member);
    else this.makeAvailable(member);
  }

  private startFailed(error: Error): void {
    this.log.error('FastCGI process failed to start', {
      application: this.settings.name,
      error: error.message,
    });
    const { fullPath } = this.settings.spec;
    const hint = /php-cgi/.test(fullPath) ? ' (Debian: apt-get install php-cgi)' : '';
    // A program that is not there at all is the common case on a fresh machine: its page says what to
    // install to every client, not only to local ones.
    const code =
      isAbsolute(fullPath) && !existsSync(fullPath)
        ? 'EXT_FASTCGI_PROGRAM_MISSING'
        : 'EXT_FASTCGI_START_FAILED';
    this.failures.record();
    this.queue.failOldest(new HttpError(code, `${error.message}${hint}`));
    this.refuseWaitersIfFailing();
    this.replenish();
  }

  private exited(member: Member, exit: ProcessExit): void {
    const wasBusy = member.busy;
    this.remove(member);
    this.emit('exited', member.process.pid, exit);
    // php-cgi leaves by itself, with code 0, after PHP_FCGI_MAX_REQUESTS requests: not a failure when idle.
    if (!exit.expected && (wasBusy || exit.code !== 0)) {
      this.log.warn('FastCGI process exited unexpectedly', {
        application: this.settings.name,
        fastCgiPid: member.process.pid,
        code: exit.code,
        signal: exit.signal,
        output: member.process.recentOutput,
      });
      this.countFailure(member);
    }
    this.replenish();
  }

  /** Once per process: its request's failure and its exit may both report the same death. */
  private countFailure(member: Member): void {
    if (member.failureCounted) return;
    member.failureCounted = true;
    this.failures.record();
    this.refuseWaitersIfFailing();
  }

  private retire(member: Member): void {
    this.remove(member);
    void member.process.stop(this.settings.signalBeforeTerminateSeconds);
  }

  private remove(member: Member): void {
    clearTimeout(member.idleTimer);
    this.members.delete(member);
    const index = this.idle.indexOf(member);
    if (index !== -1) this.idle.splice(index, 1);
  }

  private refuseIfFailing(): void {
    if (this.failures.tripped) throw this.rapidFailError();
  }

  private refuseWaitersIfFailing(): void {
    if (!this.failures.tripped) return;
    this.log.error('FastCGI application refused: rapidFailsPerMinute reached', {
      application: this.settings.name,
      until: new Date(this.failures.refusedUntil).toISOString(),
    });
    this.queue.failAll(this.rapidFailError());
  }

  private rapidFailError(): HttpError {
    return new HttpError(
      'EXT_FASTCGI_RAPID_FAIL',
      `${this.settings.name}: ${this.settings.rapidFailsPerMinute} failures in the last minute; refused until ${new Date(this.failures.refusedUntil).toISOString()}`,
    );
  }

  private async shutDown(): Promise<void> {
    this.isClosed = true;
    this.monitor?.close();
    this.queue.failAll(new HttpError('EXT_FASTCGI_SHUTTING_DOWN', this.settings.name));
    await Promise.all([...this.starts]);
    const all = [...this.members];
    for (const member of all) {
      if (member.busy) member.recycle = true;
      else this.retire(member);
    }
    // A running request ends within requestTimeout (its call kills the process past it); this bound only
    // guards against a process nobody answers for.
    const guard = setTimeout(
      () => all.forEach((m) => m.process.kill()),
      this.settings.requestTimeoutMs + 5000,
    );
    await Promise.all(all.map((m) => m.process.exited));
    clearTimeout(guard);
  }
}
