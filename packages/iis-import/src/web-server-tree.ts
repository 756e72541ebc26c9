import { WebServerSchema, type WebServer } from '@w3pool/config';
import type { TSchema } from '@sinclair/typebox';

// Helpers shared by the system.webServer mappers: the level being mapped and its lists.

type Tree = Record<string, unknown>;

export interface WebServerScope {
  /** true for the server's tree, whose lists start empty (applicationHost.config holds the whole list). */
  server: boolean;
  /** The settings in force at the parent level, for lists a child level replaces; undefined at the server. */
  inherited: WebServer | undefined;
}

export const webServerProperties = WebServerSchema.properties as Record<string, TSchema>;

/** A list that the child level replaces: the level's own so far, else the parent's, else empty. */
export function baseList<T>(out: Tree, path: string[], scope: WebServerScope): T[] {
  const own = getPath(out, path);
  if (Array.isArray(own)) return own as T[];
  if (scope.server || !scope.inherited) return [];
  return ((getPath(scope.inherited as unknown as Tree, path) as T[] | undefined) ?? []).map((e) =>
    typeof e === 'object' && e !== null ? { ...e } : e,
  );
}

export function getPath(tree: Tree, path: string[]): unknown {
  let at: unknown = tree;
  for (const key of path) at = at && typeof at === 'object' ? (at as Tree)[key] : undefined;
  return at;
}

/** The object at `path` in `tree`, created when missing. */
export function section(tree: Tree, ...path: string[]): Tree {
  let at = tree;
  for (const key of path) {
    if (typeof at[key] !== 'object' || at[key] === null) at[key] = {};
    at = at[key] as Tree;
  }
  return at;
}
