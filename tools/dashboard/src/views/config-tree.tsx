/** The configuration as written, as a tree of collapsible sections (IIS's Configuration Editor, read-only). */
export function ConfigTree({ value }: { value: unknown }) {
  return (
    <div class="tree">
      <Node name="configuration" value={value} depth={0} />
    </div>
  );
}

/** What names an item of a list: a pool's name, a site's name, a binding, an application's path. */
function itemLabel(item: unknown, index: number): string {
  if (item && typeof item === 'object') {
    const o = item as Record<string, unknown>;
    for (const key of ['name', 'path', 'bindingInformation', 'fileExtension', 'value'])
      if (typeof o[key] === 'string') return o[key];
  }
  return `#${index}`;
}

function Node({ name, value, depth }: { name: string; value: unknown; depth: number }) {
  if (value === null || typeof value !== 'object')
    return (
      <div class="leaf">
        <span class="key">{name}</span>: <code>{JSON.stringify(value)}</code>
      </div>
    );
  const entries: [string, unknown][] = Array.isArray(value)
    ? value.map((item, i) => [itemLabel(item, i), item])
    : Object.entries(value);
  return (
    <details open={depth < 2}>
      <summary>
        <span class="key">{name}</span>
        {Array.isArray(value) ? <span class="count"> [{value.length}]</span> : null}
      </summary>
      <div class="children">
        {entries.map(([key, child], i) => (
          <Node key={`${key}-${i}`} name={key} value={child} depth={depth + 1} />
        ))}
      </div>
    </details>
  );
}
