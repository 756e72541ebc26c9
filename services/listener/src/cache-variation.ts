import type { IncomingHttpHeaders } from 'node:http';
import { effectiveWebServer, type Application, type W3poolConfig, type WebServer } from '@w3pool/config';

// What separates entries of the response cache beyond the URL, for the applications whose configuration
// makes responses vary (IIS's output cache varyBy, and compression):
//
// - a caching profile's varyByQueryString (the listed parameters, or `*` for the whole query) and
//   varyByHeaders (each listed request header's value), for URLs with that profile's extension;
// - Accept-Encoding, where StaticCompressionModule or DynamicCompressionModule may compress: the q-values the
//   client gives br and gzip (the same rules as packages/modules-response/src/accept-encoding.ts), so a
//   compressed variant is only served to clients that accept it.
//
// An application with neither costs one Map lookup per cacheable request.

/** Each varied part of a key is `\n<name>=<value>`; varyCovered() reads them back for a response's Vary. */
const ACCEPT_ENCODING = 'accept-encoding';
/** Accept-Encoding values remembered at once: browsers send a handful, so this is plenty. */
const MAX_REMEMBERED_CODINGS = 256;

interface ProfileVariation {
  /** '*': the whole query; a list: those parameters (lower-cased); undefined: the query is not varied on. */
  query: '*' | readonly string[] | undefined;
  headers: readonly string[];
}

export interface AppVariation {
  /** By extension with its dot, lower-cased: only profiles that vary by something. */
  profiles: ReadonlyMap<string, ProfileVariation>;
  encoding: boolean;
}

export class CacheVariation {
  private apps = new Map<Application, AppVariation>();
  private readonly codings = new Map<string, string>();

  configure(config: W3poolConfig): void {
    const apps = new Map<Application, AppVariation>();
    for (const site of config.sites) {
      for (const app of site.applications) {
        const variation = appVariation(effectiveWebServer(config, site.id, app.path));
        if (variation) apps.set(app, variation);
      }
    }
    this.apps = apps;
    this.codings.clear();
  }

  /** How requests to this application vary; undefined for most, which keep the plain key. */
  of(application: Application): AppVariation | undefined {
    return this.apps.get(application);
  }

  /**
   * The cache key of a request to an application that varies, or undefined when it may not be cached (a
   * query string nothing allows).
   */
  key(
    app: AppVariation,
    headers: IncomingHttpHeaders,
    siteId: number,
    path: string,
    query: string,
    cacheQueryStrings: boolean,
  ): string | undefined {
    const profile = app.profiles.size > 0 ? app.profiles.get(extensionOf(path)) : undefined;
    let kept = query;
    if (profile?.query !== undefined) {
      if (profile.query !== '*') kept = pickParameters(query, profile.query);
    } else if (query !== '' && !cacheQueryStrings) {
      return undefined;
    }
    let key = `${siteId}\n${path}${kept === '' ? '' : `?${kept}`}`;
    if (profile) for (const name of profile.headers) key += `\n${name}=${headerValue(headers[name])}`;
    const accepted = app.encoding ? headers['accept-encoding'] : undefined;
    if (accepted !== undefined) {
      const token = this.codingToken(accepted);
      if (token !== '') key += `\n${ACCEPT_ENCODING}=${token}`;
    }
    return key;
  }

  private codingToken(header: string): string {
    let token = this.codings.get(header);
    if (token === undefined) {
      if (this.codings.size >= MAX_REMEMBERED_CODINGS) this.codings.clear();
      token = codingToken(header);
      this.codings.set(header, token);
    }
    return token;
  }
}

function appVariation(webServer: WebServer): AppVariation | undefined {
  const profiles = new Map<string, ProfileVariation>();
  if (webServer.caching.enabled) {
    for (const profile of webServer.caching.profiles) {
      const extension = profile.extension.toLowerCase();
      const query = listOf(profile.varyByQueryString);
      const headers = listOf(profile.varyByHeaders);
      if (profiles.has(extension) || (query.length === 0 && headers.length === 0)) continue;
      profiles.set(extension, {
        query: query.includes('*') ? '*' : query.length > 0 ? query : undefined,
        headers,
      });
    }
  }
  const encoding = compresses(webServer);
  return profiles.size > 0 || encoding ? { profiles, encoding } : undefined;
}

/** Whether a compression module is enabled for the application and has a scheme to use. */
function compresses(webServer: WebServer): boolean {
  const { urlCompression, httpCompression, modules } = webServer;
  const enabled = (name: string) => modules.some((m) => m.name === name);
  const statics =
    enabled('StaticCompressionModule') &&
    urlCompression.doStaticCompression &&
    httpCompression.schemes.some((s) => s.doStaticCompression);
  const dynamics =
    enabled('DynamicCompressionModule') &&
    urlCompression.doDynamicCompression &&
    httpCompression.schemes.some((s) => s.doDynamicCompression);
  return statics || dynamics;
}

function listOf(value: string): string[] {
  return value
    .split(',')
    .map((v) => v.trim().toLowerCase())
    .filter((v) => v !== '');
}

function extensionOf(path: string): string {
  const slash = path.lastIndexOf('/');
  const dot = path.lastIndexOf('.');
  return dot > slash ? path.slice(dot).toLowerCase() : '';
}

/** The listed parameters of a query, in the order the client sent them; the others do not vary the key. */
function pickParameters(query: string, names: readonly string[]): string {
  if (query === '') return '';
  return query
    .split('&')
    .filter((pair) => {
      const equals = pair.indexOf('=');
      const name = equals === -1 ? pair : pair.slice(0, equals);
      return names.includes(safeDecode(name).toLowerCase());
    })
    .join('&');
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

function headerValue(value: string | string[] | undefined): string {
  return value === undefined ? '' : typeof value === 'string' ? value : value.join(', ');
}

/**
 * The q-values a client gives the codings w3pool produces (`br:1,gzip:0.5`), or '' when it accepts
 * neither: two clients with the same token get the same response from the worker's negotiation.
 */
export function codingToken(header: string): string {
  const weights = new Map<string, number>();
  for (const part of header.split(',')) {
    const [rawName = '', ...params] = part.split(';');
    let name = rawName.trim().toLowerCase();
    if (name === 'x-gzip') name = 'gzip';
    let q = 1;
    for (const param of params) {
      const [key = '', value = ''] = param.split('=');
      if (key.trim().toLowerCase() === 'q')
        q = /^\s*(0(\.\d{0,3})?|1(\.0{0,3})?)\s*$/.test(value) ? Number(value) : NaN;
    }
    if (name !== '' && !Number.isNaN(q)) weights.set(name, q);
  }
  const parts: string[] = [];
  for (const coding of ['br', 'gzip']) {
    const q = weights.get(coding) ?? weights.get('*') ?? 0;
    if (q > 0) parts.push(`${coding}:${q}`);
  }
  return parts.join(',');
}

/**
 * A response with Vary may be kept only when its key already separates what it varies on: every header its
 * Vary names is part of the key (Vary: * never is).
 */
export function varyCovered(key: string, vary: string | readonly string[]): boolean {
  const names = (typeof vary === 'string' ? vary : vary.join(','))
    .split(',')
    .map((v) => v.trim().toLowerCase())
    .filter((v) => v !== '');
  return names.every((name) => name !== '*' && key.includes(`\n${name}=`));
}
