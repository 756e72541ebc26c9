import type { W3poolConfig } from '@w3pool/config';
import type { ErrorCode } from '@w3pool/protocol';
import type { Exchange } from './exchange.js';
import { connectionOf } from './limits/connection-of.js';
import type { SiteConnections } from './limits/site-connections.js';
import type { RequestFilter } from './request-filter.js';
import type { RuntimeStates } from './runtime-states.js';
import type { SiteRouter } from './site-router.js';
import { normalizeUrl } from './url-normalizer.js';

/** What the checks read: the configuration in force, compiled, and the runtime state of pools and sites. */
export interface IntakeState {
  config: W3poolConfig;
  router: SiteRouter;
  filter: RequestFilter;
  states: RuntimeStates;
  connections: SiteConnections;
}

/**
 * One stage of what http.sys and IIS check before a request is queued: the catalogue code of the refusal,
 * or undefined to go on. A stage may record what it learned on the exchange (the URL, the route) for the
 * stages after it.
 */
export type PreQueueCheck = (exchange: Exchange, state: IntakeState) => ErrorCode | undefined;

/**
 * HTTP/1.x, and HTTP/2 where TLS and ALPN agreed it; an HTTP/1.1 request line that claims another version
 * (`HTTP/2.0`, `HTTP/3.0`) is one it does not support.
 */
export const httpVersion: PreQueueCheck = ({ request }) =>
  request.httpVersionMajor === 1 || (request.httpVersionMajor === 2 && 'stream' in request)
    ? undefined
    : 'LISTENER_VERSION_NOT_SUPPORTED';

/** RFC 9112 §3.2: a request with more than one Host header must be refused with 400. */
export const singleHost: PreQueueCheck = ({ request }) => {
  const raw = request.rawHeaders;
  let hosts = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 4 && name.toLowerCase() === 'host' && ++hosts > 1) return 'LISTENER_HOST_INVALID';
  }
  return undefined;
};

/**
 * http.sys implements one transfer coding, chunked. Node's parser only checks that chunked comes last, so
 * `identity, chunked` (or `gzip, chunked`) would be read as chunked while a front end that refuses the
 * unknown coding, or frames by Content-Length, reads the same bytes otherwise: a smuggling gap. Any other
 * coding is 501 N/I, and the connection closes (rejections.ts), so nothing after it is parsed.
 */
export const transferCoding: PreQueueCheck = ({ request }) => {
  const value = request.headers['transfer-encoding'];
  if (value === undefined || request.httpVersionMajor !== 1) return undefined;
  const codings = value.split(',').map((coding) => coding.trim().toLowerCase());
  return codings.length === 1 && codings[0] === 'chunked'
    ? undefined
    : 'LISTENER_TRANSFER_CODING_NOT_IMPLEMENTED';
};

/** The target decoded and canonicalised; one that cannot name a path on this server is refused. */
export const url: PreQueueCheck = (exchange) => {
  exchange.url = normalizeUrl(exchange.request.url ?? '');
  return exchange.url ? undefined : 'LISTENER_URL_INVALID';
};

/** http.sys's URL-prefix routing: binding, then the longest application path, which names the pool. */
export const routing: PreQueueCheck = (exchange, { router }) => {
  const { socket, headers } = exchange.request;
  exchange.route = router.route(
    socket.localAddress ?? '',
    socket.localPort ?? 0,
    headers.host,
    exchange.url!.path,
  );
  return exchange.route ? undefined : 'LISTENER_NO_SITE';
};

export const siteState: PreQueueCheck = (exchange, { states }) =>
  states.siteStopped(exchange.route!.site) ? 'LISTENER_SITE_STOPPED' : undefined;

/**
 * sites[].limits.maxConnections: the first request of a connection assigns it to its site, unless the site
 * already has as many connections as it allows (503 ConnLimit, and the connection closes).
 */
export const connectionLimit: PreQueueCheck = ({ request, route }, { connections }) =>
  connections.admit(connectionOf(request), route!.site.id, route!.site.limits.maxConnections)
    ? undefined
    : 'LISTENER_CONNECTION_LIMIT';

/** IIS's RequestFilteringModule: URL, query, escaping, sequences, segments, verbs, extensions. */
export const requestFiltering: PreQueueCheck = ({ request, url, route }, { filter }) =>
  filter.check(request.method ?? 'GET', request.url ?? '/', url!, route!.site);

/** requestLimits maxAllowedContentLength, for a declared length (a counted one is the body pump's). */
export const contentLength: PreQueueCheck = ({ request }, { config }) =>
  Number(request.headers['content-length'] ?? 0) >
  config.webServer.requestFiltering.requestLimits.maxAllowedContentLength
    ? 'LISTENER_CONTENT_TOO_LARGE'
    : undefined;

/**
 * serverRuntime maxRequestEntityAllowed, for a declared length (a counted one is the body pump's): IIS's
 * core server refuses it with 413.0, after request filtering has had its say.
 */
export const entityLimit: PreQueueCheck = ({ request }, { config }) =>
  Number(request.headers['content-length'] ?? 0) > config.webServer.serverRuntime.maxRequestEntityAllowed
    ? 'LISTENER_ENTITY_TOO_LARGE'
    : undefined;

/** A stopped pool answers 503 at once: Disabled by an administrator, AppOffline after rapid-fail. */
export const poolState: PreQueueCheck = (exchange, { states }) => {
  const stopped = states.poolStopped(exchange.route!.pool);
  if (!stopped) return undefined;
  return stopped === 'Disabled' ? 'LISTENER_POOL_STOPPED' : 'LISTENER_POOL_OFFLINE';
};

/**
 * In IIS's order: http.sys's parse checks, routing, the site and its connection limit, request filtering,
 * the core server's entity limit, then the pool.
 */
export const PRE_QUEUE_CHECKS: readonly PreQueueCheck[] = [
  httpVersion,
  singleHost,
  transferCoding,
  url,
  routing,
  siteState,
  connectionLimit,
  requestFiltering,
  contentLength,
  entityLimit,
  poolState,
];

export function runPreQueueChecks(exchange: Exchange, state: IntakeState): ErrorCode | undefined {
  for (const check of PRE_QUEUE_CHECKS) {
    const refusal = check(exchange, state);
    if (refusal) return refusal;
  }
  return undefined;
}
