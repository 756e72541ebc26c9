import type { FastifyReply, FastifyRequest } from 'fastify';
import { refuse } from './refusal.js';
import type { TokenVerifier } from './token-store.js';

/** Probes for orchestrators and load balancers, which carry no token; they reveal nothing but health. */
export const OPEN_ROUTES: ReadonlySet<string> = new Set(['/healthz', '/readyz']);
/**
 * The dashboard's static files (dashboard/): open like a sign-in page, since a browser cannot send a token
 * when it navigates. They hold no data: the page calls the /api routes with the token the user signs in with.
 */
export const DASHBOARD_ROUTES = ['/dashboard', '/dashboard/', '/dashboard/*'] as const;
const PUBLIC_ROUTES: ReadonlySet<string> = new Set([...OPEN_ROUTES, ...DASHBOARD_ROUTES]);

const BEARER = /^Bearer[ \t]+([A-Za-z0-9\-._~+/]+=*)[ \t]*$/i;
const CHALLENGE = 'Bearer realm="w3pool-was"';

/**
 * onRequest: every route but the probes and the dashboard's files (and unknown URLs too, so a caller without the token cannot map
 * the API) needs `Authorization: Bearer <token>`. Only the header counts, never a cookie: a browser sends
 * cookies on a cross-site request by itself, but never an Authorization header it was not told to send.
 */
export function bearerAuth(verifier: TokenVerifier) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (PUBLIC_ROUTES.has(request.routeOptions.url ?? '')) return;
    const header = request.headers.authorization;
    if (!header) return refuse(reply, 'WAS_TOKEN_MISSING', undefined, { 'www-authenticate': CHALLENGE });
    const token = BEARER.exec(header)?.[1];
    if (!token || !verifier.verify(token))
      return refuse(reply, 'WAS_TOKEN_INVALID', undefined, {
        'www-authenticate': `${CHALLENGE}, error="invalid_token"`,
      });
  };
}
