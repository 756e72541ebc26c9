import { Value } from '@sinclair/typebox/value';
import {
  ApplicationPoolSchema,
  ConfigError,
  SiteSchema,
  WebLimitsSchema,
  WebServerSchema,
  mergeWebServer,
  validateConfig,
  type WebServer,
} from '@w3pool/config';
import { sweepCoverage } from './coverage.js';
import { ImportContext } from './import-context.js';
import type { ImportIssue } from './import-issues.js';
import { mapApplicationPools } from './map-application-pools.js';
import { mapSites, mapWebLimits } from './map-sites.js';
import { mapWebServer } from './map-web-server.js';
import type { PathRules } from './path-rules.js';
import { pruneDefaults } from './prune-defaults.js';
import { reportTree } from './map-security.js';
import { parseXml, type XmlElement } from './xml-tree.js';

// applicationHost.config → w3pool's configuration tree and a report. The CLI (`w3pool import FILE`) and
// WAS's POST /api/config/import call this: a dry run shows the result, an apply hands `config` to the
// configuration owner, which validates it again as any change.

type Tree = Record<string, unknown>;

export interface ImportOptions {
  /** How Windows paths and %VARIABLES% become paths of this machine. */
  paths?: PathRules;
  /** Also list every value left out because it equals w3pool's default ("same as default"). */
  verbose?: boolean;
  /** The folder the configuration will live in: relative paths are checked against it. Default: cwd. */
  baseDir?: string;
  /** Named in validation messages. Default `applicationHost.config`. */
  source?: string;
}

export interface ImportResult {
  /** The raw w3pool configuration tree (defaults left out), ready for toYaml() or the config owner. */
  config: Tree;
  /** Everything not carried over as given, in document order. */
  issues: ImportIssue[];
  /** Whether `config` passed @w3pool/config's validateConfig; when not, error issues say why. */
  valid: boolean;
}

export function importApplicationHost(xml: string, options: ImportOptions = {}): ImportResult {
  const root = parseXml(xml);
  const ctx = new ImportContext(options.paths ?? {}, options.verbose ?? false);
  root.handled = true;
  const config: Tree = {};

  const appHost = root.children.filter((c) => c.name === 'system.applicationHost');
  for (const section of appHost) {
    section.handled = true;
    const pools = section.child('applicationPools');
    if (pools) config.applicationPools = mapApplicationPools(pools, ctx);
    const sites = section.child('sites');
    if (sites) config.sites = mapSites(sites, ctx);
    const webLimits = section.child('webLimits');
    if (webLimits) config.webLimits = mapWebLimits(webLimits, ctx);
  }

  // The server's system.webServer, then <location path=""> (the same level, as IIS Express writes its
  // handlers and modules), then sites before their applications, so each level sees its parent's lists.
  const server: Tree = {};
  for (const el of root.children.filter((c) => c.name === 'system.webServer')) {
    mapWebServer(el, ctx, server, { server: true, inherited: undefined });
  }
  const locations = root.children
    .filter((c) => c.name === 'location')
    .map((el) => ({ el, path: locationPath(el) }));
  for (const { el } of locations.filter((l) => l.path === '')) {
    el.handled = true;
    for (const child of el.children.filter((c) => c.name === 'system.webServer')) {
      mapWebServer(child, ctx, server, { server: true, inherited: undefined });
    }
  }
  config.webServer = server;
  const sites = (config.sites as Tree[] | undefined) ?? [];
  const ordered = locations
    .filter((l) => l.path !== '')
    .sort((a, b) => a.path.split('/').length - b.path.split('/').length);
  for (const { el, path } of ordered) mapLocation(el, path, sites, server, ctx);

  sweepCoverage(root, ctx);
  pruneOutput(config, ctx);
  const valid = validate(config, options, ctx);
  return { config, issues: dedupe(ctx.issues), valid };
}

function locationPath(el: XmlElement): string {
  const path = (el.attr('path') ?? '').replace(/\\/g, '/').replace(/^\/+|\/+$/g, '');
  return path === '.' ? '' : path;
}

