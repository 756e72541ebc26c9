import type { Logger } from 'pino';
import type { WasHttp } from '../was-http.js';
import { acceptJsonBodiesOnly } from './body-limits.js';
import { bearerAuth } from './bearer-auth.js';
import { hostGuard } from './host-guard.js';
import { corsHeaders, originGuard } from './origin-guard.js';
import type { SecuritySettings } from './security-settings.js';
import { resolveAdminToken, type TokenResolution } from './token-store.js';

export { readSecuritySettings, type SecuritySettings } from './security-settings.js';

/** The admin token for this start; a generated one is announced on stdout, once (docs/admin-security.md). */
export async function loadAdminToken(
  settings: SecuritySettings,
  log: Logger,
  announce: (line: string) => void = (line) => void process.stdout.write(`${line}\n`),
): Promise<TokenResolution> {
  const resolution = await resolveAdminToken(settings);
  const { verifier, generated } = resolution;
  if (generated)
    // The one place the token is ever written out: not through the logger, so no log shipper keeps it.
    announce(
      `*** w3pool admin token (shown once; only its SHA-256 hash is kept in ${verifier.hashFile}): ` +
        `export W3POOL_ADMIN_TOKEN=${generated}`,
    );
  log.info(
    { source: verifier.source, ...(verifier.hashFile ? { hashFile: verifier.hashFile } : {}) },
    'admin API token configured',
  );
  return resolution;
}

/**
 * Hooks the guards in front of every route, in this order: Host (421), CORS preflight, Origin (403),
 * bearer token (401). Install before any route is registered. Each registered route is recorded and
 * logged once ready (`admin API routes`), so a test can prove that every one of them is guarded.
 */
export function installAdminSecurity(
  http: WasHttp,
  settings: SecuritySettings,
  resolution: TokenResolution,
): void {
  acceptJsonBodiesOnly(http);
  http.addHook('onRequest', hostGuard(settings));
  http.addHook('onRequest', corsHeaders(settings));
  http.addHook('onRequest', originGuard(settings));
  http.addHook('onRequest', bearerAuth(resolution.verifier));
  const routes: string[] = [];
  http.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push(`${method} ${route.url}`);
  });
  http.addHook('onReady', (done) => {
    http.log.info({ routes }, 'admin API routes');
    done();
  });
}
