import type { FastifyReply, FastifyRequest } from 'fastify';
import { OPEN_ROUTES } from './bearer-auth.js';
import { refuse } from './refusal.js';
import type { SecuritySettings } from './security-settings.js';

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '::1'];
const WILDCARDS = new Set(['0.0.0.0', '::', '']);

/** The host name of a Host header, lower-case, without port, brackets or a trailing dot; undefined if malformed. */
export function hostNameOf(header: string | undefined): string | undefined {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]\s/@]+)(?::\d{1,5})?$/.exec(header?.trim() ?? '');
  if (!match) return undefined;
  return match[1]!
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '');
}

/** The names the admin API answers to: loopback, the address it listens on, and W3POOL_WAS_ALLOWED_HOSTS. */
export function ownHostNames(settings: SecuritySettings): Set<string> {
  const names = new Set(LOOPBACK_NAMES);
  const listen = settings.listenHost.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (!WILDCARDS.has(listen)) names.add(listen);
  for (const name of settings.allowedHosts) names.add(name.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, ''));
  return names;
}

/**
 * onRequest, against DNS rebinding: a page on evil.example whose name is made to resolve to 127.0.0.1
 * reaches the admin API from the victim's browser, but its requests say `Host: evil.example`. Those get
 * 421 before anything else runs. The probes stay open: an orchestrator probes by the container's address.
 */
export function hostGuard(settings: SecuritySettings) {
  const own = ownHostNames(settings);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (OPEN_ROUTES.has(request.routeOptions.url ?? '')) return;
    const name = hostNameOf(request.headers.host);
    if (name === undefined || !own.has(name)) return refuse(reply, 'WAS_HOST_NOT_ALLOWED');
  };
}
