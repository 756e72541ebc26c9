import { Document, isMap, isScalar, isSeq, parseDocument, type Node } from 'yaml';

/**
 * The YAML text of `raw`, edited into `previous` (the file as it is) with the yaml library's Document API:
 * only the nodes whose value changed are replaced, so comments and layout on untouched parts survive.
 * A comment attached to a replaced node (or inside it) is lost. Falls back to a fresh document when
 * `previous` does not parse.
 */
export function renderYaml(previous: string | undefined, raw: unknown): string {
  const doc = previous === undefined ? undefined : parseDocument(previous);
  if (!doc || doc.errors.length > 0 || !isMap(doc.contents)) {
    return new Document(raw).toString({ lineWidth: 0 });
  }
  doc.contents = merge(doc, doc.contents, raw) as typeof doc.contents;
  return doc.toString({ lineWidth: 0 });
}

function merge(doc: Document, node: Node | null | undefined, value: unknown): Node {
  if (isMap(node) && isPlainObject(value)) {
    for (const pair of [...node.items]) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      if (!(key in value)) node.delete(key);
    }
    for (const [key, child] of Object.entries(value)) {
      const existing = node.get(key, true) as Node | undefined;
      if (existing === undefined) node.set(key, doc.createNode(child));
      else node.set(key, merge(doc, existing, child));
    }
    return node;
  }
  if (isSeq(node) && Array.isArray(value) && node.items.length === value.length) {
    value.forEach((child, i) => node.set(i, merge(doc, node.items[i] as Node, child)));
    return node;
  }
  if (isScalar(node) && !isObject(value)) {
    if (node.value !== value) node.value = value;
    return node;
  }
  return doc.createNode(value);
}

const isObject = (value: unknown): boolean => typeof value === 'object' && value !== null;
const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  isObject(value) && !Array.isArray(value);
