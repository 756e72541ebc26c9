import { HttpError, type ExtensionLogger } from '@w3pool/extension-sdk';
import type { FastCgiBackend, Lease } from './backend.js';
import { describeAddress, FcgiConnection, type FcgiAddress } from './fcgi-connection.js';
import { FCGI_MAX_CONNS, FCGI_MAX_REQS, FCGI_MPXS_CONNS } from './fcgi-records.js';
import { WaitQueue } from './wait-queue.js';

// A FastCGI server w3pool does not start (php-fpm, `address`): connections kept open between requests
// (FCGI_KEEP_CONN), at most a bounded number of requests at once, the rest waiting in a queue of
// queueLength (then 503.4).

export interface ExternalSettings {
  readonly name: string;
  readonly address: FcgiAddress;
  /** Requests at once; 0 asks the server (FCGI_MAX_CONNS), else DEFAULT_CONCURRENCY. */
  readonly maxInstances: number;
  readonly queueLength: number;
  readonly idleTimeoutMs: number;
  readonly connectTimeoutMs: number;
}

/**
 * Requests at once when neither maxInstances nor the server says. Requests beyond the server's workers wait
 * in its listen backlog (see othersAwaitServer), so this need not match php-fpm's pm.max_children.
 */
export const DEFAULT_CONCURRENCY = 8;

/** The management question is optional: a server that does not answer this fast gets the defaults. */
const PROBE_TIMEOUT_MS = 2000;
/** Longest an idle connection stays open (idleTimeout, when shorter, wins). */
const IDLE_CONNECTION_MS = 5000;
/**
 * A request unanswered this long on another connection may sit in php-fpm's backlog, behind the child an
 * idle kept connection holds. Most requests answer sooner (PHP sends its headers first), so closing idle
 * connections for every request merely in flight would open a connection per request.
 */
const STALLED_MS = 50;

interface ConnectionState {
  leased: number;
  idleTimer?: NodeJS.Timeout;
  stallTimer?: NodeJS.Timeout;
}

/** Parse `tcp://host:port` or `unix:/path` (also `unix:///path`). */
export function parseAddress(address: string): FcgiAddress {
  const unix = /^unix:(?:\/\/)?(\/.+)$/.exec(address);
  if (unix) return { path: unix[1]! };
  const tcp = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d{1,5})\/?$/.exec(address);
  if (tcp && Number(tcp[2]) > 0 && Number(tcp[2]) < 65536)
    return { host: tcp[1]!.replace(/^\[|\]$/g, ''), port: Number(tcp[2]) };
  throw new Error(`fastCgi address "${address}" is neither tcp://host:port nor unix:/path`);
}

interface Limits {
  /** Requests at once over all connections. */
  readonly total: number;
  /** Requests at once on one connection: 1 unless the server multiplexes (FCGI_MPXS_CONNS). */
  readonly perConnection: number;
}

export class ExternalServer implements FastCgiBackend {
  /** Each open connection with the requests leased on it. */
  private readonly connections = new Map<FcgiConnection, ConnectionState>();
  private readonly queue = new WaitQueue<void>();
  private inUse = 0;
  private limits: Promise<Limits> | undefined;
  private isClosed = false;

  constructor(
    private readonly settings: ExternalSettings,
    private readonly log: ExtensionLogger,
  ) {}

  get closed(): boolean {
    return this.isClosed;
  }

  async acquire(signal: AbortSignal): Promise<Lease> {
    if (this.isClosed) throw new HttpError('EXT_FASTCGI_SHUTTING_DOWN', this.settings.name);
    const limits = await (this.limits ??= this.probe());
    if (this.inUse < limits.total) {
      this.inUse += 1;
    } else {
      if (this.queue.length >= this.settings.queueLength) {
        throw new HttpError(
          'EXT_FASTCGI_QUEUE_FULL',
          `${this.settings.name}: ${this.queue.length} requests already wait for its ${limits.total} connections (queueLength ${this.settings.queueLength})`,
        );
      }
      // A request that ends hands its slot straight to the oldest waiter (inUse stays counted).
      await this.queue.wait(signal);
    }
    try {
      return this.lease(await this.connectionFor(limits));
    } catch (error) {
      this.freeSlot();
      throw error;
    }
  }

  async close(): Promise<void> {
    this.isClosed = true;
    this.queue.failAll(new HttpError('EXT_FASTCGI_SHUTTING_DOWN', this.settings.name));
    for (const [connection, state] of this.connections) if (state.leased === 0) connection.destroy();
    // Leased connections close when their request ends (release() sees isClosed).
    await Promise.all(
      [...this.connections.keys()].map((c) => new Promise<void>((resolve) => c.onClose(() => resolve()))),
    );
  }

  /**
   * Ask the server how many connections and requests it takes, and whether it multiplexes. php-fpm answers
   * only FCGI_MPXS_CONNS (0); a server that answers FCGI_MAX_CONNS bounds the default.
   */
  private async probe(): Promise<Limits> {
    let values = new Map<string, string>();
    try {
      // PHP closes a connection after it answers FCGI_GET_VALUES, so the question gets one of its own.
      const connection = await FcgiConnection.connect(this.settings.address, this.settings.connectTimeoutMs);
      try {
        values = await connection.getValues(
          [FCGI_MAX_CONNS, FCGI_MAX_REQS, FCGI_MPXS_CONNS],
          Math.min(this.settings.connectTimeoutMs, PROBE_TIMEOUT_MS),
        );
      } finally {
        connection.destroy();
      }
    } catch (error) {
      this.log.warn('FastCGI server did not answer FCGI_GET_VALUES; using defaults', {
        application: this.settings.name,
        error: (error as Error).message,
      });
    }
    return this.limitsFrom(values);
  }

