import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { DASHBOARD_ROUTES } from '../security/bearer-auth.js';
import type { WasHttp } from '../was-http.js';
import { loadDashboardFiles, type DashboardFile } from './dashboard-files.js';

/**
 * The page may run only its own bundle and talk only to WAS: no inline script, no other origin, never
 * framed (a framed console could be clicked through by a hostile page).
 */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/**
 * GET /dashboard/...: the dashboard's static bundle (tools/dashboard, built by `pnpm build`), served from
 * memory. The files hold no data and need no token (a browser cannot send one when it navigates); every
 * figure they show comes from the token-guarded /api routes, called with the token the user signs in with.
 * Hashed assets are cached for a year as immutable, index.html is revalidated on every load (no-cache) so
 * a new build is picked up at once.
 */
export async function registerDashboard(http: WasHttp, dir: string, log: Logger): Promise<void> {
  const files = await loadDashboardFiles(dir);
  if (!files) {
    log.warn({ dir }, 'dashboard not built (no index.html): /dashboard answers 404; run pnpm build');
    return;
  }
  log.info({ dir, files: files.size }, 'dashboard served at /dashboard/');
  const [bare, root, wildcard] = DASHBOARD_ROUTES;
  // Files, not the API: left out of the OpenAPI document.
  const options = { schema: { hide: true } };
  // Relative to /dashboard/, as the bundle's URLs are.
  http.get(bare, options, (_request, reply) => reply.redirect('/dashboard/', 308));
  http.get(root, options, (request, reply) => send(request, reply, files.get('index.html')!));
  http.get<{ Params: { '*': string } }>(wildcard, options, (request, reply) => {
    const file = files.get(request.params['*']);
    return file ? send(request, reply, file) : reply.callNotFound();
  });
}

function send(request: FastifyRequest, reply: FastifyReply, file: DashboardFile): FastifyReply {
  const gzip = file.gzip && /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
  reply.headers({
    ...SECURITY_HEADERS,
    'content-type': file.contentType,
    'cache-control': file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    etag: file.etag,
    vary: 'accept-encoding',
  });
  if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
  if (gzip) return reply.header('content-encoding', 'gzip').send(file.gzip);
  return reply.send(file.body);
}
