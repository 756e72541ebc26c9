import { connect, type Socket } from 'node:net';
import { FcgiExchange, type ExchangeTransport } from './fcgi-exchange.js';
import {
  decodeEndRequest,
  decodeNameValuePairs,
  decodeUnknownType,
  encodeBeginRequest,
  encodeGetValues,
  encodeNameValuePairs,
  encodeStream,
  FCGI_KEEP_CONN,
  FCGI_NULL_REQUEST_ID,
  FcgiProtocolError,
  RecordDecoder,
  RecordType,
  Role,
  type FcgiRecord,
} from './fcgi-records.js';

/** Where a FastCGI server listens: a Unix domain socket, or a TCP host and port. */
export type FcgiAddress = { readonly path: string } | { readonly host: string; readonly port: number };

export function describeAddress(address: FcgiAddress): string {
  return 'path' in address ? `unix:${address.path}` : `tcp://${address.host}:${address.port}`;
}

/** The connection closed or broke while requests were running on it. */
export class FcgiConnectionError extends Error {
  override readonly name = 'FcgiConnectionError';
}

/**
 * One transport connection to a FastCGI application: requests multiplexed by request id (each an
 * FcgiExchange), management records on id 0. Requests are sent with FCGI_KEEP_CONN, so the connection
 * outlives them and the next request skips the connect.
 */