  private limitsFrom(values: Map<string, string>): Limits {
    const serverConns = Number(values.get(FCGI_MAX_CONNS) ?? 0) || 0;
    const serverReqs = Number(values.get(FCGI_MAX_REQS) ?? 0) || 0;
    const multiplexes = values.get(FCGI_MPXS_CONNS) === '1';
    let total =
      this.settings.maxInstances > 0
        ? this.settings.maxInstances
        : serverReqs || serverConns || DEFAULT_CONCURRENCY;
    // php-fpm gives each kept connection a child of its own until it closes: more connections than
    // children would wait behind idle ones for good.
    if (serverConns > 0 && !multiplexes && total > serverConns) {
      this.log.warn("maxInstances exceeds the FastCGI server's FCGI_MAX_CONNS; using the server's limit", {
        application: this.settings.name,
        maxInstances: this.settings.maxInstances,
        serverMaxConns: serverConns,
      });
      total = serverConns;
    }
    const perConnection = multiplexes
      ? Math.max(1, serverReqs && serverConns ? Math.floor(serverReqs / serverConns) : total)
      : 1;
    this.log.info('FastCGI server limits', {
      application: this.settings.name,
      address: describeAddress(this.settings.address),
      total,
      perConnection,
    });
    return { total, perConnection };
  }

  private async connectionFor(limits: Limits): Promise<FcgiConnection> {
    // Reuse before connecting: fewer connections hold fewer php-fpm children.
    for (const [connection, state] of this.connections) {
      if (connection.reusable && state.leased < limits.perConnection) {
        clearTimers(state);
        state.leased += 1;
        return connection;
      }
    }
    let connection: FcgiConnection;
    try {
      connection = await FcgiConnection.connect(this.settings.address, this.settings.connectTimeoutMs);
    } catch (error) {
      throw new HttpError(
        'EXT_FASTCGI_SERVER_UNREACHABLE',
        `${describeAddress(this.settings.address)}: ${(error as Error).message}`,
      );
    }
    this.connections.set(connection, { leased: 1 });
    connection.onClose(() => {
      const state = this.connections.get(connection);
      if (state) clearTimers(state);
      this.connections.delete(connection);
    });
    return connection;
  }

  private lease(connection: FcgiConnection): Lease {
    let done = false;
    const end = (discard: string | undefined) => {
      if (done) return;
      done = true;
      const state = this.connections.get(connection);
      if (state) state.leased -= 1;
      if (discard !== undefined) connection.destroy(discard);
      // The oldest waiter of this process takes the slot first, and with it an idle kept connection: closing
      // this one to free its php-fpm child would only make the waiter open another, a connection per
      // request under load (php-fpm then spent 2.3 × nginx's CPU per request).
      const handedOn = this.freeSlot();
      if (discard !== undefined || !state || state.leased > 0) return;
      if (handedOn) this.keepIdle(connection, state);
      else this.idleOrClose(connection, state);
    };
    return { connection, pid: undefined, release: () => end(undefined), discard: (reason) => end(reason) };
  }

  private idleOrClose(connection: FcgiConnection, state: ConnectionState): void {
    const waited = this.othersAwaitingServerMs(connection);
    if (this.isClosed || !connection.reusable || (waited !== undefined && waited >= STALLED_MS)) {
      connection.destroy();
      return;
    }
    this.keepIdle(connection, state);
    if (waited === undefined) return;
    // Look again once that request would count as stalled, if this connection is still idle then.
    state.stallTimer = setTimeout(() => {
      if (state.leased === 0 && this.connections.get(connection) === state)
        this.idleOrClose(connection, state);
    }, STALLED_MS - waited);
    state.stallTimer.unref();
  }

  /**
   * An idle kept connection holds a php-fpm child that no other domain or worker can use meanwhile: kept
   * for the next request of a burst, given back soon after.
   */
  private keepIdle(connection: FcgiConnection, state: ConnectionState): void {
    clearTimers(state);
    state.idleTimer = setTimeout(
      () => connection.destroy(),
      Math.min(this.settings.idleTimeoutMs, IDLE_CONNECTION_MS),
    );
    state.idleTimer.unref();
  }

  /**
   * A php-fpm child serves one kept connection until it closes, and does not report how many children
   * there are. A request sent on a connection no child has accepted yet waits behind the kept ones: while
   * one has waited STALLED_MS, a connection that falls idle is closed, which frees its child for it.
   * Returns the longest wait for a first record on the other connections, if any request waits.
   */
  private othersAwaitingServerMs(except: FcgiConnection): number | undefined {
    const now = Date.now();
    let longest: number | undefined;
    for (const connection of this.connections.keys()) {
      if (connection === except) continue;
      const waited = connection.awaitingServerMs(now);
      if (waited !== undefined) longest = Math.max(longest ?? 0, waited);
    }
    return longest;
  }

  /** Give the slot to the oldest waiter, or back; true when a waiter took it. */
  private freeSlot(): boolean {
    if (this.queue.serve()) return true;
    this.inUse -= 1;
    return false;
  }
}

function clearTimers(state: ConnectionState): void {
  clearTimeout(state.idleTimer);
  clearTimeout(state.stallTimer);
}
