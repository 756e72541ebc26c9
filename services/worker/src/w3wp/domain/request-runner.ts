import type { Logger } from 'pino';
import { ThrottledLog } from '@w3pool/runtime';
import type { AbandonedOutcome, TakenRequest } from '@w3pool/pool-queue';
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
  countAbandoned(outcome: AbandonedOutcome): void;
  /** How many subscribers a channel has now (PUBSUB NUMSUB). */
  subscribers(channel: string): Promise<number>;
}

/** How many suspect listeners a domain remembers: each is one process that died, so a handful at most. */
const SUSPECTS_KEPT = 64;

export interface RunnerStats {
  served: number;
  inFlight: RequestInFlight[];
}

/**
 * The requests an application domain took from its queue, from handing over to completion: each runs, and
 * is completed once its last reply is handed to the queue, so both leave in the same exchange. A request
 * whose queue deadline has passed is not run (the listener already answered 503 Timer_AppPool): the
 * listener is told, and it is completed. Nor is a request whose listener is gone (it died, and its
 * clients' connections with it): its answer would reach nobody. Also what the domain reports it runs
 * (appcmd list requests), and what its retirement waits for.
 */
export class RequestRunner {
  private readonly running = new Map<string, RequestInFlight>();
  private served = 0;
  private idle: (() => void)[] = [];
  /** A backlog past its deadline expires request by request: one line per few seconds says so. */
  private readonly warnings: ThrottledLog;
  /**
   * Reply channels of listeners suspected gone: a batch published to them reached no subscriber (the queue
   * consumer says so before it hands over what the same round trip took). Learned, not asked, so the
   * request path costs nothing until then. A listener whose subscription is only reconnecting (a Redis
   * restart) reaches nobody for a moment too, so a suspect's next requests wait for one PUBSUB NUMSUB:
   * none subscribed, they are skipped; otherwise the suspicion is lifted and they run.
   */
  private readonly suspects = new Set<string>();
  /** The NUMSUB under way per suspect channel, shared by the requests of one take. */
  private readonly checks = new Map<string, Promise<boolean>>();

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
      else if (this.suspects.size > 0 && this.suspects.has(replyChannel(job.replyTo)))
        this.startIfListening(id, job);
      else this.start(id, job);
    }
  }

  /** A reply published to this channel reached nobody: its listener may have gone. */
  unheard(channel: string): void {
    if (this.suspects.has(channel)) return;
    if (this.suspects.size >= SUSPECTS_KEPT) this.suspects.delete(this.suspects.values().next().value!);
    this.suspects.add(channel);
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
    this.launch(id, job);
  }

  /** A suspect listener's request: listed as running while the check is under way, then run or skipped. */
  private startIfListening(id: string, job: RequestJob): void {
    this.running.set(id, { id, method: job.method, url: job.rawUrl, at: Date.now() });
    const channel = replyChannel(job.replyTo);
    let check = this.checks.get(channel);
    if (!check) {
      check = this.queue.subscribers(channel).then(
        (count) => count > 0,
        () => true, // unknown: run it, as before the suspicion
      );
      this.checks.set(channel, check);
      void check.then((listening) => {
        this.checks.delete(channel);
        if (listening) this.suspects.delete(channel);
      });
    }
    void check.then((listening) => (listening ? this.launch(id, job) : this.skip(id, job)));
  }

  private launch(id: string, job: RequestJob): void {
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
      .then((receivers) => {
        if (receivers === 0) this.queue.countAbandoned('expired');
      })
      .catch((error: unknown) => this.log.warn({ err: error, id }, 'queue timeout notice not sent'));
    this.queue.complete(id);
  }

  private skip(id: string, job: RequestJob): void {
    this.warnings.warn(
      'abandoned',
      { id, url: job.rawUrl, listener: job.replyTo },
      'request not run: the listener holding its client is gone',
    );
    this.running.delete(id);
    this.queue.countAbandoned('skipped');
    this.queue.complete(id);
    if (this.running.size === 0) this.wakeIdle();
  }

  private wakeIdle(): void {
    const waiting = this.idle;
    this.idle = [];
    for (const wake of waiting) wake();
  }
}
