import type { W3poolConfig } from '@w3pool/config';
import type { ErrorCode } from '@w3pool/protocol';
import type { Exchange } from './exchange.js';
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
}

/**
 * One stage of what http.sys and IIS check before a request is queued: the catalogue code of the refusal,
 * or undefined to go on. A stage may record what it learned on the exchange (the URL, the route) for the
 * stages after it.
 */
export type PreQueueCheck = (exchange: Exchange, state: IntakeState) => ErrorCode | undefined;

/** http.sys serves HTTP/1.x here; a well-formed HTTP/2.0 request line is a version it does not support. */
export const httpVersion: PreQueueCheck = ({ request }) =>
  request.httpVersionMajor === 1 ? undefined : 'LISTENER_VERSION_NOT_SUPPORTED';

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

/** IIS's RequestFilteringModule: URL, query, escaping, sequences, segments, verbs, extensions. */
export const requestFiltering: PreQueueCheck = ({ request, url, route }, { filter }) =>
  filter.check(request.method ?? 'GET', request.url ?? '/', url!, route!.site);

/** requestLimits maxAllowedContentLength, for a declared length (a counted one is the body pump's). */
export const contentLength: PreQueueCheck = ({ request }, { config }) =>
  Number(request.headers['content-length'] ?? 0) >
  config.webServer.requestFiltering.requestLimits.maxAllowedContentLength
    ? 'LISTENER_CONTENT_TOO_LARGE'
    : undefined;

/** A stopped pool answers 503 at once: Disabled by an administrator, AppOffline after rapid-fail. */
export const poolState: PreQueueCheck = (exchange, { states }) => {
  const stopped = states.poolStopped(exchange.route!.pool);
  if (!stopped) return undefined;
  return stopped === 'Disabled' ? 'LISTENER_POOL_STOPPED' : 'LISTENER_POOL_OFFLINE';
};

/** In IIS's order: http.sys's parse checks, routing, the site, request filtering, then the pool. */
export const PRE_QUEUE_CHECKS: readonly PreQueueCheck[] = [
  httpVersion,
  singleHost,
  url,
  routing,
  siteState,
  requestFiltering,
  contentLength,
  poolState,
];

export function runPreQueueChecks(exchange: Exchange, state: IntakeState): ErrorCode | undefined {
  for (const check of PRE_QUEUE_CHECKS) {
    const refusal = check(exchange, state);
    if (refusal) return refusal;
  }
  return undefined;
}
