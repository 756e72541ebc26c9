import type { Redis } from 'ioredis';
import type { RequestJob } from '@w3pool/protocol';
import { poolKeys, type PoolKeys } from './pool-keys.js';
import { decodeElement, elementId } from './queue-element.js';
import { queueCommands, type QueueCommands, type QueuePipeline } from './queue-scripts.js';
import type { AbandonedOutcome } from './queue-stats.js';

/** A request a consumer took: run it, then complete(id). */
export interface TakenRequest {
  readonly id: string;
  readonly job: RequestJob;
}

export interface QueueConsumerOptions<M> {
  /** Takes, completions, heartbeats and the publishes that ride with them (RedisRole 'worker'). */
  redis: Redis;
  /** Only for the blocking wait while the lane is empty (RedisRole 'blocking'); the consumer closes it. */
  blocking: Redis;
  pool: string;
  /** The application whose lane this consumer takes from. */
  siteId: number;
  appPath: string;
  /** Unique: `<worker id>.<n>`, so settleDeadWorker finds every consumer of a worker by its id. */
  consumerId: string;
  /** Requests this consumer runs at once (workerConcurrency). */
  capacity: number;
  /** One PUBLISH payload for the messages one channel gets in one turn. */
  encodeBatch: (messages: M[]) => Buffer;
  /** Requests taken, oldest first. */
  onRequests: (requests: TakenRequest[]) => void;
  onError: (error: unknown, what: string) => void;
  /**
   * A batch published to `channel` reached no subscriber. Called before the requests taken in the same
   * round trip are handed over, so they can be judged by it.
   */
  onUnheard?: (channel: string) => void;
  /**
   * This consumer was settled as dead while it lived (it was hung, or its host lost Redis for longer than
   * the lease): it stopped taking for good, and its process should be replaced by a fresh one.
   */
  onSettled?: () => void;
}

/** Seconds one blocking wait lasts before it is renewed. */
const BLOCK_SECONDS = 2;
/** Pause before retrying after Redis refused a call (it is down): retry pacing, not synchronisation. */
const RETRY_MS = 250;
const HEARTBEAT_MS = 1000;

interface Outgoing<M> {
  messages: M[];
  waiters: { resolve: (receivers: number) => void; reject: (error: unknown) => void }[];
}

/**
 * w3wp's side of a pool queue, for one application domain: take, complete, and the replies.
 *
 * Everything a turn of the event loop produces leaves in one pipeline: the replies, one PUBLISH per channel
 * (all messages for that listener in one payload), then one script that releases the in-flight records of
 * the finished requests and takes up to `capacity - running` more. So under load one round trip carries many
 * requests each way. Only when the lane is empty does the consumer block (BLMOVE into its landing list, which
 * the next take adopts), on a connection of its own.
 *
 * Reliability: a taken request is recorded under the consumer's id until it completes, so a worker that dies
 * holding it can be settled (settleDeadWorker). A reply is published before its record is released, in the
 * same pipeline. If Redis comes back empty, the consumer registers again with the requests it still runs.
 */
export class QueueConsumer<M> {
  capacity: number;
  private readonly keys: PoolKeys;
  private readonly lane: string;
  private readonly redis: Redis & QueueCommands;
  private readonly running = new Map<string, Buffer>();
  private completed: string[] = [];
  private outbox = new Map<string, Outgoing<M>>();
  private taking = false;
  private flushing: Promise<void> | undefined;
  private dirty = false;
  private waiting: Promise<void> | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private registered = false;
  /** The connection came back: the next exchange makes Redis's in-flight records what this runs. */
  private resync = false;
  private blockingClientId: number | undefined;

  constructor(private readonly options: QueueConsumerOptions<M>) {
    this.keys = poolKeys(options.pool);
    this.lane = this.keys.lane(options.siteId, options.appPath);
    this.redis = queueCommands(options.redis);
    this.capacity = options.capacity;
    options.redis.on('ready', this.onReconnect);
  }

  get id(): string {
    return this.options.consumerId;
  }

  /** Whether it takes requests (false once stopped, or once it learned it was settled as dead). */
  get isTaking(): boolean {
    return this.taking;
  }

  /** Requests taken and not completed. */
  get inFlight(): number {
    return this.running.size;
  }

  /** Register, then take requests until stopTaking(). */
  async start(): Promise<void> {
    this.watchBlockingClient();
    if ((await this.register()) === -1) throw new Error(`consumer ${this.id} was settled as dead`);
    this.registered = true;
    this.taking = true;
    this.heartbeat = setInterval(() => this.beat(), HEARTBEAT_MS);
    this.heartbeat.unref();
    this.kick();
  }

