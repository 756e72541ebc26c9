import { errorCatalogue, statusLabel, type ErrorCode, type ErrorDefinition } from '@w3pool/protocol';
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
  'LISTENER_CONTENT_TOO_LARGE',
  'LISTENER_SHUTTING_DOWN',
]);

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
    sendError(exchange.response, code, {
      close: unreadBody || CLOSES_CONNECTION.has(code),
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
