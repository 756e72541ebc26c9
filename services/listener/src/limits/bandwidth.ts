import type { ServerResponse } from 'node:http';
import type { W3poolConfig } from '@w3pool/config';
import { paceFor, type Pace } from './pace.js';
import { ThrottledWriter } from './throttled-writer.js';

/**
 * http.sys's bandwidth throttling: each site's responses share `limits.maxBandwidth` bytes per second, and
 * all responses share `webLimits.maxGlobalBandwidth`. Only response bodies are paced, where the listener
 * writes them (the response relay and cache hits).
 */
export class Bandwidth {
  /**
   * Whether any limit is set. The request path checks this one boolean and, when false, writes exactly as
   * without throttling: no lookup and no allocation per request.
   */
  limited = false;
  private global: Pace | undefined;
  private readonly sites = new Map<number, readonly Pace[]>();
  /** Each site's own pace, apart from the global one. */
  private readonly own = new Map<number, Pace>();

  configure(config: W3poolConfig): void {
    // A pace whose rate is unchanged is kept, so a configuration change does not reset its schedule.
    const old = new Map(this.own);
    this.global = paceFor(config.webLimits.maxGlobalBandwidth, this.global);
    this.sites.clear();
    this.own.clear();
    for (const site of config.sites) {
      const own = paceFor(site.limits.maxBandwidth, old.get(site.id));
      if (own) this.own.set(site.id, own);
      const paces = [own, this.global].filter((p): p is Pace => p !== undefined);
      if (paces.length > 0) this.sites.set(site.id, paces);
    }
    this.limited = this.sites.size > 0;
  }

  /** The writer that paces this response of site `siteId`, or undefined when the site is not limited. */
  writer(response: ServerResponse, siteId: number): ThrottledWriter | undefined {
    const paces = this.sites.get(siteId);
    return paces ? new ThrottledWriter(response, paces) : undefined;
  }
}
