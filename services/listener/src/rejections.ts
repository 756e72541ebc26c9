import { errorCatalogue, statusLabel, type ErrorCode, type ErrorDefinition } from '@w3pool/protocol';
import { socketOf } from './limits/connection-of.js';
import { sendError } from './error-response.js';
import type { Exchange } from './exchange.js';
import type { HttpErrLog } from './httperr-log.js';
import type { ListenerStats } from './listener-stats.js';

/**
 * Rejections http.sys answers with the connection closed: the request line or Host could not be trusted,
 * so nothing after it can be either.
 */
const CLOSES_CONNECTION = new Set<ErrorCode>([
  'LISTENER_VERSION_NOT_SUPPORTED',
  'LISTENER_URL_INVALID',
  'LISTENER_NO_SITE',
  'LISTENER_HOST_INVALID',
  // The body's framing is unknown: its bytes must not be read as a next request.
  'LISTENER_TRANSFER_CODING_NOT_IMPLEMENTED',
  'LISTENER_CONTENT_TOO_LARGE',
  'LISTENER_ENTITY_TOO_LARGE',
  'LISTENER_SHUTTING_DOWN',
  // The connection was refused as a whole: it must not stay open uncounted.
  'LISTENER_CONNECTION_LIMIT',
]);

/**
 * Connections a refusal closes. Node's parser reads every request a packet holds and hands each over at
 * once, before the refusal's answer has closed the connection: a request pipelined after the refused one
 * (the body a smuggling probe hides behind an ambiguous framing) must not run.
 */
const closing = new WeakSet<object>();
// Keyed on the connection's socket itself: an HTTP/2 request's `socket` is a new proxy per stream.

/** Whether an earlier refusal on this request's connection closes it: the request is then not served. */
export function afterClosingRefusal(exchange: Exchange): boolean {
  return closing.has(socketOf(exchange.request));
}

/** Refusals a client may simply retry in a moment: they carry Retry-After. */
const RETRY_AFTER = new Set<ErrorCode>([
  'LISTENER_QUEUE_FULL',
  'LISTENER_QUEUE_UNREACHABLE',
  'LISTENER_REQUEST_ABANDONED',
  'LISTENER_SHUTTING_DOWN',
]);

/**
 * Every answer the listener makes itself, from the error catalogue: the status and page, the HTTPERR line
 * for http.sys's own rejections (they never reach the site log), the logged IIS status, the counters.
 */
export class Rejections {
  constructor(
    private readonly httperrLog: HttpErrLog,
    private readonly stats: ListenerStats,
  ) {}

  /**
   * Answer with `code`. The connection closes when the code calls for it, or when the request declared a
   * body the listener will not read (`unreadBody`), since the next request on it would start mid-body.
   */
  reject(exchange: Exchange, code: ErrorCode, unreadBody = false): void {
    const def: ErrorDefinition = errorCatalogue[code];
    if (def.reason) {
      this.httperr(exchange, def.reason, def.status);
      this.stats.rejected[def.reason] = (this.stats.rejected[def.reason] ?? 0) + 1;
    }
    const [status = '0', substatus = '0'] = statusLabel(code).split('.');
    exchange.logStatus = Number(status);
    exchange.substatus = Number(substatus);
    const close = unreadBody || CLOSES_CONNECTION.has(code);
    if (close) closing.add(socketOf(exchange.request));
    sendError(exchange.response, code, {
      close,
      headers: RETRY_AFTER.has(code) ? { 'retry-after': '1' } : {},
    });
  }

  /** Close the connection without an answer (TcpLevel QueueFull, Timer_EntityBody), logged in HTTPERR. */
  drop(exchange: Exchange, reason: string): void {
    this.httperr(exchange, reason);
    exchange.request.socket.destroy();
  }

  /** An HTTPERR line for this exchange; the request is then not in the site log. */
  httperr(exchange: Exchange, reason: string, status?: number): void {
    const { request } = exchange;
    exchange.siteLog = false;
    this.httperrLog.record({
      clientIp: exchange.clientIp,
      clientPort: exchange.clientPort,
      serverIp: exchange.serverIp,
      serverPort: exchange.serverPort,
      httpVersion: request.httpVersion,
      method: request.method,
      uri: request.url,
      siteId: exchange.route?.site.id,
      queueName: exchange.route?.pool.name,
      reason,
      ...(status === undefined ? {} : { status }),
    });
  }
}
