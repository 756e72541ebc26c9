import type { TSchema } from '@sinclair/typebox';
import { ownEntries, resolveCollection, type CollectionSpec } from './collections.js';
import type { ImportContext } from './import-context.js';
import {
  HANDLER_MODULES,
  PIPELINE_MODULES,
  RENAMED_MODULES,
  SERVING_HANDLER_MODULES,
} from './module-names.js';
import { baseList, section, webServerProperties, type WebServerScope } from './web-server-tree.js';
import type { XmlElement } from './xml-tree.js';

// handlers, modules and globalModules: what w3pool can run of IIS's module and handler lists.

type Tree = Record<string, unknown>;

const handlerSchema = (webServerProperties.handlers!.properties as Record<string, TSchema>).list!
  .items as TSchema;

const PREPEND_NOTE =
  "a site's or application's list comes before its parent's in w3pool, which has no way to forget an inherited entry; the parent's entries stay in force after this level's own";

export function mapHandlers(el: XmlElement, ctx: ImportContext, out: Tree, scope: WebServerScope): void {
  const target = section(out, 'handlers');
  ctx.copy(el, webServerProperties.handlers!, target);
  const spec: CollectionSpec<Tree> = {
    addElement: 'add',
    keyOfElement: (e) => e.attr('name') ?? '',
    keyOf: (h) => String(h.name),
    build: (e) => mapHandler(e, ctx),
  };
  // An own `*` mapping for every verb is reached before any inherited one: a <clear/> then changes nothing.
  const catchAll = el.children.some(
    (c) => c.name === 'add' && c.attributes.get('path') === '*' && c.attributes.get('verb') === '*',
  );
  const list = scope.server
    ? resolveCollection(el, spec, baseList(out, ['handlers', 'list'], scope), ctx)
    : ownEntries(el, spec, ctx, {
        inheritedNote: PREPEND_NOTE,
        inheritedKeys: new Set((scope.inherited?.handlers.list ?? []).map((h) => h.name)),
        clearIsMoot: catchAll
          ? "this level's own list has a `*` mapping for every verb, which w3pool reaches before any inherited mapping: the same effect as <clear/>"
          : undefined,
      });
  ctx.put(target, 'list', list, el);
}

/** One handler mapping, or undefined (reported) when w3pool has nothing that runs it. */
function mapHandler(el: XmlElement, ctx: ImportContext): Tree | undefined {
  const type = el.attributes.get('type');
  if (type !== undefined) {
    ctx.report(
      el,
      `a managed (ASP.NET) handler, ${type}: w3pool has no CLR (a handler of your own is an ES module in \`type\`); left out`,
      'warning',
    );
    return undefined;
  }
  const modules = (el.attributes.get('modules') ?? '')
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean);
  if (modules.includes('IsapiModule')) {
    ctx.report(
      el,
      `an ISAPI extension (${el.attributes.get('scriptProcessor') || 'any .dll'}): w3pool loads no DLLs (its IsapiModule loads an ES module); left out`,
      'warning',
    );
    return undefined;
  }
  if (!modules.some((m) => SERVING_HANDLER_MODULES.has(m))) {
    ctx.report(
      el,
      `module ${modules.join(',') || '(none)'} has no w3pool handler (w3pool serves StaticFileModule, CgiModule, FastCgiModule, iisnode); left out`,
      'warning',
    );
    return undefined;
  }
  const handler = ctx.copy(el, handlerSchema, {}, ['scriptProcessor']);
  const scriptProcessor = el.attr('scriptProcessor');
  if (scriptProcessor !== undefined && scriptProcessor !== '') {
    // FastCGI names its program as `fullPath|arguments`: only the program is a path.
    const bar = scriptProcessor.indexOf('|');
    const program = bar >= 0 ? scriptProcessor.slice(0, bar) : scriptProcessor;
    const mapped = ctx.pathValue(el, 'scriptProcessor', program);
    const rest = bar >= 0 ? scriptProcessor.slice(bar) : '';
    ctx.put(handler, 'scriptProcessor', mapped + rest, el, 'scriptProcessor');
  }
  return handler;
}

export function mapModules(el: XmlElement, ctx: ImportContext, out: Tree, scope: WebServerScope): void {
  const inherited = new Set((scope.inherited?.modules ?? []).map((m) => m.name));
  const spec: CollectionSpec<Tree> = {
    addElement: 'add',
    keyOfElement: (e) => RENAMED_MODULES.get(e.attr('name') ?? '') ?? e.attr('name') ?? '',
    keyOf: (m) => String(m.name),
    build: (e) => {
      const name = e.attr('name') ?? '';
      const type = e.attr('type');
      if (type) {
        ctx.report(e, `a managed (ASP.NET) module, ${type}: w3pool has no CLR; left out`, 'warning');
        return undefined;
      }
      const w3poolName = RENAMED_MODULES.get(name) ?? name;
      if (w3poolName !== name) {
        ctx.issues.push({
          xpath: e.xpath,
          reason: `${name} is w3pool's ${w3poolName} (custom and redirect headers)`,
          severity: 'info',
          line: e.line,
        });
      }
      if (HANDLER_MODULES.has(name)) {
        ctx.report(e, `${name} runs from handler mappings in w3pool and needs no modules entry`, 'info');
        return undefined;
      }
      if (!PIPELINE_MODULES.has(w3poolName)) {
        ctx.report(e, `native module ${name} has no w3pool equivalent; left out`, 'warning');
        return undefined;
      }
      if (!scope.server && inherited.has(w3poolName)) {
        ctx.report(e, `${w3poolName} is already enabled by the parent level`, 'info');
        return undefined;
      }
      const entry: Tree = { name: w3poolName };
      const preCondition = e.attr('preCondition');
      if (preCondition) entry.preCondition = preCondition;
      return entry;
    },
  };
  const list = scope.server
    ? resolveCollection(el, spec, baseList(out, ['modules'], scope), ctx)
    : ownEntries(el, spec, ctx, { inheritedNote: PREPEND_NOTE, inheritedKeys: inherited });
  ctx.put(out, 'modules', list, el);
}

/** globalModules: IIS's native DLLs. w3pool's own modules are built in; none of IIS's DLLs can be loaded. */
export function mapGlobalModules(el: XmlElement, ctx: ImportContext): void {
  el.handled = true;
  for (const entry of el.children) {
    const name = entry.attributes.get('name') ?? '';
    if (
      entry.name === 'add' &&
      (PIPELINE_MODULES.has(name) || HANDLER_MODULES.has(name) || RENAMED_MODULES.has(name))
    ) {
      ctx.report(entry, `${name} is built into w3pool; its DLL is not needed`, 'info');
    } else if (entry.name === 'add') {
      ctx.report(
        entry,
        `native module ${name} (${entry.attributes.get('image') ?? ''}) has no w3pool equivalent; not imported`,
        'warning',
      );
    } else {
      ctx.report(entry, `<${entry.name}> of the native module list; nothing to import`, 'info');
    }
  }
}