/** <location path="Site"> or <location path="Site/app">: that site's or application's webServer. */
function mapLocation(el: XmlElement, path: string, sites: Tree[], server: Tree, ctx: ImportContext): void {
  el.handled = true;
  const [siteName = '', ...rest] = path.split('/');
  const site = sites.find((s) => String(s.name).toLowerCase() === siteName.toLowerCase());
  if (!site) {
    reportTree(el, `no site is named "${siteName}"; the location is not imported`, 'error', ctx);
    return;
  }
  const appPath = `/${rest.join('/')}`;
  const apps = (site.applications as Tree[] | undefined) ?? [];
  const app = apps.find((a) => String(a.path).toLowerCase() === appPath.toLowerCase());
  if (!app && appPath !== '/') {
    reportTree(
      el,
      `${appPath} is not an application of ${siteName}: w3pool has settings per site and per application, not per folder; not imported`,
      'warning',
      ctx,
    );
    return;
  }
  const inheritInChildApplications = el.attr('inheritInChildApplications');
  if (inheritInChildApplications !== undefined && /^false$/i.test(inheritInChildApplications)) {
    ctx.report(
      el,
      "w3pool's applications always inherit their site's settings",
      'warning',
      'inheritInChildApplications',
    );
  }
  // IIS's `Site` location is the site's root application too; w3pool's site tree is the parent of every
  // application's, which is what IIS's inheritance means for the site's other applications.
  const target = app && appPath !== '/' ? app : site;
  let inherited: WebServer = Value.Default(WebServerSchema, Value.Clone(server)) as WebServer;
  if (target === app && site.webServer) inherited = mergeWebServer(inherited, site.webServer);
  const tree = (target.webServer as Tree | undefined) ?? {};
  for (const child of el.children.filter((c) => c.name === 'system.webServer')) {
    mapWebServer(child, ctx, tree, { server: false, inherited });
  }
  if (Object.keys(tree).length > 0) target.webServer = tree;
}

function pruneOutput(config: Tree, ctx: ImportContext): void {
  for (const pool of (config.applicationPools as Tree[] | undefined) ?? [])
    pruneDefaults(pool, ApplicationPoolSchema, ctx, ['name']);
  for (const site of (config.sites as Tree[] | undefined) ?? []) {
    pruneDefaults(site, SiteSchema, ctx, ['name', 'id', 'bindings', 'applications', 'webServer']);
    for (const binding of (site.bindings as Tree[] | undefined) ?? [])
      pruneDefaults(binding, SiteSchema.properties.bindings.items, ctx, ['bindingInformation']);
    for (const app of (site.applications as Tree[] | undefined) ?? [])
      pruneDefaults(app, SiteSchema.properties.applications.items, ctx, [
        'path',
        'virtualDirectories',
        'webServer',
      ]);
  }
  if (config.webLimits) {
    pruneDefaults(config.webLimits as Tree, WebLimitsSchema, ctx);
    if (Object.keys(config.webLimits).length === 0) delete config.webLimits;
  }
  pruneDefaults(config.webServer as Tree, WebServerSchema, ctx);
  if (Object.keys(config.webServer as Tree).length === 0) delete config.webServer;
}

/** Check the output as the configuration owner will; each refusal is an error issue at its source. */
function validate(config: Tree, options: ImportOptions, ctx: ImportContext): boolean {
  try {
    validateConfig(config, {
      source: options.source ?? 'applicationHost.config',
      baseDir: options.baseDir ?? process.cwd(),
    });
    return true;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const issue of error.issues) {
      ctx.issues.push({
        xpath: sourceOf(config, issue.pointer, ctx) ?? '/configuration',
        reason: `the imported configuration does not validate at ${issue.pointer || '/'}: ${issue.reason}`,
        severity: 'error',
        line: 0,
      });
    }
    return false;
  }
}

/** The XPath a JSON pointer's value came from, from the nearest recorded provenance. */
function sourceOf(config: Tree, pointer: string, ctx: ImportContext): string | undefined {
  const keys = pointer.split('/').slice(1);
  let at: unknown = config;
  let found: string | undefined;
  for (const key of keys) {
    if (typeof at !== 'object' || at === null) break;
    const source = ctx.provenance.get(at)?.get(key);
    if (source) found = source.xpath;
    at = (at as Tree)[key];
  }
  return found;
}

/** Issues once each, in document order (validation errors, which have no line, last). */
function dedupe(issues: ImportIssue[]): ImportIssue[] {
  const seen = new Set<string>();
  const order = (i: ImportIssue) => (i.line > 0 ? i.line : Number.MAX_SAFE_INTEGER);
  return [...issues]
    .sort((a, b) => order(a) - order(b))
    .filter((i) => {
      const key = `${i.xpath}\n${i.reason}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}
