import type { W3poolConfig } from './schema/w3pool-config.js';
import type { WebServer } from './schema/web-server.js';
import type { WebServerOverride } from './schema/web-server-override.js';

/**
 * The webServer settings in force for one application: the server's, then its site's, then its own, as
 * IIS merges <location> sections. Settings merge one by one; handler mappings and modules of a child come
 * before its parent's (first match wins, so the nearest definition does); any other list replaces.
 */
export function effectiveWebServer(config: W3poolConfig, siteId: number, appPath: string): WebServer {
  const site = config.sites.find((s) => s.id === siteId);
  const app = site?.applications.find((a) => a.path === appPath);
  let merged = config.webServer;
  if (site?.webServer) merged = mergeWebServer(merged, site.webServer);
  if (app?.webServer) merged = mergeWebServer(merged, app.webServer);
  return merged;
}

/** Paths whose lists a child prepends to its parent's instead of replacing them. */
const PREPENDED = new Set(['handlers.list', 'modules']);

/**
 * IIS collections evaluated parent first, whose child entries (with their `clear` and `remove` directives)
 * come after the parent's: a server's authorization rules or custom headers hold for every site unless a
 * site forgets them, and a site's worker-side request filtering lists add to the server's.
 */
const APPENDED = new Set([
  'security.authorization.rules',
  'httpProtocol.customHeaders',
  'httpProtocol.redirectHeaders',
  'requestFiltering.requestLimits.headerLimits',
  'requestFiltering.denyQueryStringSequences',
  'requestFiltering.alwaysAllowedUrls',
  'requestFiltering.alwaysAllowedQueryStrings',
  'requestFiltering.filteringRules',
]);

export function mergeWebServer(parent: WebServer, child: WebServerOverride): WebServer {
  return mergeAt(parent, child, '') as WebServer;
}

function mergeAt(parent: unknown, child: unknown, path: string): unknown {
  if (child === undefined) return parent;
  if (Array.isArray(child)) {
    const own = child as unknown[];
    if (!Array.isArray(parent)) return own;
    const inherited = parent as unknown[];
    if (PREPENDED.has(path)) return [...own, ...inherited];
    return APPENDED.has(path) ? [...inherited, ...own] : own;
  }
  if (isPlainObject(child) && isPlainObject(parent)) {
    const out: Record<string, unknown> = { ...parent };
    for (const [key, value] of Object.entries(child)) {
      out[key] = mergeAt(parent[key], value, path ? `${path}.${key}` : key);
    }
    return out;
  }
  return child;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
