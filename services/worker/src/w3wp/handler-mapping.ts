import type { HandlerMapping } from '@w3pool/config';

export type MappingResult =
  | { kind: 'mapped'; mapping: HandlerMapping; index: number }
  | { kind: 'verb-not-allowed' }
  | { kind: 'none' };

/**
 * MapRequestHandler: the first mapping (in configured order) whose path pattern matches the file name
 * and whose verb list allows the method. A path match with no verb match is 405, as in IIS.
 */
export function selectHandler(
  mappings: readonly HandlerMapping[],
  method: string,
  urlPath: string,
): MappingResult {
  const fileName = (urlPath.split('/').pop() ?? '').toLowerCase();
  let pathMatched = false;
  for (const [index, mapping] of mappings.entries()) {
    if (!pathMatches(mapping.path, fileName)) continue;
    pathMatched = true;
    if (verbMatches(mapping.verb, method)) return { kind: 'mapped', mapping, index };
  }
  return pathMatched ? { kind: 'verb-not-allowed' } : { kind: 'none' };
}

function pathMatches(pattern: string, fileName: string): boolean {
  const p = pattern.toLowerCase();
  if (p === '*') return true;
  if (p.startsWith('*.')) return fileName.endsWith(p.slice(1));
  return fileName === p;
}

function verbMatches(verbs: string, method: string): boolean {
  if (verbs.trim() === '*') return true;
  const upper = method.toUpperCase();
  return verbs.split(',').some((v) => v.trim().toUpperCase() === upper);
}
