import { watch, type FSWatcher } from 'node:fs';
import type { Logger } from 'pino';
import type { PublishedConfig } from '@w3pool/config';
import type { WorkerStats } from '../host-link.js';
import { ApplicationDomain } from './application-domain.js';
import type { FailedDomainRequests } from './failed-domain-requests.js';

const DOMAIN_ENTRY = new URL('./domain-main.js', import.meta.url);

/**
 * Files whose change restarts an application's domain: code and configuration, as ASP.NET restarts an
 * AppDomain for bin/, web.config and code files, but not for static content.
 */
const RESTART_ON = /(^|[/\\])(bin[/\\]|web\.config$)|\.(m?js|cjs|json|ya?ml)$/i;
/** Changes arrive in bursts (an editor's save, a deploy): restart once they settle. */
const SETTLE_MS = 200;
/** A domain that died before it was ever ready is started again after this pause, not in a tight loop. */
const RESTART_PAUSE_MS = 1000;
/** Pause before settling a dead domain's requests again when Redis could not be asked. */
const RETRY_MS = 1000;

interface AppSpec {
  siteId: number;
  appPath: string;
  root: string;
  /** What the domain depends on: a change starts a new one. */
  signature: string;
  published: PublishedConfig;
  capacity: number;
}

interface Slot {
  domain: ApplicationDomain;
  app: AppSpec;
  watcher?: FSWatcher;
  timer?: NodeJS.Timeout;
}

export interface DomainsOptions {
  redisUrl: string;
  pool: string;
  /** This worker process's id (W3POOL_WORKER_ID): its domains' queue consumers are `<workerId>.<n>`. */
  workerId: string;
  failed: FailedDomainRequests;
  onUnhealthy: (reason: string) => void;
  log: Logger;
}

/**
 * The applications of this worker process's pool, each in its own domain (a worker thread: the AppDomain
 * analogue) that takes its application's requests from the queue itself. A change to an application's files
 * or configuration restarts that application alone: a new domain takes the new requests while the old one
 * finishes its own and ends; the other applications keep serving on theirs. A domain that dies has what it
 * held answered with 500 and is started again, alone.
 */
export class ApplicationDomains {
  private readonly slots = new Map<string, Slot>();
  /** Every domain whose thread runs: the slots' and those retiring. */
  private readonly live = new Set<ApplicationDomain>();
  /** Requests served by domains that have ended. */
  private servedBefore = 0;
  private started = 0;
  private closing = false;

  constructor(private readonly options: DomainsOptions) {}

  /** Adopt a configuration: start new applications, restart changed ones, retire removed ones. */
  configure(published: PublishedConfig, capacity: number): void {
    const wanted = new Map<string, AppSpec>();
    for (const site of published.config.sites) {
      for (const app of site.applications) {
        if (app.applicationPool !== this.options.pool) continue;
        wanted.set(key(site.id, app.path), {
          siteId: site.id,
          appPath: app.path,
          root: app.virtualDirectories.find((v) => v.path === '/')?.physicalPath ?? '',
          signature: JSON.stringify({ app, webServer: published.config.webServer, capacity }),
          published,
          capacity,
        });
      }
    }
    for (const [k, slot] of this.slots) {
      if (wanted.has(k)) continue;
      this.slots.delete(k);
      this.stopWatching(slot);
      void slot.domain.retire();
    }
    for (const [k, app] of wanted) {
      const slot = this.slots.get(k);
      if (slot && slot.app.signature === app.signature) continue;
      if (slot) this.options.log.info({ app: app.appPath, reason: 'ConfigChange' }, 'application restarting');
      this.start(k, app, slot);
    }
  }

  /** Resolves when every application has loaded and takes requests; false if one died instead. */
  async ready(): Promise<boolean> {
    const results = await Promise.all([...this.slots.values()].map((s) => s.domain.ready()));
    return results.every(Boolean);
  }

  /** Every domain answers: none has a blocked event loop (the host's ping goes through this). */
  async ping(): Promise<void> {
    await Promise.all([...this.live].map((domain) => domain.ping()));
  }

  /** What the domains run now and have served, as of their last reports. */
  stats(): WorkerStats {
    let served = this.servedBefore;
    const inFlight: WorkerStats['inFlight'] = [];
    for (const domain of this.live) {
      served += domain.stats.served;
      inFlight.push(...domain.stats.inFlight);
    }
    return { served, inFlight };
  }

  /** Retire every domain: each stops taking, finishes its requests, terminates its extensions, ends. */
  async close(): Promise<void> {
    this.closing = true;
    for (const slot of this.slots.values()) this.stopWatching(slot);
    this.slots.clear();
    await Promise.all([...this.live].map((domain) => domain.retire()));
  }

  private start(k: string, app: AppSpec, previous: Slot | undefined): void {
    this.started += 1;
    const domain = new ApplicationDomain(
      DOMAIN_ENTRY,
      {
        redisUrl: this.options.redisUrl,
        pool: this.options.pool,
        siteId: app.siteId,
        appPath: app.appPath,
        consumerId: `${this.options.workerId}.${this.started}`,
        capacity: app.capacity,
        published: app.published,
      },
      {
        unhealthy: this.options.onUnhealthy,
        ended: (ended, code, retired) => this.onEnded(k, ended, code, retired),
      },
      this.options.log,
    );
    this.live.add(domain);
    const slot: Slot = { domain, app };
    if (previous) {
      this.stopWatching(previous);
      // The old domain keeps its requests in flight to the end, on its own code.
      void previous.domain.retire();
    }
    if (app.root) slot.watcher = this.watchRoot(k, app.root);
    this.slots.set(k, slot);
  }

  private onEnded(k: string, domain: ApplicationDomain, code: number, retired: boolean): void {
    this.live.delete(domain);
    this.servedBefore += domain.stats.served;
    this.settle(domain.consumerId);
    if (retired || this.closing) return;
    const slot = this.slots.get(k);
    this.options.log.error(
      { app: domain.data.appPath, code, consumer: domain.consumerId },
      'application domain ended unexpectedly; starting it again',
    );
    if (slot?.domain !== domain) return;
    const restart = () => {
      if (!this.closing && this.slots.get(k) === slot) this.start(k, slot.app, slot);
    };
    if (domain.becameReady) restart();
    else setTimeout(restart, RESTART_PAUSE_MS).unref();
  }

  /** Answer what an ended domain held; while Redis cannot be asked, try again shortly. */
  private settle(consumerId: string, attempt = 1): void {
    const { failed, log } = this.options;
    failed.settle(consumerId).then(
      (count) => {
        if (count > 0)
          log.warn({ consumer: consumerId, requests: count }, 'requests of a dead domain settled');
      },
      (error: unknown) => {
        if (attempt === 1) log.error({ err: error, consumer: consumerId }, 'dead domain not settled yet');
        setTimeout(() => this.settle(consumerId, attempt + 1), RETRY_MS).unref();
      },
    );
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
          this.options.log.info(
            { app: slot.app.appPath, file: name, reason: 'FileChange' },
            'application restarting',
          );
          this.start(k, slot.app, slot);
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
}

const key = (siteId: number, appPath: string) => `${siteId}:${appPath.toLowerCase()}`;
