import type { TSchema } from '@sinclair/typebox';
import { resolveCollection, type CollectionSpec } from './collections.js';
import type { ImportContext } from './import-context.js';
import { mapHandlers, mapModules, mapGlobalModules } from './map-handlers-modules.js';
import { mapSecurity } from './map-security.js';
import type { XmlElement } from './xml-tree.js';
import { baseList, section, webServerProperties, type WebServerScope } from './web-server-tree.js';

// system.webServer, at the server level (applicationHost.config's own section and <location path="">) or
// for a site or an application (<location path="Site/app">, w3pool's webServer override).

type Tree = Record<string, unknown>;

/** Map one system.webServer element into `out`. Sections w3pool does not have stay for the coverage sweep. */
export function mapWebServer(el: XmlElement, ctx: ImportContext, out: Tree, scope: WebServerScope): void {
  el.handled = true;
  for (const child of el.children) {
    const mapper = SECTIONS[child.name];
    if (mapper) mapper(child, ctx, out, scope);
  }
}

type SectionMapper = (el: XmlElement, ctx: ImportContext, out: Tree, scope: WebServerScope) => void;

const SECTIONS: Record<string, SectionMapper> = {
  serverRuntime: (el, ctx, out) =>
    void ctx.copy(el, webServerProperties.serverRuntime!, section(out, 'serverRuntime')),
  cgi: (el, ctx, out) => void ctx.copy(el, webServerProperties.cgi!, section(out, 'cgi')),
  urlCompression: (el, ctx, out) =>
    void ctx.copy(el, webServerProperties.urlCompression!, section(out, 'urlCompression')),
  directoryBrowse: (el, ctx, out) =>
    void ctx.copy(el, webServerProperties.directoryBrowse!, section(out, 'directoryBrowse')),
  httpRedirect: (el, ctx, out) =>
    void ctx.copy(el, webServerProperties.httpRedirect!, section(out, 'httpRedirect')),
  defaultDocument: mapDefaultDocument,
  staticContent: mapStaticContent,
  httpErrors: mapHttpErrors,
  httpProtocol: mapHttpProtocol,
  caching: mapCaching,
  httpCompression: mapHttpCompression,
  fastCgi: mapFastCgi,
  handlers: mapHandlers,
  modules: mapModules,
  globalModules: mapGlobalModules,
  security: mapSecurity,
};

function mapDefaultDocument(el: XmlElement, ctx: ImportContext, out: Tree, scope: WebServerScope): void {
  const target = section(out, 'defaultDocument');
  ctx.copy(el, webServerProperties.defaultDocument!, target);
  const files = el.child('files');
  if (!files) return;
  const spec: CollectionSpec<string> = {
    addElement: 'add',
    keyOfElement: (e) => e.attr('value') ?? '',
    keyOf: (v) => v,
    build: (e) => e.attr('value'),
  };
  ctx.put(
    target,
    'files',
    resolveCollection(files, spec, baseList(out, ['defaultDocument', 'files'], scope), ctx),
    files,
  );
}

function mapStaticContent(el: XmlElement, ctx: ImportContext, out: Tree, scope: WebServerScope): void {
  const target = section(out, 'staticContent');
  ctx.copy(el, webServerProperties.staticContent!, target);
  const entries = el.children.filter((c) => ['mimeMap', 'remove', 'clear'].includes(c.name));
  if (entries.length === 0) return;
  const spec: CollectionSpec<{ fileExtension: string; mimeType: string }> = {
    addElement: 'mimeMap',
    keyOfElement: (e) => e.attr('fileExtension') ?? '',
    keyOf: (m) => m.fileExtension,
    build: (e) => ({ fileExtension: e.attr('fileExtension') ?? '', mimeType: e.attr('mimeType') ?? '' }),
  };
  // The mimeMap entries sit in staticContent itself, among its other children.
  const list = resolveCollection(el, spec, baseList(out, ['staticContent', 'mimeMap'], scope), ctx, entries);
  ctx.put(target, 'mimeMap', list, el);
}

function mapHttpErrors(el: XmlElement, ctx: ImportContext, out: Tree, scope: WebServerScope): void {
  const target = section(out, 'httpErrors');
  ctx.copy(el, webServerProperties.httpErrors!, target, ['defaultPath']);
  const defaultPath = ctx.path(el, 'defaultPath');
  if (defaultPath !== undefined) ctx.put(target, 'defaultPath', defaultPath, el, 'defaultPath');
  if (!el.children.some((c) => ['error', 'remove', 'clear'].includes(c.name))) return;
  const errorSchema = (webServerProperties.httpErrors!.properties as Record<string, TSchema>).errors!
    .items as TSchema;
  type HttpError = Tree & { statusCode?: number; subStatusCode?: number };
  const keyOf = (statusCode: number | string | undefined, subStatusCode: number | string | undefined) =>
    `${statusCode ?? ''}.${subStatusCode ?? -1}`;
  const spec: CollectionSpec<HttpError> = {
    addElement: 'error',
    keyOfElement: (e) => keyOf(e.attr('statusCode'), e.attr('subStatusCode')),
    keyOf: (e) => keyOf(e.statusCode, e.subStatusCode),
    build: (e) => {
      const entry: HttpError = {};
      ctx.copy(e, errorSchema, entry, ['path', 'prefixLanguageFilePath']);
      const prefix = ctx.path(e, 'prefixLanguageFilePath');
      if (prefix !== undefined && prefix !== '') entry.prefixLanguageFilePath = prefix;
      else if (prefix === '') e.usedAttributes.add('prefixLanguageFilePath');
      const mode = entry.responseMode ?? 'File';
      const path = mode === 'File' && prefix === undefined ? ctx.path(e, 'path') : e.attr('path');
      if (path !== undefined) entry.path = path;
      return entry;
    },
  };
  ctx.put(
    target,
    'errors',
    resolveCollection(el, spec, baseList(out, ['httpErrors', 'errors'], scope), ctx),
    el,
  );
}

