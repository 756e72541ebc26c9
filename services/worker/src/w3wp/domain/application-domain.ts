import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { RequestJob } from '@w3pool/protocol';
import type { DomainData, DomainReport, DomainCommand } from './domain-messages.js';

/**
 * The main thread's handle on one application's domain thread: it passes requests in, learns when each is
 * done, and retires the thread when the application restarts. If the thread dies, the requests it held are
 * handed to `onAbandoned`, so none hangs.
 */
export class ApplicationDomain {
  private readonly thread: Worker;
  private readonly pending = new Map<string, { job: RequestJob; done: () => void }>();
  private readonly readyPromise: Promise<boolean>;
  private dead = false;
  private pingSeq = 0;
  private readonly pongs = new Map<number, () => void>();
  readonly exited: Promise<void>;

  constructor(
    entry: URL,
    readonly data: DomainData,
    onUnhealthy: (reason: string) => void,
    private readonly onAbandoned: (jobs: RequestJob[]) => void,
    private readonly log: Logger,
  ) {
    this.thread = new Worker(entry, { workerData: data });
    this.readyPromise = new Promise((resolve) => {
      this.thread.on('message', (message: DomainReport) => {
        if (message.type === 'ready') resolve(true);
        else if (message.type === 'done') {
          const entry = this.pending.get(message.id);
          this.pending.delete(message.id);
          entry?.done();
        } else if (message.type === 'pong') {
          this.pongs.get(message.seq)?.();
          this.pongs.delete(message.seq);
        } else if (message.type === 'unhealthy') onUnhealthy(message.reason);
      });
      this.thread.once('exit', () => resolve(false));
    });
    this.thread.on('error', (error) =>
      this.log.error({ err: error, app: data.appPath }, 'application domain failed'),
    );
    this.exited = new Promise((resolve) => {
      this.thread.once('exit', (code) => {
        this.dead = true;
        if (this.pending.size > 0) {
          this.log.error(
            { app: data.appPath, code, requests: this.pending.size },
            'application domain ended with requests in it',
          );
          this.onAbandoned([...this.pending.values()].map((p) => p.job));
          for (const entry of this.pending.values()) entry.done();
          this.pending.clear();
        }
        resolve();
      });
    });
  }

  get alive(): boolean {
    return !this.dead;
  }

  get inFlight(): number {
    return this.pending.size;
  }

  /** True once the domain has loaded its extensions; false if it died first. */
  ready(): Promise<boolean> {
    return this.readyPromise;
  }

  async execute(job: RequestJob): Promise<void> {
    if (!(await this.readyPromise) || this.dead) {
      this.onAbandoned([job]);
      return;
    }
    await new Promise<void>((done) => {
      this.pending.set(job.id, { job, done });
      this.post({ type: 'execute', job });
    });
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

  /** Finish what is in the domain on its current code, then end the thread. */
  async retire(): Promise<void> {
    if (this.dead) return;
    this.post({ type: 'retire' });
    await this.exited;
  }

  private post(message: DomainCommand): void {
    this.thread.postMessage(message);
  }
}
