import { W3poolError } from '@w3pool/protocol';

type Tree = Record<string, unknown>;

/** The route's scope: which site (`:id`) and application (`:app`, URI-encoded path) a collection is in. */
export interface Scope {
  id?: string;
  app?: string;
}

/** One configuration collection (appcmd's "list apppool", "list vdir", ...) and the key its items go by. */
export interface Collection {
  readonly name: string;
  readonly key: string;
  /** The array in the raw tree; created on the way when `create` (a POST into an empty section). */
  locate(raw: Tree, scope: Scope, create: boolean): unknown[] | undefined;
}

const site = (raw: Tree, scope: Scope): Tree => {
  const found = arrayAt(raw, ['sites'], false)?.find((s) => String((s as Tree).id) === scope.id);
  if (!found) throw new W3poolError('WAS_SITE_NOT_FOUND', String(scope.id));
  return found as Tree;
};

const application = (raw: Tree, scope: Scope): Tree => {
  const path = appPath(scope.app ?? '/');
  const found = arrayAt(site(raw, scope), ['applications'], false)?.find((a) => (a as Tree).path === path);
  if (!found) throw new W3poolError('WAS_CONFIG_ITEM_NOT_FOUND', `application ${path} of site ${scope.id}`);
  return found as Tree;
};

/** The tree a webServer section hangs off: the server, a site, or an application. */
const owner = (raw: Tree, scope: Scope): Tree =>
  scope.app !== undefined ? application(raw, scope) : scope.id !== undefined ? site(raw, scope) : raw;

export const collections = {
  apppools: {
    name: 'application pool',
    key: 'name',
    locate: (raw, _s, c) => arrayAt(raw, ['applicationPools'], c),
  },
  sites: { name: 'site', key: 'id', locate: (raw, _s, c) => arrayAt(raw, ['sites'], c) },
  bindings: {
    name: 'binding',
    key: 'bindingInformation',
    locate: (raw, s, c) => arrayAt(site(raw, s), ['bindings'], c),
  },
  applications: {
    name: 'application',
    key: 'path',
    locate: (raw, s, c) => arrayAt(site(raw, s), ['applications'], c),
  },
  virtualDirectories: {
    name: 'virtual directory',
    key: 'path',
    locate: (raw, s, c) => arrayAt(application(raw, s), ['virtualDirectories'], c),
  },
  handlers: {
    name: 'handler mapping',
    key: 'name',
    locate: (raw, s, c) => arrayAt(owner(raw, s), ['webServer', 'handlers', 'list'], c),
  },
  modules: {
    name: 'module',
    key: 'name',
    locate: (raw, s, c) => arrayAt(owner(raw, s), ['webServer', 'modules'], c),
  },
} satisfies Record<string, Collection>;

/** An application's or virtual directory's path from its URL segment: `%2Fphp`, `php` and `/php` alike. */
export function appPath(segment: string): string {
  return segment.startsWith('/') ? segment : `/${segment}`;
}

function keyMatches(collection: Collection, item: unknown, key: string): boolean {
  const value = String((item as Tree)[collection.key]);
  return collection.key === 'path' ? value === appPath(key) : value === key;
}

// Every edit works on a copy: the tree WAS holds changes only once the copy is validated and published.
const copy = (raw: unknown): Tree => structuredClone((raw ?? {}) as Tree);

export function listItems(raw: unknown, collection: Collection, scope: Scope): unknown[] {
  return collection.locate(copy(raw), scope, false) ?? [];
}

export function getItem(raw: unknown, collection: Collection, scope: Scope, key: string): unknown {
  const found = listItems(raw, collection, scope).find((item) => keyMatches(collection, item, key));
  if (found === undefined) throw notFound(collection, key);
  return found;
}

export function addItem(raw: unknown, collection: Collection, scope: Scope, item: unknown): Tree {
  const tree = copy(raw);
  const list = collection.locate(tree, scope, true);
  // The section is there but is not a list (a hand-edited tree): nothing to add to.
  if (!list) throw new W3poolError('WAS_CONFIG_ITEM_NOT_FOUND', `the ${collection.name} list`);
  const key = (item as Tree)[collection.key];
  // A key of the wrong type (or none) is validateConfig's to refuse, with its pointer.
  const comparable = typeof key === 'string' || typeof key === 'number';
  if (comparable && list.some((existing) => keyMatches(collection, existing, String(key))))
    throw new W3poolError('WAS_CONFIG_ITEM_EXISTS', `${collection.name} ${key}`);
  list.push(item);
  return tree;
}

/** RFC 7396 JSON merge patch of one item: objects merge, `null` removes a setting, the rest replaces. */
export function patchItem(
  raw: unknown,
  collection: Collection,
  scope: Scope,
  key: string,
  patch: unknown,
): Tree {
  const tree = copy(raw);
  const list = collection.locate(tree, scope, false) ?? [];
  const index = list.findIndex((item) => keyMatches(collection, item, key));
  if (index < 0) throw notFound(collection, key);
  list[index] = mergePatch(list[index], patch);
  return tree;
}

export function deleteItem(raw: unknown, collection: Collection, scope: Scope, key: string): Tree {
  const tree = copy(raw);
  const list = collection.locate(tree, scope, false) ?? [];
  const index = list.findIndex((item) => keyMatches(collection, item, key));
  if (index < 0) throw notFound(collection, key);
  list.splice(index, 1);
  return tree;
}

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const result: Tree = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

const isObject = (value: unknown): value is Tree =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const notFound = (collection: Collection, key: string) =>
  new W3poolError('WAS_CONFIG_ITEM_NOT_FOUND', `${collection.name} ${key}`);

/** The array at `path` under `tree`; with `create`, missing objects and the array itself are made. */
function arrayAt(tree: Tree, path: string[], create: boolean): unknown[] | undefined {
  let node: Tree = tree;
  for (const [i, key] of path.entries()) {
    const last = i === path.length - 1;
    if (node[key] === undefined) {
      if (!create) return undefined;
      node[key] = last ? [] : {};
    }
    const next = node[key];
    if (last) return Array.isArray(next) ? next : undefined;
    if (!isObject(next)) return undefined;
    node = next;
  }
  return undefined;
}