  /** Queue a message for `channel`; resolves with the number of subscribers that received its batch. */
  publish(channel: string, message: M): Promise<number> {
    return new Promise((resolve, reject) => {
      let box = this.outbox.get(channel);
      if (!box) {
        box = { messages: [], waiters: [] };
        this.outbox.set(channel, box);
      }
      box.messages.push(message);
      box.waiters.push({ resolve, reject });
      this.kick();
    });
  }

  /**
   * Count a request whose listener had gone (QueueStats.AbandonedRequests). Rare (a listener died), so one
   * command each, off the request path's pipeline.
   */
  countAbandoned(outcome: AbandonedOutcome): void {
    this.options.redis
      .hincrby(this.keys.abandoned, outcome, 1)
      .catch((error: unknown) => this.options.onError(error, 'count an abandoned request'));
  }

  /** How many clients subscribe to `channel` now: whether a listener is still there to receive. */
  async subscribers(channel: string): Promise<number> {
    const reply = (await this.options.redis.pubsub('NUMSUB', channel)) as [string, number];
    return Number(reply[1] ?? 0);
  }

  /** The request is finished (its last reply already published): release its record, take another. */
  complete(id: string): void {
    if (!this.running.delete(id)) return;
    this.completed.push(id);
    this.kick();
  }

  /**
   * Stop taking: end the blocking wait and give back what it had moved. Requests already taken keep running;
   * call close() once they are complete. When this resolves, every request taken has been handed to
   * onRequests, including those a take in flight brings back.
   */
  async stopTaking(): Promise<void> {
    if (!this.taking) return;
    this.taking = false;
    // End the blocking wait on the server's side first: a connection closed by the client alone can still
    // be served by Redis before it notices, and what it moved would sit in a landing list nobody watches.
    if (this.waiting && this.blockingClientId !== undefined) {
      await this.redis.client('UNBLOCK', this.blockingClientId).catch(() => undefined);
    }
    this.options.blocking.disconnect();
    // An exchange that was already taking delivers after its round trip: without this, the caller could
    // see nothing running, close(), and unregister requests that are about to start.
    await this.flushing;
    await this.waiting;
    await this.giveBack('keep');
  }

  /** After the requests in flight completed: send what is left, then unregister. */
  async close(): Promise<void> {
    await this.stopTaking();
    clearInterval(this.heartbeat);
    this.options.redis.off('ready', this.onReconnect);
    while (this.flushing || this.outbox.size > 0 || this.completed.length > 0) {
      if (!this.flushing) this.kick();
      await this.flushing;
    }
    await this.giveBack('unregister');
  }

  /** Make sure an exchange runs soon: in the next turn, or right after the one in flight. */
  private kick(): void {
    if (this.flushing) {
      this.dirty = true;
      return;
    }
    this.flushing = (async () => {
      // The rest of this turn's replies and completions go in the same exchange.
      await new Promise((resolve) => setImmediate(resolve));
      do {
        this.dirty = false;
        await this.exchange();
        if (this.dirty) await new Promise((resolve) => setImmediate(resolve));
      } while (this.dirty);
    })().finally(() => {
      this.flushing = undefined;
      // A kick that came in a microtask after the last check.
      if (this.dirty) {
        this.dirty = false;
        this.kick();
      }
    });
  }

  private async exchange(): Promise<void> {
    const outbox = this.outbox;
    const done = this.completed;
    this.outbox = new Map();
    this.completed = [];
    const want = this.taking ? Math.max(0, this.capacity - this.running.size) : 0;
    const resync = this.resync;
    this.resync = false;
    if (outbox.size === 0 && done.length === 0 && want === 0 && !resync) return;
    const pipeline = this.redis.pipeline() as QueuePipeline;
    for (const [channel, box] of outbox) pipeline.publish(channel, this.options.encodeBatch(box.messages));
    const take = want > 0 || done.length > 0 || resync;
    if (take) {
      const k = this.keys;
      const records = resync ? [...this.running].flatMap(([id, element]) => [id, element]) : [];
      pipeline.w3poolTakeBuffer(
        ...[k.inflight(this.id), k.landing(this.id), this.lane, k.depth, k.settled(this.id)],
        ...[want, resync ? this.running.size : -1, ...records, ...done],
      );
    }
    const results: [unknown, unknown][] = (await pipeline.exec().catch(() => null)) ?? [];
    let i = 0;
    for (const [channel, box] of outbox) {
      const [error, receivers] = results[i] ?? [new Error('Redis did not answer'), undefined];
      i += 1;
      if (!error && Number(receivers) === 0) this.options.onUnheard?.(channel);
      for (const w of box.waiters) {
        if (error) w.reject(error);
        else w.resolve(Number(receivers));
      }
    }
    if (!take) return;
    const [error, taken] = results[i] ?? [new Error('Redis did not answer'), undefined];
    if (error) {
      this.resync ||= resync;
      return this.retryLater(done, error);
    }
    if (taken === -1) return this.settledMeanwhile();
    this.deliver(taken as Buffer[]);
    // Fewer than asked for: the lane is empty now, so wait for the next push rather than poll.
    if ((taken as Buffer[]).length < want) this.waitForWork();
  }

