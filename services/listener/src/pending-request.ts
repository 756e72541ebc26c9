import type { Whereabouts } from '@w3pool/pool-queue';
import type {
  ErrorCode,
  ResponseData,
  ResponseHead,
  StopReason,
  ToListener,
  ToWorker,
} from '@w3pool/protocol';

/**
 * Queued: in the pool queue as far as the listener knows (no worker has answered yet).
 * Running: a worker has it (it sent a message, or the queue said so).
 * Settled: answered, one way or another; nothing more happens.
 */
export type PendingState = 'Queued' | 'Running' | 'Settled';

/** How a request reached Settled. */
export type SettledHow =
  | 'replied'
  | 'worker-failed'
  | 'aborted'
  | 'timed-out'
  | 'client-gone'
  | 'pool-stopped'
  | 'worker-dead'
  | 'abandoned';

/** What a pending request acts through: its place in the queue, the client's response, the worker. */
export interface PendingRequestPorts {
  withdraw(): Promise<Whereabouts>;
  locate(): Promise<Whereabouts>;
  /** Write a worker's response message to the client (the relay settles nothing by itself). */
  relay(message: ResponseHead | ResponseData): void;
  /** Whether any of the response went out: then an error can only reset the connection. */
  responseStarted(): boolean;
  /** Reset the client's connection: a response that cannot be completed must not look complete. */
  reset(reason: string): void;
  /** Answer with a catalogue error page. */
  answer(code: ErrorCode): void;
  /** The worker asked for up to `bytes` more of the body (ReadClient). */
  pullBody(bytes: number, control: string): void;
  /** Stop reading the body (the request is over). */
  stopBody(): void;
  toWorker(control: string, message: ToWorker): void;
  /** The client left and the request was taken off the queue before any worker had it (Client_Reset). */
  clientReset(): void;
  onSettled(how: SettledHow): void;
}

export interface PendingTimings {
  /** The queue deadline (http.sys Timer_AppPool): the pool's queueTimeout or the site's connectionTimeout. */
  queueTimeoutMs: number;
  /** After the deadline, how often the listener asks where a request a worker runs is. */
  checkEveryMs: number;
  /** A worker not heard from for this long is dead: pingInterval + pingResponseTime, as WAS judges it. */
  workerSilenceMs: number;
  /** How long a request the queue no longer knows may wait for its reply before it is abandoned. */
  lostGraceMs: number;
}

/**
 * One request the listener queued, from the queue to its answer. Every request accepted gets exactly one
 * answer — the worker's reply, 502.3, 503 or Timer_AppPool — and the listener's own timer bounds it whatever
 * Redis does: at the queue deadline a request still queued is withdrawn and answered; one a worker runs is
 * located now and then, so that a worker that died without anyone settling it, or a queue that lost the
 * request (Redis came back empty), still ends in an answer.
 */
export class PendingRequest {
  state: PendingState = 'Queued';
  /** When it entered the queue, and when the first message of the worker that took it came (metrics). */
  readonly queuedAt: number;
  firstReplyAt: number | undefined;
  private control: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private strikes = 0;
  private checking = false;

  constructor(
    readonly id: string,
    private readonly ports: PendingRequestPorts,
    private readonly timings: PendingTimings,
    private readonly now: () => number = Date.now,
  ) {
    this.queuedAt = now();
  }

  /** Queued: the deadline runs from now. */
  start(): void {
    this.arm(this.timings.queueTimeoutMs, () => this.deadline());
  }

  /** A message from the worker that has the request. */
  reply(message: ToListener): void {
    if (this.state === 'Settled') return;
    this.firstReplyAt ??= this.now();
    this.state = 'Running';
    this.strikes = 0;
    if (message.worker.control) this.control = message.worker.control;
    switch (message.t) {
      case 'pull':
        this.ports.pullBody(message.bytes, message.worker.control);
        return;
      case 'head':
      case 'data':
        this.ports.relay(message);
        return;
      case 'fail':
        // The worker (or its pool host, after it died) answered with a catalogue error: 502.3, 500, 503.
        this.settle('worker-failed');
        this.fail(message.code);
        return;
      case 'abort':
        this.settle('aborted');
        this.ports.reset(message.reason);
        return;
    }
  }

