import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { ExtensionLogger } from '@w3pool/extension-sdk';

/**
 * monitorChangesTo: calls `changed` when the file's content may have changed. The directory is watched,
 * not the file, so an editor that saves by renaming a new file over the old one is still seen; a change
 * counts only when the file's size, mtime or inode differ from what was last seen.
 */
export class FileMonitor {
  private readonly watcher: FSWatcher | undefined;
  private seen: Promise<string>;

  constructor(
    private readonly file: string,
    log: ExtensionLogger,
    private readonly changed: () => void,
  ) {
    this.seen = signature(file);
    const name = basename(file);
    try {
      this.watcher = watch(dirname(file), (_event, changedName) => {
        if (changedName === null || changedName === name) this.check();
      });
      this.watcher.on('error', (error) =>
        log.warn('monitorChangesTo: the watch failed', { file, error: error.message }),
      );
      this.watcher.unref();
    } catch (error) {
      log.warn('monitorChangesTo: the file cannot be watched', { file, error: (error as Error).message });
    }
  }

  close(): void {
    this.watcher?.close();
  }

  private check(): void {
    this.seen = this.seen.then(async (before) => {
      const now = await signature(this.file);
      if (now !== before) this.changed();
      return now;
    });
  }
}

async function signature(file: string): Promise<string> {
  const info = await stat(file).catch(() => undefined);
  return info ? `${info.ino}:${info.size}:${info.mtimeMs}` : 'missing';
}
