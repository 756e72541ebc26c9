import { watch, type FSWatcher } from 'node:fs';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { PublishedConfig } from '@w3pool/config';
import { encodeMessage, replyChannel, type RequestJob } from '@w3pool/protocol';
import { ApplicationDomain } from './application-domain.js';

const DOMAIN_ENTRY = new URL('./domain-main.js', import.meta.url);

/**
 * Files whose change restarts an application's domain: code and configuration, as ASP.NET restarts an
 * AppDomain for bin/, web.config and code files, but not for static content.
 */
const RESTART_ON = /(^|[/\\])(bin[/\\]|web\.config$)|\.(m?js|cjs|json|ya?ml)$/i;
/** Changes arrive in bursts (an editor's save, a deploy): restart once they settle. */
const SETTLE_MS = 200;

interface Slot {
  domain: ApplicationDomain;
  signature: string;
  watcher?: FSWatcher;
  timer?: NodeJS.Timeout;
}

/**
 * The applications of this worker process's pool, each in its own domain (a worker thread: the AppDomain
 * analogue). A change to an application's files or configuration restarts that application alone: new
 * requests go to a new domain while the old one finishes its requests and ends; the other applications keep
 * serving on theirs.
 */
export class ApplicationDomains {
  private readonly slots = new Map<string, Slot>();

  constructor(
    private readonly redisUrl: string,
    private readonly pool: string,
    private readonly publisher: Redis,
    private readonly onUnhealthy: (reason: string) => void,
    private readonly log: Logger,
  ) {}

  /** Adopt a configuration: start new applications, restart changed ones, retire removed ones. */
  configure(published: PublishedConfig): void {
    const wanted = new Map<string, { siteId: number; appPath: string; root: string; signature: string }>();
    for (const site of published.config.sites) {
      for (const app of site.applications) {
        if (app.applicationPool !== this.pool) continue;
        wanted.set(key(site.id, app.path), {
          siteId: site.id,
          appPath: app.path,
          root: app.virtualDirectories.find((v) => v.path === '/')?.physicalPath ?? '',
          signature: JSON.stringify({ app, webServer: published.config.webServer }),
        });
      }
    }
    for (const [k, slot] of this.slots) {
      if (!wanted.has(k)) {
        this.slots.delete(k);
        this.stopWatching(slot);
        void slot.domain.retire();
      }
    }
    for (const [k, app] of wanted) {
      const slot = this.slots.get(k);
      if (slot && slot.signature === app.signature) continue;
      if (slot) this.log.info({ app: app.appPath, reason: 'ConfigChange' }, 'application restarting');
      this.start(k, { ...app, published }, slot);
    }
  }

  /** Resolves when every application has loaded; false if one died instead. */
  async ready(): Promise<boolean> {
    const results = await Promise.all([...this.slots.values()].map((s) => s.domain.ready()));
    return results.every(Boolean);
  }

  async execute(job: RequestJob): Promise<void> {
    const slot = this.slots.get(key(job.siteId, job.appPath));
    if (!slot) {
      this.abandon([job]);
      return;
    }
    // A domain that died (an uncaught error in an extension) is started again for the next request.
    if (!slot.domain.alive) this.start(key(job.siteId, job.appPath), slot.domain.data, slot);
    await this.slots.get(key(job.siteId, job.appPath))!.domain.execute(job);
  }

  /** Every domain answers: none has a blocked event loop (the host's ping goes through this). */
  async ping(): Promise<void> {
    await Promise.all([...this.slots.values()].map((s) => s.domain.ping()));
  }

  async close(): Promise<void> {
    const slots = [...this.slots.values()];
    this.slots.clear();
    for (const slot of slots) this.stopWatching(slot);
    await Promise.all(slots.map((s) => s.domain.retire()));
  }

  private start(
    k: string,
    data: { siteId: number; appPath: string; root?: string; published: PublishedConfig; signature?: string },
    previous: Slot | undefined,
  ): void {
    const domain = new ApplicationDomain(
      DOMAIN_ENTRY,
      {
        redisUrl: this.redisUrl,
        pool: this.pool,
        siteId: data.siteId,
        appPath: data.appPath,
        published: data.published,
      },
      this.onUnhealthy,
      (jobs) => this.abandon(jobs),
      this.log,
    );
    const slot: Slot = { domain, signature: data.signature ?? previous?.signature ?? '' };
    if (previous) {
      this.stopWatching(previous);
      // The old domain keeps its requests in flight to the end, on its own code.
      if (previous.domain !== domain) void previous.domain.retire();
    }
    const root =
      data.root ??
      data.published.config.sites
        .find((s) => s.id === data.siteId)
        ?.applications.find((a) => a.path === data.appPath)
        ?.virtualDirectories.find((v) => v.path === '/')?.physicalPath;
    if (root) slot.watcher = this.watchRoot(k, root);
    this.slots.set(k, slot);
  }

  private watchRoot(k: string, root: string): FSWatcher | undefined {
    try {
      const watcher = watch(root, { recursive: true, persistent: false }, (_event, name) => {
        if (name === null || !RESTART_ON.test(name)) return;
        const slot = this.slots.get(k);
        if (!slot) return;
        clearTimeout(slot.timer);
        slot.timer = setTimeout(() => {
          if (this.slots.get(k) !== slot) return;
          this.log.info(
            { app: slot.domain.data.appPath, file: name, reason: 'FileChange' },
            'application restarting',
          );
          this.start(k, { ...slot.domain.data, signature: slot.signature }, slot);
        }, SETTLE_MS);
      });
      watcher.on('error', () => undefined);
      return watcher;
    } catch {
      return undefined;
    }
  }

  private stopWatching(slot: Slot): void {
    clearTimeout(slot.timer);
    slot.watcher?.close();
  }

  /** Requests whose domain died: 500 through their listener, never a hang. */
  private abandon(jobs: RequestJob[]): void {
    for (const job of jobs) {
      this.publisher
        .publish(
          replyChannel(job.replyTo),
          encodeMessage({
            t: 'fail',
            id: job.id,
            code: 'WORKER_HANDLER_FAILED',
            worker: { pool: this.pool, pid: process.pid, control: '' },
          }),
        )
        .catch((error: unknown) => this.log.error({ err: error, id: job.id }, 'failure not delivered'));
    }
  }
}

const key = (siteId: number, appPath: string) => `${siteId}:${appPath.toLowerCase()}`;
