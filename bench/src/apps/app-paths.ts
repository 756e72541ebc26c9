import { fileURLToPath } from 'node:url';

// This file runs compiled (bench/dist/apps) in the benchmark and from source (bench/src/apps) under vitest.
// Both sit two levels below bench/, so the same relative URLs name the compiled apps and the PHP pages.
const benchDir = new URL('../../', import.meta.url);

/** The node:http app PM2 runs in cluster mode (compiled: `npx tsc -b bench` first). */
export function peerAppScript(): string {
  return fileURLToPath(new URL('dist/apps/peer-app.js', benchDir));
}

/** The Express app, run unmodified by PM2 and by w3pool's NodeAppModule (compiled). */
export function expressAppScript(): string {
  return fileURLToPath(new URL('dist/apps/express-app.js', benchDir));
}

/** The PHP pages, read from the source folder: tsc does not copy them to dist. */
export function phpPagesDir(): string {
  return fileURLToPath(new URL('src/apps/php', benchDir));
}
