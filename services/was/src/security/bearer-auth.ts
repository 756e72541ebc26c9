import type { FastifyReply, FastifyRequest } from 'fastify';
import { refuse } from './refusal.js';
import type { TokenVerifier } from './token-store.js';

/** Probes for orchestrators and load balancers, which carry no token; they reveal nothing but health. */
export const OPEN_ROUTES: ReadonlySet<string> = new Set(['/healthz', '/readyz']);

const BEARER = /^Bearer[ \t]+([A-Za-z0-9\-._~+/]+=*)[ \t]*$/i;
const CHALLENGE = 'Bearer realm="w3pool-was"';

/**
 * onRequest: every route but the probes (and unknown URLs too, so a caller without the token cannot map
 * the API) needs `Authorization: Bearer <token>`. Only the header counts, never a cookie: a browser sends
 * cookies on a cross-site request by itself, but never an Authorization header it was not told to send.
 */
export function bearerAuth(verifier: TokenVerifier) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (OPEN_ROUTES.has(request.routeOptions.url ?? '')) return;
    const header = request.headers.authorization;
    if (!header) return refuse(reply, 'WAS_TOKEN_MISSING', undefined, { 'www-authenticate': CHALLENGE });
    const token = BEARER.exec(header)?.[1];
    if (!token || !verifier.verify(token))
      return refuse(reply, 'WAS_TOKEN_INVALID', undefined, {
        'www-authenticate': `${CHALLENGE}, error="invalid_token"`,
      });
  };
}