/** customHeaders and redirectHeaders: w3pool keeps IIS's <add>, <remove> and <clear/> entries as they are. */
function mapHttpProtocol(el: XmlElement, ctx: ImportContext, out: Tree): void {
  const target = section(out, 'httpProtocol');
  ctx.copy(el, webServerProperties.httpProtocol!, target);
  for (const name of ['customHeaders', 'redirectHeaders']) {
    const list = el.child(name);
    if (!list) continue;
    const entries = list.each().flatMap((entry): Tree[] => {
      if (entry.name === 'clear') return [{ clear: true }];
      if (entry.name === 'remove') return [{ remove: entry.attr('name') ?? '' }];
      if (entry.name === 'add') return [{ name: entry.attr('name') ?? '', value: entry.attr('value') ?? '' }];
      entry.handled = false;
      return [];
    });
    ctx.put(target, name, entries, list);
  }
}

function mapCaching(el: XmlElement, ctx: ImportContext, out: Tree, scope: WebServerScope): void {
  const target = section(out, 'caching');
  ctx.copy(el, webServerProperties.caching!, target);
  const profiles = el.child('profiles');
  if (!profiles) return;
  const schema = (webServerProperties.caching!.properties as Record<string, TSchema>).profiles!
    .items as TSchema;
  const spec: CollectionSpec<Tree> = {
    addElement: 'add',
    keyOfElement: (e) => e.attr('extension') ?? '',
    keyOf: (p) => String(p.extension),
    build: (e) => ctx.copy(e, schema, {}),
  };
  ctx.put(
    target,
    'profiles',
    resolveCollection(profiles, spec, baseList(out, ['caching', 'profiles'], scope), ctx),
    profiles,
  );
}

function mapHttpCompression(el: XmlElement, ctx: ImportContext, out: Tree, scope: WebServerScope): void {
  const target = section(out, 'httpCompression');
  const schema = webServerProperties.httpCompression!;
  ctx.copy(el, schema, target);
  const properties = schema.properties as Record<string, TSchema>;
  for (const name of ['staticTypes', 'dynamicTypes']) {
    const types = el.child(name);
    if (!types) continue;
    const spec: CollectionSpec<Tree> = {
      addElement: 'add',
      keyOfElement: (e) => e.attr('mimeType') ?? '',
      keyOf: (t) => String(t.mimeType),
      build: (e) => ctx.copy(e, properties[name]!.items as TSchema, {}),
    };
    ctx.put(
      target,
      name,
      resolveCollection(types, spec, baseList(out, ['httpCompression', name], scope), ctx),
      types,
    );
  }
  const schemes = el.children.filter((c) => c.name === 'scheme');
  if (schemes.length === 0) return;
  const list: Tree[] = [];
  for (const schemeEl of schemes) {
    const name = schemeEl.attr('name');
    if (name !== 'gzip' && name !== 'br') {
      ctx.report(
        schemeEl,
        `the ${name ?? 'unnamed'} scheme: w3pool compresses with gzip and br only; left out`,
        'warning',
      );
      continue;
    }
    ctx.reportAttributes(schemeEl, ['dll'], 'w3pool compresses with node:zlib, not a DLL', 'info');
    list.push(ctx.copy(schemeEl, properties.schemes!.items as TSchema, { name }));
  }
  ctx.put(target, 'schemes', list, el);
}

function mapFastCgi(el: XmlElement, ctx: ImportContext, out: Tree, scope: WebServerScope): void {
  const target = section(out, 'fastCgi');
  el.handled = true;
  const schema = (webServerProperties.fastCgi!.properties as Record<string, TSchema>).applications!
    .items as TSchema;
  const spec: CollectionSpec<Tree> = {
    addElement: 'application',
    keyOfElement: (e) => `${e.attributes.get('fullPath') ?? ''}|${e.attributes.get('arguments') ?? ''}`,
    keyOf: (a) => `${a.fullPath as string}|${(a.arguments as string | undefined) ?? ''}`,
    build: (e) => {
      const app = ctx.copy(e, schema, {}, ['fullPath', 'monitorChangesTo']);
      app.fullPath = ctx.path(e, 'fullPath');
      const monitor = ctx.path(e, 'monitorChangesTo');
      if (monitor !== undefined) app.monitorChangesTo = monitor;
      const variables = e.child('environmentVariables');
      if (variables) {
        app.environmentVariables = variables
          .each(['environmentVariable'])
          .map((v) => ({ name: v.attr('name') ?? '', value: v.attr('value') ?? '' }));
      }
      return app;
    },
  };
  ctx.put(
    target,
    'applications',
    resolveCollection(el, spec, baseList(out, ['fastCgi', 'applications'], scope), ctx),
    el,
  );
}
