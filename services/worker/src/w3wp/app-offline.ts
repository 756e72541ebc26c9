import { watch, type FSWatcher } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** How long a look at app_offline.htm is trusted when no file notification arrives. */
const RECHECK_MS = 1000;
const FILE = 'app_offline.htm';

export interface WatchedApplication {
  siteId: number;
  appPath: string;
  root: string;
}

/**
 * `app_offline.htm` in an application's root takes that application offline: every request gets 503 with
 * the file's content (the ASP.NET and ASP.NET Core Module convention), until the file is removed. Each root
 * is watched, so the change is seen at once and the listeners' cached responses for the application are
 * dropped (else they would go on answering from memory while the application is offline).
 */
export class AppOffline {
  private readonly seen = new Map<string, { at: number; page: Buffer | undefined }>();
  private watchers: FSWatcher[] = [];

  constructor(private readonly onChange: (app: WatchedApplication) => void) {}

  /** Watch the roots of the pool's applications (again, after a configuration change). */
  watch(applications: readonly WatchedApplication[]): void {
    this.close();
    for (const app of applications) {
      try {
        const watcher = watch(app.root, { persistent: false }, (_event, name) => {
          if (name !== null && name.toLowerCase() !== FILE) return;
          this.seen.delete(app.root);
          this.onChange(app);
        });
        watcher.on('error', () => this.seen.delete(app.root));
        this.watchers.push(watcher);
      } catch {
        // A root that cannot be watched is still checked once a second.
      }
    }
  }

  /**
   * What is known of `root` without looking at the disk: `{ page }` (undefined when online) while the last
   * look is fresh, else undefined. Lets the request path skip an await on almost every request.
   */
  known(root: string, now = Date.now()): { page: Buffer | undefined } | undefined {
    const known = this.seen.get(root);
    return known && now - known.at < RECHECK_MS ? known : undefined;
  }

  /** The page to answer with when the application at `root` is offline, else undefined. */
  async page(root: string): Promise<Buffer | undefined> {
    const now = Date.now();
    const known = this.seen.get(root);
    if (known && now - known.at < RECHECK_MS) return known.page;
    const file = join(root, FILE);
    const page = (await stat(file).catch(() => undefined))?.isFile()
      ? await readFile(file).catch(() => undefined)
      : undefined;
    this.seen.set(root, { at: now, page });
    return page;
  }

  close(): void {
    for (const watcher of this.watchers) watcher.close();
    this.watchers = [];
  }
}
