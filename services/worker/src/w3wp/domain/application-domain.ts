import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { domainReportCodec, type DomainCommand, type DomainReport } from '@w3pool/protocol';
import type { RunnerStats } from './request-runner.js';
import type { DomainData } from './domain-data.js';

export interface DomainEvents {
  unhealthy(reason: string): void;
  /**
   * The thread ended: retired, or not (an uncaught error in an extension), in which case what it held must
   * be answered and the application started again.
   */
  ended(domain: ApplicationDomain, code: number, retired: boolean): void;
}

/**
 * The main thread's handle on one application's domain thread. Requests never pass through here: the
 * domain takes them from the queue itself. The main thread starts it, relays the host's pings, keeps its
 * once-a-second figures, and retires it when the application restarts.
 */
export class ApplicationDomain {
  private readonly thread: Worker;
  private readonly readyPromise: Promise<boolean>;
  private retiring = false;
  private wasReady = false;
  private dead = false;
  private pingSeq = 0;
  private readonly pongs = new Map<number, () => void>();
  /** As of its last report. */
  stats: RunnerStats = { served: 0, inFlight: [] };
  readonly exited: Promise<void>;

  constructor(
    entry: URL,
    readonly data: DomainData,
    events: DomainEvents,
    private readonly log: Logger,
  ) {
    this.thread = new Worker(entry, { workerData: data });
    this.readyPromise = new Promise((resolve) => {
      this.thread.on('message', (raw: unknown) => {
        const report = this.check(raw);
        if (report?.type === 'ready') {
          this.wasReady = true;
          resolve(true);
        } else if (report) this.onReport(report, events);
      });
      this.thread.once('exit', () => resolve(false));
    });
    this.thread.on('error', (error) =>
      this.log.error({ err: error, app: data.appPath }, 'application domain failed'),
    );
    this.exited = new Promise((resolve) => {
      this.thread.once('exit', (code) => {
        this.dead = true;
        events.ended(this, code, this.retiring);
        resolve();
      });
    });
  }

  get alive(): boolean {
    return !this.dead;
  }

  /** It loaded its extensions and took requests at some point. */
  get becameReady(): boolean {
    return this.wasReady;
  }

  get consumerId(): string {
    return this.data.consumerId;
  }

  /** True once the domain has loaded its extensions and takes requests; false if it died first. */
  ready(): Promise<boolean> {
    return this.readyPromise;
  }

  /** Resolves when the domain thread answers (at once if it is gone): its event loop is not blocked. */
  ping(): Promise<void> {
    if (this.dead) return Promise.resolve();
    this.pingSeq += 1;
    const seq = this.pingSeq;
    return new Promise<void>((resolve) => {
      this.pongs.set(seq, resolve);
      void this.exited.then(resolve);
      this.post({ type: 'ping', seq });
    });
  }

  /** Stop its taking, let it finish what is in it on its current code, then end the thread. */
  async retire(): Promise<void> {
    if (this.dead) return;
    this.retiring = true;
    this.post({ type: 'retire' });
    await this.exited;
  }

  private check(raw: unknown): DomainReport | undefined {
    try {
      return domainReportCodec.check(raw);
    } catch (error) {
      this.log.warn({ err: error, app: this.data.appPath }, 'ignored a malformed domain report');
      return undefined;
    }
  }

  private onReport(report: Exclude<DomainReport, { type: 'ready' }>, events: DomainEvents): void {
    switch (report.type) {
      case 'pong':
        this.pongs.get(report.seq)?.();
        this.pongs.delete(report.seq);
        return;
      case 'stats':
        this.stats = { served: report.served, inFlight: report.inFlight };
        return;
      case 'unhealthy':
        events.unhealthy(report.reason);
        return;
    }
  }

  private post(message: DomainCommand): void {
    this.thread.postMessage(message);
  }
}
