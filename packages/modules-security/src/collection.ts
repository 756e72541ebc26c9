// IIS collection semantics over an inherited list (effective-web-server.ts puts a parent's entries before
// its child's): an entry adds, `{ clear: true }` forgets everything before it (IIS's <clear/>), and
// `{ remove: key }` forgets the earlier entries with that key (IIS's <remove/>).

export interface ClearEntry {
  readonly clear: true;
}

export interface RemoveEntry<K> {
  readonly remove: K;
}

export function resolveCollection<T extends object, K>(
  entries: readonly (T | ClearEntry | RemoveEntry<K>)[],
  hasKey: (entry: T, key: K) => boolean,
): T[] {
  let resolved: T[] = [];
  for (const entry of entries) {
    if (isClear(entry)) resolved = [];
    else if (isRemove<K>(entry)) resolved = resolved.filter((kept) => !hasKey(kept, entry.remove));
    else resolved.push(entry);
  }
  return resolved;
}

function isClear(entry: object): entry is ClearEntry {
  return 'clear' in entry;
}

function isRemove<K>(entry: object): entry is RemoveEntry<K> {
  return 'remove' in entry;
}
