import { randomBytes } from 'node:crypto';
import { copyFile, open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** How many timestamped backups (w3pool.yaml.<time>.bak) are kept beside the file; older ones go. */
export const BACKUPS_KEPT = 5;

export interface WriterFs {
  /** Replaceable in tests to simulate a crash between the write and the rename. */
  rename(from: string, to: string): Promise<void>;
}

/**
 * Replace `file` with `text` atomically: a temporary file in the same directory (same filesystem, so the
 * rename is atomic), fsynced, then renamed over the old one, whose copy is kept first as a timestamped
 * backup. A crash at any step leaves either the old file or the new one, never half of either.
 */
export async function writeFileAtomically(
  file: string,
  text: string,
  fs: WriterFs = { rename },
): Promise<{ backup: string }> {
  const dir = dirname(file);
  const temp = join(dir, `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', 0o644);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  const backup = `${file}.${new Date().toISOString().replace(/[:.]/g, '-')}.bak`;
  try {
    await copyFile(file, backup);
    await fs.rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  // The directory entry itself: without this, a power loss could bring back the old name.
  const dirHandle = await open(dir, 'r');
  await dirHandle.sync().finally(() => dirHandle.close());
  await pruneBackups(file);
  return { backup };
}

async function pruneBackups(file: string): Promise<void> {
  const prefix = `${basename(file)}.`;
  const backups = (await readdir(dirname(file)))
    .filter((name) => name.startsWith(prefix) && name.endsWith('.bak'))
    .sort(); // ISO timestamps sort by time
  for (const old of backups.slice(0, Math.max(0, backups.length - BACKUPS_KEPT)))
    await rm(join(dirname(file), old), { force: true });
}

/** Errors that mean "this file cannot be written here" (a read-only mount), not a failure to report. */
export function isReadOnly(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'EROFS' || code === 'EACCES' || code === 'EPERM';
}
