import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Where WAS takes its admin token from on this start (the same order as services/was/src/security). */
export type AdminTokenState =
  | { source: 'W3POOL_ADMIN_TOKEN' }
  | { source: 'W3POOL_ADMIN_TOKEN_FILE'; file: string }
  | { source: 'hash'; hashFile: string; existed: boolean };

/**
 * Read before WAS starts: whether a token hash is already stored tells whether WAS is about to generate
 * (and print) a new token. The state directory's default mirrors WAS's: `<config dir>/.w3pool`.
 */
export function adminTokenState(env: NodeJS.ProcessEnv, configFile: string, cwd: string): AdminTokenState {
  if (env.W3POOL_ADMIN_TOKEN) return { source: 'W3POOL_ADMIN_TOKEN' };
  if (env.W3POOL_ADMIN_TOKEN_FILE)
    return { source: 'W3POOL_ADMIN_TOKEN_FILE', file: resolve(cwd, env.W3POOL_ADMIN_TOKEN_FILE) };
  const stateDir = env.W3POOL_STATE_DIR
    ? resolve(cwd, env.W3POOL_STATE_DIR)
    : join(dirname(configFile), '.w3pool');
  const hashFile = join(stateDir, 'admin-token.hash');
  return { source: 'hash', hashFile, existed: existsSync(hashFile) };
}

/** One line saying where the admin API's token is; never the token itself. */
export function adminTokenNotice(state: AdminTokenState, wasUrl: string): string {
  const use = `send it as Authorization: Bearer <token> to ${wasUrl}/api/... (docs/admin-security.md)`;
  if (state.source === 'W3POOL_ADMIN_TOKEN')
    return `admin API token: the value of W3POOL_ADMIN_TOKEN; ${use}`;
  if (state.source === 'W3POOL_ADMIN_TOKEN_FILE')
    return `admin API token: the content of ${state.file} (W3POOL_ADMIN_TOKEN_FILE); ${use}`;
  if (!state.existed)
    return (
      `admin API token: generated now and shown once in the [was] "w3pool admin token" line above; ` +
      `run the export it shows, then ${use}. Only its hash is kept, in ${state.hashFile}`
    );
  return (
    `admin API token: the one WAS printed on its first start (only its hash is kept, in ${state.hashFile}); ` +
    `lost it? delete that file and restart for a new one, or set W3POOL_ADMIN_TOKEN. Then ${use}`
  );
}
