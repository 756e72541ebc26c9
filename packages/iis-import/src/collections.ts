import type { ImportContext } from './import-context.js';
import type { XmlElement } from './xml-tree.js';

// IIS collections: <add>, <remove> and <clear/> in document order, over what the parent level defined.

export interface CollectionSpec<T> {
  /** The element that adds an entry: add, mimeMap, error, application, scheme, ... */
  addElement: string;
  /** The key of an entry, compared case-insensitively as IIS does; from an <add> or a <remove>. */
  keyOfElement: (el: XmlElement) => string;
  keyOf: (entry: T) => string;
  /** The entry an <add> makes; undefined when it was reported and left out. */
  build: (el: XmlElement) => T | undefined;
}

/**
 * A list whose child level replaces its parent's (w3pool) while IIS inherits and edits it: resolve the
 * edits here, over `base` (the parent's list in force, or [] for applicationHost.config's own list), so
 * the output lists every entry in force.
 */
export function resolveCollection<T>(
  container: XmlElement,
  spec: CollectionSpec<T>,
  base: readonly T[],
  ctx: ImportContext,
  children: readonly XmlElement[] = container.children,
): T[] {
  container.handled = true;
  let list = [...base];
  for (const el of children) {
    if (el.name === 'clear') {
      el.take();
      list = [];
    } else if (el.name === 'remove') {
      el.take();
      const key = spec.keyOfElement(el).toLowerCase();
      // A <remove>'s attributes are its key, and all of them are read here.
      for (const name of el.attributes.keys()) el.usedAttributes.add(name);
      const before = list.length;
      list = list.filter((entry) => spec.keyOf(entry).toLowerCase() !== key);
      if (list.length === before)
        ctx.report(el, 'removes an entry that is not in the list; nothing to do', 'info');
    } else if (el.name === spec.addElement) {
      el.take();
      const entry = spec.build(el);
      if (entry === undefined) continue;
      const key = spec.keyOf(entry).toLowerCase();
      const at = list.findIndex((e) => spec.keyOf(e).toLowerCase() === key);
      if (at >= 0) list[at] = entry;
      else list.push(entry);
    }
  }
  return list;
}

/**
 * A list whose child entries w3pool puts before (handlers, modules) or after (authorization, headers of
 * the kinds without remove) the parent's: only the level's own entries are output. A <remove> of an
 * inherited entry or a <clear/> cannot be said that way, and is reported.
 */
export interface OwnEntriesOptions {
  /** Why a <remove> or <clear/> of inherited entries cannot be said in w3pool. */
  inheritedNote: string;
  /** Keys of the entries the parent level has: a <remove> of anything else has nothing to forget. */
  inheritedKeys: ReadonlySet<string>;
  /** Set when the level's own entries hide every inherited one anyway, so <clear/> changes nothing. */
  clearIsMoot?: string;
}

export function ownEntries<T>(
  container: XmlElement,
  spec: CollectionSpec<T>,
  ctx: ImportContext,
  options: OwnEntriesOptions,
): T[] {
  container.handled = true;
  const inherited = new Set([...options.inheritedKeys].map((k) => k.toLowerCase()));
  const list: T[] = [];
  for (const el of container.children) {
    if (el.name === 'clear') {
      if (options.clearIsMoot) ctx.report(el, options.clearIsMoot, 'info');
      else
        ctx.report(
          el,
          `<clear/> of the inherited entries cannot be expressed: ${options.inheritedNote}`,
          'warning',
        );
    } else if (el.name === 'remove') {
      const key = spec.keyOfElement(el).toLowerCase();
      // A <remove>'s attributes are its key, and all of them are read here.
      for (const name of el.attributes.keys()) el.usedAttributes.add(name);
      const at = list.findIndex((e) => spec.keyOf(e).toLowerCase() === key);
      if (at >= 0) {
        list.splice(at, 1);
        el.take();
      } else if (!inherited.has(key)) {
        ctx.report(
          el,
          'removes an entry the parent level does not have (or that was not imported); nothing to do',
          'info',
        );
      } else {
        ctx.report(
          el,
          `<remove> of an inherited entry cannot be expressed: ${options.inheritedNote}`,
          'warning',
        );
      }
    } else if (el.name === spec.addElement) {
      el.take();
      const entry = spec.build(el);
      if (entry !== undefined) list.push(entry);
    }
  }
  return list;
}
