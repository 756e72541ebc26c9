import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** One built file of the dashboard, held in memory with its gzip form and validators. */
export interface DashboardFile {
  body: Buffer;
  /** Only when it is smaller than `body` (images and fonts are compressed already). */
  gzip?: Buffer;
  contentType: string;
  etag: string;
  /** Vite names what it bundles `assets/<name>-<hash>.<ext>`: such a file never changes under its name. */
  immutable: boolean;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json', '.map', '.txt']);

/**
 * Where `pnpm build` puts the bundle (tools/dashboard/dist), from this file's place in services/was/dist;
 * W3POOL_DASHBOARD_DIR overrides it (an image that keeps the bundle elsewhere).
 */
export function defaultDashboardDir(env: NodeJS.ProcessEnv = process.env): string {
  return (
    env.W3POOL_DASHBOARD_DIR ?? fileURLToPath(new URL('../../../../tools/dashboard/dist', import.meta.url))
  );
}

/**
 * Reads the whole bundle into memory once, at start: it is built before WAS runs and is small (about
 * 100 KB), so every request is answered from memory with no file system access and no path from the URL
 * ever reaching the disk. Undefined when the directory holds no index.html (the dashboard was not built).
 */
export async function loadDashboardFiles(dir: string): Promise<Map<string, DashboardFile> | undefined> {
  const index = await stat(join(dir, 'index.html')).catch(() => undefined);
  if (!index?.isFile()) return undefined;
  const files = new Map<string, DashboardFile>();
  for (const path of await listFiles(dir)) {
    const body = await readFile(path);
    const ext = extname(path);
    const gzip = COMPRESSIBLE.has(ext) ? gzipSync(body, { level: 9 }) : undefined;
    const name = relative(dir, path).split(sep).join('/');
    files.set(name, {
      body,
      ...(gzip && gzip.length < body.length ? { gzip } : {}),
      contentType: CONTENT_TYPES[ext] ?? 'application/octet-stream',
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
      immutable: name.startsWith('assets/'),
    });
  }
  return files;
}

async function listFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await listFiles(path)));
    else if (entry.isFile()) found.push(path);
  }
  return found;
}
