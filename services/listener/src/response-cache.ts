import type { IncomingMessage } from 'node:http';
import { timeSpanToMs, type Application, type W3poolConfig } from '@w3pool/config';
import type { ResponseHead, ResponseHeaders } from '@w3pool/protocol';
import { CacheVariation, varyCovered } from './cache-variation.js';
import { HOP_BY_HOP } from '@w3pool/protocol';
import { declaresBody } from './request-body-pump.js';

/** http.sys's UriScavengerPeriod: an entry not hit for this long is dropped. */
const SCAVENGER_MS = 120_000;
/** maxCacheSize 0 ("let the server decide"): w3pool's choice per listener. */
const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;
const MAX_TRACKED_URLS = 10_000;

export interface CachedResponse {
  status: number;
  substatus: number;
  headers: ResponseHeaders;
  body: Buffer;
  worker: string;
  /**
   * The whole header block of a hit, as a flat list for one writeHead (content-length and which worker
   * produced it included): built once when the response is kept, not per hit.
   */
  lines: string[];
  expiresAt: number;
  lastHit: number;
}

export interface CacheCounters {
  uriCacheHits: number;
  uriCacheMisses: number;
  uriCacheEntries: number;
  uriCacheBytes: number;
  uriCacheFlushes: number;
}

/**
 * The listener's response cache: http.sys's kernel-mode URI cache. A GET that meets the kernel cache's
 * request conditions is answered from memory with no Redis round trip once a worker has produced a cacheable
 * response for it and the URL is frequently hit (serverRuntime frequentHitThreshold within
 * frequentHitTimePeriod). Entries go when their lifetime ends, when they go unused for the scavenger period,
 * when the configuration changes, and when a worker reports that their file changed.
 */
export class ResponseCache {
  readonly counters: CacheCounters = {
    uriCacheHits: 0,
    uriCacheMisses: 0,
    uriCacheEntries: 0,
    uriCacheBytes: 0,
    uriCacheFlushes: 0,
  };
  private readonly entries = new Map<string, CachedResponse>();
  /** `siteId\npath` → cache keys, so an invalidation finds every query variant. */
  private readonly byUrl = new Map<string, Set<string>>();
  private readonly recentHits = new Map<string, { count: number; since: number }>();
  private enabled = true;
  private maxResponseSize = 262144;
  private maxBytes = DEFAULT_MAX_BYTES;
  private cacheQueryStrings = false;
  private threshold = 2;
  private periodMs = 10_000;
  /** Caching profiles' varyBy and compression's Accept-Encoding, per application (cache-variation.ts). */
  private readonly variation = new CacheVariation();
  private readonly scavenger: NodeJS.Timeout;

  constructor() {
    this.scavenger = setInterval(() => this.scavenge(), SCAVENGER_MS / 4).unref();
  }

  /** A new configuration flushes everything: any entry may have been produced under the old one. */
  configure(config: W3poolConfig): void {
    const { caching, serverRuntime } = config.webServer;
    this.enabled = caching.enabled && caching.enableKernelCache;
    this.maxResponseSize = caching.maxResponseSize;
    this.maxBytes = caching.maxCacheSize > 0 ? caching.maxCacheSize * 1024 * 1024 : DEFAULT_MAX_BYTES;
    this.cacheQueryStrings = caching.cacheQueryStrings;
    this.threshold = serverRuntime.frequentHitThreshold;
    this.periodMs = timeSpanToMs(serverRuntime.frequentHitTimePeriod);
    this.variation.configure(config);
    this.clear();
  }

  /**
   * The cache key when the request meets the kernel cache's request conditions (GET or HEAD, HTTP/1.0 or
   * later, no body, no Authorization, no Range or If-Range, no Translate: f, no Expect but 100-continue, no
   * query string unless cacheQueryStrings or a caching profile's varyByQueryString), else undefined.
   */
  keyFor(
    request: IncomingMessage,
    siteId: number,
    path: string,
    query: string,
    application?: Application,
  ): string | undefined {
    if (!this.enabled) return undefined;
    if (request.method !== 'GET' && request.method !== 'HEAD') return undefined;
    const h = request.headers;
    if (h.authorization !== undefined || h.range !== undefined || h['if-range'] !== undefined)
      return undefined;
    if (String(h.translate ?? '').toLowerCase() === 'f') return undefined;
    if (h.expect !== undefined && h.expect.toLowerCase() !== '100-continue') return undefined;
    if (declaresBody(request)) return undefined;
    const variation = application && this.variation.of(application);
    if (variation) return this.variation.key(variation, h, siteId, path, query, this.cacheQueryStrings);
    if (query !== '' && !this.cacheQueryStrings) return undefined;
    return `${siteId}\n${path}${query === '' ? '' : `?${query}`}`;
  }

