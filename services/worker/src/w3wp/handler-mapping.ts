import type { HandlerMapping } from '@w3pool/config';

export type MappingResult =
  | {
      kind: 'mapped';
      mapping: HandlerMapping;
      index: number;
      /** SCRIPT_NAME: the URL up to the segment the mapping matched (the whole URL without path info). */
      scriptName: string;
      /** PATH_INFO of allowPathInfo mappings: what follows that segment ('' when it was the last). */
      pathInfo: string;
    }
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
  allowPathInfo: boolean;
}

export type CompiledMappings = readonly CompiledMapping[];

export function compileMappings(mappings: readonly HandlerMapping[]): CompiledMappings {
  return mappings.map((mapping, index) => {
    const p = mapping.path.toLowerCase();
    const verbs =
      mapping.verb.trim() === '*'
        ? undefined
        : new Set(mapping.verb.split(',').map((v) => v.trim().toUpperCase()));
    const allowPathInfo = mapping.allowPathInfo;
    if (p === '*') return { mapping, index, kind: '*', pattern: p, verbs, allowPathInfo };
    if (p.startsWith('*.')) return { mapping, index, kind: 'ext', pattern: p.slice(1), verbs, allowPathInfo };
    return { mapping, index, kind: 'name', pattern: p, verbs, allowPathInfo };
  });
}

/**
 * MapRequestHandler: the first mapping (in configured order) whose path pattern matches the file name
 * and whose verb list allows the method. A path match with no verb match is 405, as in IIS. A mapping with
 * allowPathInfo also matches an earlier segment (`/index.php/a/b`): that segment ends SCRIPT_NAME and the
 * rest is PATH_INFO.
 */
export function selectCompiled(mappings: CompiledMappings, method: string, urlPath: string): MappingResult {
  const fileName = urlPath.slice(urlPath.lastIndexOf('/') + 1).toLowerCase();
  let upper: string | undefined;
  let pathMatched = false;
  let lowerPath: string | undefined;
  for (const m of mappings) {
    let scriptEnd = urlPath.length;
    if (!matches(m, fileName)) {
      if (!m.allowPathInfo || m.kind === '*') continue;
      scriptEnd = pathInfoSplit(m, (lowerPath ??= urlPath.toLowerCase()));
      if (scriptEnd < 0) continue;
    }
    pathMatched = true;
    if (m.verbs === undefined || m.verbs.has((upper ??= method.toUpperCase()))) {
      return {
        kind: 'mapped',
        mapping: m.mapping,
        index: m.index,
        scriptName: urlPath.slice(0, scriptEnd),
        pathInfo: urlPath.slice(scriptEnd),
      };
    }
  }
  return pathMatched ? { kind: 'verb-not-allowed' } : { kind: 'none' };
}

function matches(m: CompiledMapping, fileName: string): boolean {
  return m.kind === '*' || (m.kind === 'ext' ? fileName.endsWith(m.pattern) : fileName === m.pattern);
}

/** Where SCRIPT_NAME ends: after the first inner segment the mapping matches, or -1. */
function pathInfoSplit(m: CompiledMapping, lowerPath: string): number {
  let start = 1;
  for (let slash = lowerPath.indexOf('/', start); slash > 0; slash = lowerPath.indexOf('/', start)) {
    if (matches(m, lowerPath.slice(start, slash))) return slash;
    start = slash + 1;
  }
  return -1;
}

/** selectCompiled for mappings compiled on the spot (tests, one-off use). */
export function selectHandler(
  mappings: readonly HandlerMapping[],
  method: string,
  urlPath: string,
): MappingResult {
  return selectCompiled(compileMappings(mappings), method, urlPath);
}
