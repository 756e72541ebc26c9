import type { ApplicationPool } from '@w3pool/config';
import type { StopReason } from '@w3pool/protocol';
import type { PendingRequest } from './pending-request.js';

/**
 * The requests this listener queued and has not answered yet, by id: what a pool stop must answer, and
 * what the listener checks on when Redis comes back after an outage.
 */
export class PendingRequests {
  private readonly all = new Map<string, { request: PendingRequest; pool: ApplicationPool }>();

  get size(): number {
    return this.all.size;
  }

  add(request: PendingRequest, pool: ApplicationPool): void {
    this.all.set(request.id, { request, pool });
  }

  remove(id: string): void {
    this.all.delete(id);
  }

  /** http.sys answers 503 for the queued requests of a pool that stops, as well as for new ones. */
  poolsChanged(stopped: (pool: ApplicationPool) => StopReason | undefined): void {
    for (const { request, pool } of this.all.values()) {
      const reason = request.state === 'Queued' ? stopped(pool) : undefined;
      if (reason) void request.poolStopped(reason);
    }
  }

  /**
   * After a reconnect, ask the queue where requests are: those a worker runs (their replies may have been
   * published while this listener was not subscribed), and, when Redis came back without its data or as
   * another server (a failover), the queued ones too: a worker may have taken one and answered it while this
   * listener was away, or the queue lost it. A queued request in the same Redis, which kept its data, is
   * still queued; locating it would only scan its list.
   */
  checkAfterReconnect(everything: boolean): void {
    for (const { request } of this.all.values()) {
      if (everything || request.state === 'Running') void request.check();
    }
  }
}