  /** The whole response reached the client's socket (or the relay reset it). */
  responded(): void {
    if (this.state !== 'Settled') this.settle('replied');
  }

  /** The queue deadline passed: withdraw a request still queued; locate one a worker has. */
  async deadline(): Promise<void> {
    if (this.state === 'Running') return this.check();
    if (this.state !== 'Queued') return;
    let where: Whereabouts | undefined;
    try {
      where = await this.ports.withdraw();
    } catch {
      where = undefined;
    }
    // A worker answered meanwhile: it has the request, so the deadline no longer applies.
    if (this.is('Running')) return this.arm(this.timings.checkEveryMs, () => this.check());
    if (this.is('Settled')) return;
    // Withdrawn, or Redis cannot say where it is: the deadline is the listener's own, and it holds.
    if (!where || where.state === 'withdrawn' || where.state === 'queued') {
      this.settle('timed-out');
      this.fail('LISTENER_QUEUE_TIMEOUT');
      return;
    }
    this.follow(where);
  }

  /** Ask the queue where the request is (after the deadline, and after Redis came back). */
  async check(): Promise<void> {
    if (this.state === 'Settled' || this.checking) return;
    this.checking = true;
    let where: Whereabouts;
    try {
      where = await this.ports.locate();
    } catch {
      this.arm(this.timings.checkEveryMs, () => this.check());
      return;
    } finally {
      this.checking = false;
    }
    if (this.is('Settled') || where.state === 'queued' || where.state === 'withdrawn') return;
    this.follow(where);
  }

  /** The client closed its connection. */
  clientGone(): void {
    if (this.state === 'Settled') return;
    const queued = this.state === 'Queued';
    this.settle('client-gone');
    this.ports.stopBody();
    if (this.control) this.ports.toWorker(this.control, { t: 'cancel', id: this.id, reason: 'client gone' });
    if (!queued) return;
    // Take it off the queue if no worker has it yet, so that none ever runs it.
    this.ports.withdraw().then(
      (where) => where.state === 'withdrawn' && this.ports.clientReset(),
      () => undefined,
    );
  }

  /** The pool was stopped: a request still queued is withdrawn and answered 503, as http.sys does. */
  async poolStopped(reason: StopReason): Promise<void> {
    if (this.state !== 'Queued') return;
    let where: Whereabouts;
    try {
      where = await this.ports.withdraw();
    } catch {
      return; // Redis cannot say; the deadline still bounds it.
    }
    if (this.is('Settled')) return;
    if (where.state === 'withdrawn') {
      this.settle('pool-stopped');
      this.fail(reason === 'Disabled' ? 'LISTENER_POOL_STOPPED' : 'LISTENER_POOL_OFFLINE');
    } else if (where.state !== 'queued') this.follow(where);
  }

  /** What the queue said about a request that is not waiting any more. */
  private follow(where: Exclude<Whereabouts, { state: 'withdrawn' | 'queued' }>): void {
    if (where.state === 'gone') {
      // Completed with the reply still on its way to us, or lost: give the reply a moment, once.
      this.strikes += 1;
      if (this.strikes < 2) {
        this.arm(this.timings.lostGraceMs, () => this.check());
        return;
      }
      this.settle('abandoned');
      this.fail('LISTENER_REQUEST_ABANDONED');
      return;
    }
    this.strikes = 0;
    if (this.now() - where.lastSeenMs > this.timings.workerSilenceMs) {
      // Its worker stopped answering long ago and nobody settled the request for it (its host died too).
      this.settle('worker-dead');
      this.fail('WORKER_PROCESS_FAILED');
      return;
    }
    this.state = 'Running';
    this.arm(this.timings.checkEveryMs, () => this.check());
  }

  /** Answer with an error, or reset the connection if part of the response already went out. */
  private fail(code: ErrorCode): void {
    this.ports.stopBody();
    if (this.ports.responseStarted()) this.ports.reset(code);
    else this.ports.answer(code);
  }

  /** The state now: it may have changed while a call to Redis was awaited. */
  private is(state: PendingState): boolean {
    return this.state === state;
  }

  private settle(how: SettledHow): void {
    this.state = 'Settled';
    clearTimeout(this.timer);
    this.timer = undefined;
    this.ports.onSettled(how);
  }

  private arm(ms: number, then: () => Promise<void>): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void then(), ms);
    this.timer.unref();
  }
}