  private deliver(elements: Buffer[]): void {
    const requests: TakenRequest[] = [];
    for (const element of elements) {
      const id = elementId(element);
      this.running.set(id, element);
      try {
        requests.push({ id, job: decodeElement(element) });
      } catch (error) {
        // Nobody can be answered for bytes that are not a request; release it, and the listener's own
        // timers answer its client.
        this.options.onError(error, `dropped an undecodable request ${id}`);
        this.complete(id);
      }
    }
    if (requests.length > 0) this.options.onRequests(requests);
  }

  /** Redis refused the take: the completions go out with the next one, after a pause. */
  private retryLater(done: string[], error: unknown): void {
    this.completed.unshift(...done);
    this.options.onError(error, 'take failed; retrying');
    setTimeout(() => this.kick(), RETRY_MS).unref();
  }

  private waitForWork(): void {
    if (this.waiting || !this.taking) return;
    const k = this.keys;
    this.waiting = this.options.blocking
      .blmove(this.lane, k.landing(this.id), 'LEFT', 'RIGHT', BLOCK_SECONDS)
      .then(
        () => undefined,
        async () => {
          if (this.taking) await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
        },
      )
      .finally(() => {
        this.waiting = undefined;
        if (this.taking) this.kick();
      });
  }

  /** The blocking connection's id on the server (it changes with every reconnect), for CLIENT UNBLOCK. */
  private watchBlockingClient(): void {
    const { blocking } = this.options;
    const learn = () => {
      blocking.client('ID').then(
        (id) => (this.blockingClientId = Number(id)),
        () => (this.blockingClientId = undefined),
      );
    };
    blocking.on('ready', learn);
    if (blocking.status === 'ready') learn();
  }

  private register(): Promise<number> {
    const k = this.keys;
    const records = [...this.running].flatMap(([id, element]) => [id, element]);
    return this.redis.w3poolRegister(
      k.consumers,
      k.seen,
      k.inflight(this.id),
      k.settled(this.id),
      this.id,
      this.lane,
      Date.now(),
      ...records,
    );
  }

  /**
   * Redis came back: perhaps empty, perhaps a replica promoted by a failover that missed the last writes.
   * Announce this consumer and what it runs again, and (with the next exchange) drop the records of what it
   * no longer runs.
   */
  private readonly onReconnect = (): void => {
    if (!this.registered) return;
    this.resync = true;
    this.kick();
    this.register().then(
      (result) => result === -1 && this.settledMeanwhile(),
      (error: unknown) => this.options.onError(error, 'could not register again'),
    );
  };

  private beat(): void {
    const k = this.keys;
    this.redis
      .w3poolHeartbeat(k.consumers, k.seen, k.settled(this.id), this.id, Date.now())
      .then(async (known) => {
        if (known === -1) return this.settledMeanwhile();
        if (known === 0 && (await this.register()) === -1) return this.settledMeanwhile();
      })
      .catch((error: unknown) => this.options.onError(error, 'heartbeat failed'));
  }

  /**
   * Its pool host settled this consumer as dead (it was hung, say, and answered for): its requests were
   * answered 502.3 for it, so it must not take more. What it still runs finishes; the replies reach nobody.
   */
  private settledMeanwhile(): void {
    if (!this.taking) return;
    this.options.onError(new Error(`consumer ${this.id} was settled as dead`), 'stopped taking requests');
    void this.stopTaking();
    this.options.onSettled?.();
  }

  private giveBack(mode: 'keep' | 'unregister'): Promise<number> {
    const k = this.keys;
    return this.redis.w3poolGiveBack(
      k.landing(this.id),
      this.lane,
      k.consumers,
      k.seen,
      k.inflight(this.id),
      this.id,
      mode,
      k.demand,
    );
  }
}
