import type { PoolQueue, QueueEntry, Whereabouts } from '@w3pool/pool-queue';
import type { ErrorCode, RequestJob, ResponseData, ResponseHead, ToWorker } from '@w3pool/protocol';
import type { Exchange } from './exchange.js';
import type { IntakeDeps } from './intake-deps.js';
import type { PendingRequestPorts, SettledHow } from './pending-request.js';
import type { ListenerBody } from './request-body-pump.js';
import type { ResponseRelay } from './response-relay.js';

/** What a queued request holds on to: its place in the queue, its body, its cache key. */
export interface Queued {
  queue: PoolQueue;
  entry: QueueEntry;
  body: ListenerBody;
  cacheKey: string | undefined;
}

/**
 * What one PendingRequest acts through, for one exchange. A class rather than a dozen closures: one object
 * per request on the hottest path.
 */
export class RequestPorts implements PendingRequestPorts {
  relayTo: ResponseRelay | undefined;

  constructor(
    private readonly deps: IntakeDeps,
    private readonly exchange: Exchange,
    private readonly job: RequestJob,
    private readonly queued: Queued,
  ) {}

  withdraw(): Promise<Whereabouts> {
    return this.queued.queue.withdraw(this.queued.entry);
  }

  locate(): Promise<Whereabouts> {
    return this.queued.queue.locate(this.queued.entry);
  }

  relay(message: ResponseHead | ResponseData): void {
    const relay = this.relayTo!;
    if (message.log) this.exchange.workerLog = message.log;
    if (message.t === 'data') return relay.data(message);
    this.exchange.substatus = message.substatus;
    relay.head(message, this.deps.shuttingDown());
    const { cacheKey } = this.queued;
    if (cacheKey) this.deps.cache.store(cacheKey, this.job.method, this.job.siteId, this.job.path, message);
  }

  responseStarted(): boolean {
    return this.exchange.response.headersSent;
  }

  reset(reason: string): void {
    this.relayTo!.reset(reason);
  }

  answer(code: ErrorCode): void {
    this.deps.rejections.reject(this.exchange, code, !this.job.bodyComplete);
  }

  pullBody(bytes: number, control: string): void {
    this.queued.body.pull(bytes, (chunk) => this.deps.control.send(control, chunk));
  }

  stopBody(): void {
    this.queued.body.stop();
  }

  toWorker(control: string, message: ToWorker): void {
    this.deps.control.send(control, message);
  }

  clientReset(): void {
    this.deps.stats.clientResets += 1;
    this.deps.rejections.httperr(this.exchange, 'Client_Reset');
  }

  onSettled(how: SettledHow): void {
    const { deps, job } = this;
    deps.replies.forget(job.id);
    deps.pending.remove(job.id);
    if (how === 'replied') return;
    const where = { id: job.id, url: job.rawUrl, listener: deps.listenerId };
    if (how === 'timed-out') {
      deps.stats.queueTimeouts += 1;
      deps.warnings.warn(
        'Timer_AppPool',
        { ...where, reason: 'Timer_AppPool' },
        'request expired in the pool queue',
      );
    } else if (how === 'abandoned') {
      deps.stats.abandoned += 1;
      deps.warnings.warn('abandoned', where, 'request lost by the queue (Connection_Abandoned_By_ReqQueue)');
    } else if (how === 'worker-dead') {
      deps.warnings.warn(
        'worker-dead',
        where,
        'request held by a worker that stopped answering and was never settled (502.3)',
      );
    }
  }
}
