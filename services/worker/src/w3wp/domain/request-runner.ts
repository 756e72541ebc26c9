import type { Logger } from 'pino';
import { ThrottledLog } from '@w3pool/runtime';
import type { TakenRequest } from '@w3pool/pool-queue';
import {
  replyChannel,
  type RequestInFlight,
  type RequestJob,
  type ToListener,
  type WorkerIdentity,
} from '@w3pool/protocol';

/** The queue consumer, as the requests it handed over use it. */
export interface RequestQueue {
  publish(channel: string, message: ToListener): Promise<number>;
  complete(id: string): void;
}

export interface RunnerStats {
  served: number;
  inFlight: RequestInFlight[];
}

/**
 * The requests an application domain took from its queue, from handing over to completion: each runs, and
 * is completed once its last reply is handed to the queue, so both leave in the same exchange. A request
 * whose queue deadline has passed is not run (the listener already answered 503 Timer_AppPool): the
 * listener is told, and it is completed. Also what the domain reports it runs (appcmd list requests), and
 * what its retirement waits for.
 */
export class RequestRunner {
  private readonly running = new Map<string, RequestInFlight>();
  private served = 0;
  private idle: (() => void)[] = [];
  /** A backlog past its deadline expires request by request: one line per few seconds says so. */
  private readonly warnings: ThrottledLog;

  constructor(
    private readonly queue: RequestQueue,
    private readonly execute: (job: RequestJob) => Promise<void>,
    private readonly identity: WorkerIdentity,
    private readonly log: Logger,
  ) {
    this.warnings = new ThrottledLog(log);
  }

  /** Requests the consumer took, oldest first. */
  run(requests: readonly TakenRequest[]): void {
    for (const { id, job } of requests) {
      if (Date.now() > job.deadline) this.expire(id, job);
      else this.start(id, job);
    }
  }

  stats(): RunnerStats {
    return { served: this.served, inFlight: [...this.running.values()] };
  }

  /** Resolves once no request runs. */
  drained(): Promise<void> {
    if (this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private start(id: string, job: RequestJob): void {
    this.running.set(id, { id, method: job.method, url: job.rawUrl, at: Date.now() });
    this.execute(job).then(
      () => this.finished(id),
      (error: unknown) => {
        this.log.error({ err: error, id }, 'request execution failed');
        this.finished(id);
      },
    );
  }

  private finished(id: string): void {
    this.running.delete(id);
    this.served += 1;
    this.queue.complete(id);
    if (this.running.size === 0) this.wakeIdle();
  }

  private expire(id: string, job: RequestJob): void {
    this.warnings.warn(
      'expired',
      { id, url: job.rawUrl, lateMs: Date.now() - job.deadline },
      'request not run: its queue deadline passed (the listener answered 503 Timer_AppPool)',
    );
    this.queue
      .publish(replyChannel(job.replyTo), {
        t: 'fail',
        id,
        code: 'LISTENER_QUEUE_TIMEOUT',
        worker: this.identity,
      })
      .catch((error: unknown) => this.log.warn({ err: error, id }, 'queue timeout notice not sent'));
    this.queue.complete(id);
  }

  private wakeIdle(): void {
    const waiting = this.idle;
    this.idle = [];
    for (const wake of waiting) wake();
  }
}
