import { Kind, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { ImportContext, Source } from './import-context.js';

// Values equal to w3pool's default are left out of the output, so that the YAML says what differs from
// IIS's defaults; verbose mode lists each as "same as default". Site and application webServer trees are
// not pruned: a value there overrides the parent's, whatever the default is.

type Tree = Record<string, unknown>;

export function pruneDefaults(
  tree: Tree,
  schema: TSchema,
  ctx: ImportContext,
  keep: readonly string[] = [],
): void {
  const properties = (schema.properties ?? {}) as Record<string, TSchema>;
  const sources = ctx.provenance.get(tree);
  for (const key of Object.keys(tree)) {
    const property = properties[key];
    if (!property || keep.includes(key)) continue;
    const value = tree[key];
    if (property[Kind] === 'Object' && isTree(value)) {
      pruneDefaults(value, property, ctx);
      if (Object.keys(value).length === 0 && 'default' in property) delete tree[key];
      continue;
    }
    if (
      property[Kind] === 'Array' &&
      Array.isArray(value) &&
      (property.items as TSchema)[Kind] === 'Object'
    ) {
      if ('default' in property && Value.Equal(value, property.default)) {
        dropped(tree, key, ctx, sources);
        continue;
      }
      for (const item of value) if (isTree(item)) pruneDefaults(item, property.items as TSchema, ctx);
      continue;
    }
    if ('default' in property && Value.Equal(value, property.default)) dropped(tree, key, ctx, sources);
  }
}

function dropped(
  tree: Tree,
  key: string,
  ctx: ImportContext,
  sources: Map<string, Source> | undefined,
): void {
  delete tree[key];
  const source = sources?.get(key);
  if (source) ctx.sameAsDefault(source.xpath, source.line);
}

function isTree(value: unknown): value is Tree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