  lookup(key: string): CachedResponse | undefined {
    const entry = this.entries.get(key);
    const now = Date.now();
    if (entry && entry.expiresAt > now) {
      this.counters.uriCacheHits += 1;
      entry.lastHit = now;
      // Most recently used last: eviction takes from the front.
      this.entries.delete(key);
      this.entries.set(key, entry);
      return entry;
    }
    if (entry) this.remove(key);
    this.counters.uriCacheMisses += 1;
    this.noteRequest(key, now);
    return undefined;
  }

  /** Keep a worker's response if it qualifies (see HandlerResponse.setKernelCache). */
  store(key: string, method: string, siteId: number, path: string, head: ResponseHead): void {
    if (method !== 'GET' || !head.final || head.status !== 200) return;
    // No lifetime, or none left: a module kept it out (DisableCache, a plain copy a compressing client must not get).
    if (head.cacheMs === undefined || head.cacheMs <= 0) return;
    if (head.body.byteLength > this.maxResponseSize || head.body.byteLength > this.maxBytes) return;
    if (head.headers['set-cookie'] !== undefined) return;
    if (head.headers.vary !== undefined && !varyCovered(key, head.headers.vary)) return;
    if (!this.isFrequent(key)) return;
    const now = Date.now();
    this.remove(key);
    const body = Buffer.from(head.body.buffer, head.body.byteOffset, head.body.byteLength);
    const worker = `${head.worker.pool}/${head.worker.pid}`;
    this.entries.set(key, {
      status: head.status,
      substatus: head.substatus,
      headers: head.headers,
      body,
      worker,
      lines: headerLines(head.headers, worker, body.length),
      expiresAt: now + head.cacheMs,
      lastHit: now,
    });
    const url = `${siteId}\n${path}`;
    const keys = this.byUrl.get(url) ?? new Set();
    keys.add(key);
    this.byUrl.set(url, keys);
    this.counters.uriCacheBytes += body.length;
    this.counters.uriCacheEntries = this.entries.size;
    while (this.counters.uriCacheBytes > this.maxBytes) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.remove(oldest);
    }
  }

  /** A worker saw the file behind this URL change, or (`prefix`) an application under it go offline. */
  invalidate(siteId: number, path: string, prefix = false): void {
    const url = `${siteId}\n${path}`;
    const under = `${siteId}\n${path.replace(/\/$/, '')}/`;
    for (const [candidate, keys] of [...this.byUrl]) {
      if (candidate !== url && !(prefix && candidate.startsWith(under))) continue;
      for (const key of [...keys]) {
        this.remove(key);
        this.counters.uriCacheFlushes += 1;
      }
    }
  }

  clear(): void {
    this.counters.uriCacheFlushes += this.entries.size;
    this.entries.clear();
    this.byUrl.clear();
    this.recentHits.clear();
    this.counters.uriCacheBytes = 0;
    this.counters.uriCacheEntries = 0;
  }

  close(): void {
    clearInterval(this.scavenger);
    this.clear();
  }

  private noteRequest(key: string, now: number): void {
    const seen = this.recentHits.get(key);
    if (!seen || now - seen.since > this.periodMs) {
      this.recentHits.delete(key);
      this.recentHits.set(key, { count: 1, since: now });
      if (this.recentHits.size > MAX_TRACKED_URLS) {
        this.recentHits.delete(this.recentHits.keys().next().value as string);
      }
    } else {
      seen.count += 1;
    }
  }

  private isFrequent(key: string): boolean {
    const seen = this.recentHits.get(key);
    return seen !== undefined && seen.count >= this.threshold && Date.now() - seen.since <= this.periodMs;
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.counters.uriCacheBytes -= entry.body.length;
    this.counters.uriCacheEntries = this.entries.size;
    const [site = '', rest = ''] = key.split('\n');
    const url = `${site}\n${rest.split('?')[0]}`;
    const keys = this.byUrl.get(url);
    keys?.delete(key);
    if (keys?.size === 0) this.byUrl.delete(url);
  }

  private scavenge(): void {
    const now = Date.now();
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt <= now || now - entry.lastHit > SCAVENGER_MS) this.remove(key);
    }
  }
}

function headerLines(headers: ResponseHeaders, worker: string, length: number): string[] {
  const lines: string[] = [];
  for (const name in headers) {
    if (name === 'content-length' || HOP_BY_HOP.has(name)) continue;
    const value = headers[name]!;
    if (typeof value === 'string') lines.push(name, value);
    else for (const one of value) lines.push(name, one);
  }
  lines.push('x-w3pool-worker', worker, 'content-length', String(length));
  return lines;
}
