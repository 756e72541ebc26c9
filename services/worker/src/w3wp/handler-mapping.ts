import type { HandlerMapping } from '@w3pool/config';

export type MappingResult =
  | { kind: 'mapped'; mapping: HandlerMapping; index: number }
  | { kind: 'verb-not-allowed' }
  | { kind: 'none' };

/** A handler mapping compiled once per configuration: its path pattern and verb list, ready to match. */
interface CompiledMapping {
  mapping: HandlerMapping;
  index: number;
  /** `*`: any file name; `ext`: a `*.ext` pattern (this is `.ext`); `name`: one file name. */
  kind: '*' | 'ext' | 'name';
  pattern: string;
  /** undefined: every verb. */
  verbs: ReadonlySet<string> | undefined;
}

export type CompiledMappings = readonly CompiledMapping[];

export function compileMappings(mappings: readonly HandlerMapping[]): CompiledMappings {
  return mappings.map((mapping, index) => {
    const p = mapping.path.toLowerCase();
    const verbs =
      mapping.verb.trim() === '*'
        ? undefined
        : new Set(mapping.verb.split(',').map((v) => v.trim().toUpperCase()));
    if (p === '*') return { mapping, index, kind: '*', pattern: p, verbs };
    if (p.startsWith('*.')) return { mapping, index, kind: 'ext', pattern: p.slice(1), verbs };
    return { mapping, index, kind: 'name', pattern: p, verbs };
  });
}

/**
 * MapRequestHandler: the first mapping (in configured order) whose path pattern matches the file name
 * and whose verb list allows the method. A path match with no verb match is 405, as in IIS.
 */
export function selectCompiled(mappings: CompiledMappings, method: string, urlPath: string): MappingResult {
  const fileName = urlPath.slice(urlPath.lastIndexOf('/') + 1).toLowerCase();
  let upper: string | undefined;
  let pathMatched = false;
  for (const m of mappings) {
    const matches =
      m.kind === '*' || (m.kind === 'ext' ? fileName.endsWith(m.pattern) : fileName === m.pattern);
    if (!matches) continue;
    pathMatched = true;
    if (m.verbs === undefined || m.verbs.has((upper ??= method.toUpperCase())))
      return { kind: 'mapped', mapping: m.mapping, index: m.index };
  }
  return pathMatched ? { kind: 'verb-not-allowed' } : { kind: 'none' };
}

/** selectCompiled for mappings compiled on the spot (tests, one-off use). */
export function selectHandler(
  mappings: readonly HandlerMapping[],
  method: string,
  urlPath: string,
): MappingResult {
  return selectCompiled(compileMappings(mappings), method, urlPath);
}
