import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

/** After a change event, wait this long for the writer to finish before reading the file again. */
const SETTLE_MS = 100;

/**
 * Tells when files change, by watching their folders rather than the files: a certificate is usually
 * replaced by writing a new file and renaming it over the old one, which a watch on the old file (its
 * inode) would never see.
 */
export class FileWatch {
  private readonly folders = new Map<string, { watcher: FSWatcher; names: Map<string, Set<() => void>> }>();
  private readonly timers = new Map<string, NodeJS.Timeout>();

  /** Call `onChange` (debounced) whenever `file` is written, replaced or removed. Returns the unwatch. */
  watch(file: string, onChange: () => void): () => void {
    const folder = dirname(file);
    const name = basename(file);
    let entry = this.folders.get(folder);
    if (!entry) {
      const names = new Map<string, Set<() => void>>();
      const watcher = watch(folder, { persistent: false }, (_event, changed) => {
        const listeners = changed ? names.get(changed.toString()) : undefined;
        if (listeners) this.settle(`${folder}/${changed!.toString()}`, listeners);
      });
      // A folder that disappears stops being watched; the files keep the content they had.
      watcher.on('error', () => undefined);
      entry = { watcher, names };
      this.folders.set(folder, entry);
    }
    const listeners = entry.names.get(name) ?? new Set();
    listeners.add(onChange);
    entry.names.set(name, listeners);
    const current = entry;
    return () => {
      listeners.delete(onChange);
      if (listeners.size === 0) current.names.delete(name);
      if (current.names.size === 0) {
        current.watcher.close();
        this.folders.delete(folder);
      }
    };
  }

  close(): void {
    for (const { watcher } of this.folders.values()) watcher.close();
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.folders.clear();
    this.timers.clear();
  }

  private settle(path: string, listeners: Set<() => void>): void {
    clearTimeout(this.timers.get(path));
    const timer = setTimeout(() => {
      this.timers.delete(path);
      for (const listener of [...listeners]) listener();
    }, SETTLE_MS);
    timer.unref();
    this.timers.set(path, timer);
  }
}
