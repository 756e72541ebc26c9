import type { EventEmitter } from 'node:events';

/**
 * http.sys's per-site connection limit (sites[].limits.maxConnections). A connection belongs to the site of
 * its first request, as a connection to a port shared by several sites (Host bindings) is only assigned
 * once a request names its host; later requests on it (even for another Host) do not count again. It is
 * released when it closes.
 */
export class SiteConnections {
  private readonly siteOf = new WeakMap<EventEmitter, number>();
  private readonly counts = new Map<number, number>();

  /**
   * @param open open connections by site id, kept up to date here: the listener's counters publish it as
   *   they are (IIS's per-site Current Connections).
   */
  constructor(readonly open: Record<number, number> = {}) {}

  /**
   * Whether `connection` may carry a request for site `siteId`: yes when it already belongs to a site, or
   * when the site has fewer than `max` connections, in which case it now belongs to this one.
   */
  admit(connection: EventEmitter, siteId: number, max: number): boolean {
    if (this.siteOf.has(connection)) return true;
    // Already closed (the client left while the request was parsed): its `close` has been emitted and would
    // never release a count taken now.
    if ((connection as { destroyed?: boolean }).destroyed) return true;
    const count = this.counts.get(siteId) ?? 0;
    if (count >= max) return false;
    this.siteOf.set(connection, siteId);
    this.set(siteId, count + 1);
    connection.once('close', () => this.set(siteId, (this.counts.get(siteId) ?? 1) - 1));
    return true;
  }

  /** Open connections of the site. */
  count(siteId: number): number {
    return this.counts.get(siteId) ?? 0;
  }

  private set(siteId: number, count: number): void {
    if (count > 0) {
      this.counts.set(siteId, count);
      this.open[siteId] = count;
    } else {
      this.counts.delete(siteId);
      delete this.open[siteId];
    }
  }
}
