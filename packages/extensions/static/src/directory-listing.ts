import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { escapeHtml } from '@w3pool/extension-sdk';

/** The directoryBrowse page: name, date and size of each entry, directories first, as IIS lists them. */
export async function renderDirectoryListing(directory: string, urlPath: string): Promise<string> {
  const entries = await readdir(directory, { withFileTypes: true });
  const rows: { name: string; dir: boolean; size: number; mtime: Date }[] = [];
  for (const entry of entries) {
    const info = await stat(join(directory, entry.name)).catch(() => undefined);
    if (info) rows.push({ name: entry.name, dir: info.isDirectory(), size: info.size, mtime: info.mtime });
  }
  rows.sort((a, b) => Number(b.dir) - Number(a.dir) || a.name.localeCompare(b.name));
  const base = urlPath.endsWith('/') ? urlPath : `${urlPath}/`;
  const parent =
    base === '/'
      ? ''
      : `<a href="${escapeHtml(base.replace(/[^/]+\/$/, ''))}">[To Parent Directory]</a><br><br>`;
  const lines = rows.map((r) => {
    const href = escapeHtml(base + encodeURIComponent(r.name) + (r.dir ? '/' : ''));
    const size = r.dir ? '&lt;dir&gt;' : String(r.size);
    return `${r.mtime.toUTCString()} ${size.padStart(12)} <a href="${href}">${escapeHtml(r.name)}</a><br>`;
  });
  const title = escapeHtml(urlPath);
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1><hr><pre>${parent}${lines.join('\n')}</pre><hr></body></html>\n`;
}
