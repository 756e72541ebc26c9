import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResponseLog } from '@w3pool/protocol';
import type { PendingRequest } from './pending-request.js';
import type { Route } from './site-router.js';
import type { NormalizedUrl } from './url-normalizer.js';
import type { W3cLogs } from './w3c-log.js';

/** One request as the listener handles it: what its log lines need, whatever becomes of it. */
export class Exchange {
  readonly startedAt = Date.now();
  /** Socket addresses, kept because a destroyed socket no longer reports them. */
  readonly clientIp: string | undefined;
  readonly clientPort: number | undefined;
  readonly serverIp: string | undefined;
  readonly serverPort: number | undefined;
  url: NormalizedUrl | undefined;
  route: Route | undefined;
  /** False for rejections http.sys makes itself: those go to HTTPERR, not to the site log. */
  siteLog = true;
  /** IIS's logged status when it differs from the one sent (413 is logged 404.13). */
  logStatus: number | undefined;
  substatus = 0;
  /** What the worker added to the log line (lpszLogData, the authenticated user). */
  workerLog: ResponseLog | undefined;
  /** Once the request is queued: what the client's leaving must tell. */
  pending: PendingRequest | undefined;

  constructor(
    readonly request: IncomingMessage,
    readonly response: ServerResponse,
  ) {
    const socket = request.socket;
    this.clientIp = socket.remoteAddress;
    this.clientPort = socket.remotePort;
    this.serverIp = socket.localAddress;
    this.serverPort = socket.localPort;
  }
}

/** The site's W3C log line for a finished exchange (none for http.sys's own rejections). */
export function logAccess(exchange: Exchange, w3c: W3cLogs): void {
  const { request, response, route, url } = exchange;
  if (!route || !url || !exchange.siteLog) return;
  w3c.record(route.site.id, {
    at: Date.now(),
    serverIp: exchange.serverIp ?? '',
    method: request.method ?? '-',
    uriStem: url.path,
    // IIS appends an extension's lpszLogData to cs-uri-query as it is (ASP's `|line|code|text` convention).
    uriQuery: url.query + (exchange.workerLog?.data ?? ''),
    serverPort: exchange.serverPort ?? 0,
    username: exchange.workerLog?.user,
    clientIp: exchange.clientIp ?? '',
    // IIS writes HTTP/2 without a minor version; Node's httpVersion for it is `2.0`.
    protocolVersion: request.httpVersionMajor === 2 ? 'HTTP/2' : `HTTP/${request.httpVersion}`,
    userAgent: request.headers['user-agent'],
    referer: request.headers.referer,
    status: exchange.logStatus ?? response.statusCode,
    substatus: exchange.substatus,
    // ERROR_NETNAME_DELETED: the client went away before the response was complete.
    win32Status: response.writableFinished ? 0 : 64,
    timeTakenMs: Date.now() - exchange.startedAt,
  });
}
