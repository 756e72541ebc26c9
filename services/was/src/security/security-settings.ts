import { dirname, join, resolve } from 'node:path';

/** Fastify's own default, kept explicit: no admin document comes near 1 MiB. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** How the admin API is reached and guarded, read once from WAS's environment (docs/admin-security.md). */
export interface SecuritySettings {
  /** W3POOL_ADMIN_TOKEN: the token itself (wins over the file). */
  token: string | undefined;
  /** W3POOL_ADMIN_TOKEN_FILE: a file holding the token. */
  tokenFile: string | undefined;
  /** W3POOL_STATE_DIR, else `<config dir>/.w3pool`: where a generated token's hash is kept. */
  stateDir: string;
  /** W3POOL_WAS_HOST: the address the admin API listens on (127.0.0.1 unless set). */
  listenHost: string;
  /** W3POOL_WAS_ALLOWED_HOSTS: further names the admin API answers to (a proxy's, a container's). */
  allowedHosts: string[];
  /** W3POOL_WAS_CORS_ORIGINS: origins a browser may call the API from; none unless set. */
  corsOrigins: string[];
  /** W3POOL_WAS_BODY_LIMIT: the largest request body in bytes. */
  bodyLimit: number;
}

const list = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

// An empty variable counts as unset, so `W3POOL_ADMIN_TOKEN= npm start` falls back to the generated token.
const nonEmpty = (value: string | undefined): string | undefined => (value ? value : undefined);

export function readSecuritySettings(env: NodeJS.ProcessEnv, configFile: string): SecuritySettings {
  const limit = Number(env.W3POOL_WAS_BODY_LIMIT);
  return {
    token: nonEmpty(env.W3POOL_ADMIN_TOKEN),
    tokenFile: nonEmpty(env.W3POOL_ADMIN_TOKEN_FILE),
    stateDir: resolve(nonEmpty(env.W3POOL_STATE_DIR) ?? join(dirname(resolve(configFile)), '.w3pool')),
    listenHost: nonEmpty(env.W3POOL_WAS_HOST) ?? '127.0.0.1',
    allowedHosts: list(env.W3POOL_WAS_ALLOWED_HOSTS).map((h) => h.toLowerCase()),
    corsOrigins: list(env.W3POOL_WAS_CORS_ORIGINS).map((o) => o.toLowerCase().replace(/\/$/, '')),
    bodyLimit: Number.isSafeInteger(limit) && limit > 0 ? limit : DEFAULT_BODY_LIMIT,
  };
}
