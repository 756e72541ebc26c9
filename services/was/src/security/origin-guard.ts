import type { FastifyReply, FastifyRequest } from 'fastify';
import { refuse } from './refusal.js';
import type { SecuritySettings } from './security-settings.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const CORS_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE';
const CORS_HEADERS = 'authorization, content-type, if-match';

/** `http://<Host>`: the origin a page served by the admin API itself would send (the Host is checked first). */
const ownOrigin = (request: FastifyRequest) => `http://${(request.headers.host ?? '').toLowerCase()}`;

/**
 * onRequest: a state-changing request whose Origin is present and is neither the admin API's own nor one
 * of W3POOL_WAS_CORS_ORIGINS is refused with 403, whatever it carries: a form or fetch from another site
 * (text/plain, no preflight) must not stop a pool. Requests without Origin (curl, scripts) pass on to the
 * token check.
 */
export function originGuard(settings: SecuritySettings) {
  const allowed = new Set(settings.corsOrigins);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (SAFE_METHODS.has(request.method)) return;
    const origin = request.headers.origin?.toLowerCase();
    if (origin === undefined || origin === ownOrigin(request) || allowed.has(origin)) return;
    return refuse(reply, 'WAS_ORIGIN_FORBIDDEN', `(Origin ${JSON.stringify(origin.slice(0, 200))})`);
  };
}

/**
 * onRequest: CORS, off unless W3POOL_WAS_CORS_ORIGINS names origins. For those, responses carry
 * Access-Control-Allow-Origin and a preflight is answered here, before the token check (a browser's
 * preflight never carries the token); the real request still needs it.
 */
export function corsHeaders(settings: SecuritySettings) {
  const allowed = new Set(settings.corsOrigins);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const origin = request.headers.origin?.toLowerCase();
    if (allowed.size === 0 || origin === undefined || !allowed.has(origin)) return;
    reply.header('access-control-allow-origin', request.headers.origin!).header('vary', 'Origin');
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method'])
      return reply
        .code(204)
        .headers({
          'access-control-allow-methods': CORS_METHODS,
          'access-control-allow-headers': CORS_HEADERS,
          'access-control-max-age': '600',
        })
        .send();
  };
}