export class FcgiConnection implements ExchangeTransport {
  private readonly decoder = new RecordDecoder();
  private readonly exchanges = new Map<number, FcgiExchange>();
  private readonly holders = new Set<FcgiExchange>();
  private readonly closeListeners: ((error: Error | undefined) => void)[] = [];
  private pendingValues: ((values: Map<string, string>) => void) | undefined;
  private broken = false;
  private closedWith: Error | undefined;
  private isClosed = false;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (error) => (this.closedWith ??= error));
    socket.on('close', () => this.socketClosed());
  }

  /** Connect, or reject after `timeoutMs` (a server that does not accept is treated like one that refuses). */
  static connect(address: FcgiAddress, timeoutMs: number): Promise<FcgiConnection> {
    return new Promise((resolve, reject) => {
      const socket =
        'path' in address ? connect({ path: address.path }) : connect(address.port, address.host);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(
          new FcgiConnectionError(`no connection to ${describeAddress(address)} within ${timeoutMs} ms`),
        );
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new FcgiConnection(socket));
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  /**
   * How long the oldest request on this connection has waited for its first record (the server may not
   * have accepted it yet); undefined when none waits.
   */
  awaitingServerMs(now = Date.now()): number | undefined {
    let oldest: number | undefined;
    for (const exchange of this.exchanges.values())
      if (!exchange.hasAnswered) oldest = Math.min(oldest ?? Infinity, exchange.lastActivity);
    return oldest === undefined ? undefined : now - oldest;
  }

  /** Requests running on this connection. */
  get activeRequests(): number {
    return this.exchanges.size;
  }

  /**
   * Whether another request may use this connection: it is open, nothing broke the protocol on it, and no
   * request was aborted on it (PHP reads a stray FCGI_ABORT_REQUEST as a malformed next request).
   */
  get reusable(): boolean {
    // socket.destroyed as well as isClosed: the 'close' event that sets isClosed comes a tick after
    // destroy(), and a request queued for a slot is handed a connection in that same tick.
    return !this.isClosed && !this.broken && !this.socket.destroyed;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  onClose(listener: (error: Error | undefined) => void): void {
    if (this.isClosed) listener(this.closedWith);
    else this.closeListeners.push(listener);
  }

  /**
   * FCGI_BEGIN_REQUEST (RESPONDER, KEEP_CONN) and the PARAMS stream with its empty terminator, in one
   * write. The caller streams STDIN with the exchange's sendStdin.
   */
  begin(params: Iterable<readonly [string, string]>): FcgiExchange {
    if (!this.reusable) throw new FcgiConnectionError('the connection can take no more requests');
    let requestId = 1;
    while (this.exchanges.has(requestId)) requestId += 1;
    const exchange = new FcgiExchange(requestId, this);
    this.exchanges.set(requestId, exchange);
    const encoded = encodeNameValuePairs(params);
    const records = [
      encodeBeginRequest(requestId, Role.Responder, FCGI_KEEP_CONN),
      ...(encoded.length > 0 ? encodeStream(RecordType.Params, requestId, encoded) : []),
      ...encodeStream(RecordType.Params, requestId, Buffer.alloc(0)),
    ];
    this.write(records).catch(() => {
      // A write that fails closes the socket; the exchange fails from closed().
    });
    return exchange;
  }

  /**
   * FCGI_GET_VALUES: ask for management variables (FCGI_MAX_CONNS, FCGI_MAX_REQS, FCGI_MPXS_CONNS). An
   * application that does not know the record answers FCGI_UNKNOWN_TYPE: an empty map. PHP answers and
   * then closes the connection, so ask on a connection of its own.
   */
  getValues(names: readonly string[], timeoutMs: number): Promise<Map<string, string>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pendingValues = undefined;
        reject(new FcgiConnectionError(`no FCGI_GET_VALUES_RESULT within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pendingValues = (values) => {
        clearTimeout(timer);
        resolve(values);
      };
      this.onClose((error) => {
        if (!this.pendingValues) return;
        this.pendingValues = undefined;
        clearTimeout(timer);
        reject(
          new FcgiConnectionError(`closed before FCGI_GET_VALUES_RESULT${error ? `: ${error.message}` : ''}`),
        );
      });
      this.write([encodeGetValues(names)]).catch(() => undefined);
    });
  }

  /** Close the connection; requests still on it fail. */
  destroy(reason?: string): void {
    if (reason) this.closedWith ??= new FcgiConnectionError(reason);
    this.socket.destroy();
  }

  /** Do not use this connection for another request (an abort was sent on it). */
  retire(): void {
    this.broken = true;
  }

  write(bytes: Buffer | Buffer[]): Promise<void> {
    if (this.isClosed || this.socket.destroyed)
      return Promise.reject(new FcgiConnectionError('the connection is closed'));
    const pieces = Array.isArray(bytes) ? bytes : [bytes];
    let ready = true;
    if (pieces.length > 1) this.socket.cork();
    for (const piece of pieces) ready = this.socket.write(piece);
    if (pieces.length > 1) this.socket.uncork();
    if (ready) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = () => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        if (this.isClosed || this.socket.destroyed) reject(new FcgiConnectionError('the connection closed'));
        else resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }

  holdReading(exchange: FcgiExchange, hold: boolean): void {
    if (hold) this.holders.add(exchange);
    else this.holders.delete(exchange);
    if (this.holders.size > 0) this.socket.pause();
    else if (!this.isClosed) this.socket.resume();
  }

  release(exchange: FcgiExchange): void {
    if (this.exchanges.get(exchange.requestId) === exchange) this.exchanges.delete(exchange.requestId);
    if (exchange.isAborted) this.broken = true;
  }

  private receive(chunk: Buffer): void {
    let records: FcgiRecord[];
    try {
      records = this.decoder.push(chunk);
    } catch (error) {
      this.breakWith(error as Error);
      return;
    }
    for (const record of records) {
      try {
        this.dispatch(record);
      } catch (error) {
        this.breakWith(error as Error);
        return;
      }
    }
  }

  private dispatch(record: FcgiRecord): void {
    if (record.requestId === FCGI_NULL_REQUEST_ID) {
      if (record.type === RecordType.GetValuesResult)
        this.pendingValues?.(decodeNameValuePairs(record.content));
      else if (record.type === RecordType.UnknownType) {
        decodeUnknownType(record.content);
        this.pendingValues?.(new Map());
      }
      this.pendingValues = undefined;
      return;
    }
    // Records of a request that is no longer active are ignored (spec 3.3).
    const exchange = this.exchanges.get(record.requestId);
    switch (record.type) {
      case RecordType.Stdout:
      case RecordType.Stderr:
        // An empty record only closes that stream; END_REQUEST is what ends the request.
        if (exchange && record.content.length > 0)
          exchange.deliver({
            kind: record.type === RecordType.Stdout ? 'stdout' : 'stderr',
            data: record.content,
          });
        return;
      case RecordType.EndRequest:
        exchange?.deliver({ kind: 'end', end: decodeEndRequest(record.content) });
        return;
      default:
        throw new FcgiProtocolError(`unexpected record type ${record.type} for request ${record.requestId}`);
    }
  }

  private breakWith(error: Error): void {
    this.broken = true;
    this.closedWith = error;
    this.socket.destroy();
  }

  private socketClosed(): void {
    this.isClosed = true;
    const error =
      this.closedWith instanceof FcgiProtocolError || this.closedWith instanceof FcgiConnectionError
        ? this.closedWith
        : new FcgiConnectionError(
            `the FastCGI application closed the connection${this.closedWith ? ` (${this.closedWith.message})` : ''}`,
          );
    for (const exchange of [...this.exchanges.values()]) exchange.fail(error);
    this.exchanges.clear();
    for (const listener of this.closeListeners.splice(0)) listener(this.closedWith);
  }
}
