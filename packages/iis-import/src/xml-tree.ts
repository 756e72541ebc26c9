import { W3poolError } from '@w3pool/protocol';
import { XMLParser, XMLValidator } from 'fast-xml-parser';

// applicationHost.config as a tree of elements that remember what the import read from them. Every
// element and attribute starts unread; the mappers mark what they use, and the coverage sweep
// (coverage.ts) reports whatever is left, so nothing of the input is dropped without a word.

/** One XML element, with its XPath and line, and the attributes and children the import has used. */
export class XmlElement {
  readonly usedAttributes = new Set<string>();
  /** Set when a mapper has accounted for the element itself (mapped, reported or defaulted-away). */
  handled = false;

  constructor(
    readonly name: string,
    readonly attributes: ReadonlyMap<string, string>,
    readonly children: XmlElement[],
    readonly xpath: string,
    readonly line: number,
  ) {}

  /** An attribute's value, marked as used; undefined when it is absent. */
  attr(name: string): string | undefined {
    const value = this.attributes.get(name);
    if (value !== undefined) this.usedAttributes.add(name);
    return value;
  }

  /** The first child of that name, marked handled (its own attributes are still checked one by one). */
  child(name: string): XmlElement | undefined {
    const found = this.children.find((c) => c.name === name);
    if (found) found.handled = true;
    return found;
  }

  /** Every child, in document order, each marked handled. */
  each(names?: readonly string[]): XmlElement[] {
    const list = names ? this.children.filter((c) => names.includes(c.name)) : this.children;
    for (const c of list) c.handled = true;
    return list;
  }

  /** Mark this element handled and return it, for chaining. */
  take(): this {
    this.handled = true;
    return this;
  }
}

/** XML that is not well-formed (CONFIG_IMPORT_XML_INVALID, 400): the parser's reason and where. */
export class XmlSyntaxError extends W3poolError {
  constructor(
    reason: string,
    readonly line: number,
    readonly column: number,
  ) {
    super('CONFIG_IMPORT_XML_INVALID', `Line ${line}, column ${column}: ${reason}`);
    this.name = 'XmlSyntaxError';
  }
}

type OrderedNode = Record<string, unknown> & { ':@'?: Record<string, string> };

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  // Values stay strings: "00:01:30" and "0777" must not become numbers before the mappers read them.
  parseAttributeValue: false,
  parseTagValue: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  captureMetaData: true,
  processEntities: true,
});

/** Parse applicationHost.config into its root element. Throws XmlSyntaxError when it is not well-formed. */
export function parseXml(xml: string): XmlElement {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new XmlSyntaxError(valid.err.msg, valid.err.line, valid.err.col);
  const lineStarts = [0];
  for (let i = 0; i < xml.length; i++) if (xml.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const lineOf = (index: number | undefined) => {
    if (index === undefined) return 0;
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((lineStarts[mid] ?? 0) <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  // Typed as the Symbol wrapper object by the library; the value is a primitive symbol.
  const meta = XMLParser.getMetaDataSymbol() as unknown as symbol;
  const build = (nodes: OrderedNode[], parentPath: string): XmlElement[] => {
    const elements = nodes.filter((n) => elementName(n) !== undefined);
    const counts = new Map<string, number>();
    for (const n of elements) counts.set(elementName(n)!, (counts.get(elementName(n)!) ?? 0) + 1);
    const seen = new Map<string, number>();
    return elements.map((node) => {
      const name = elementName(node)!;
      const attributes = new Map(Object.entries(node[':@'] ?? {}).map(([k, v]) => [k, String(v)]));
      const index = (seen.get(name) ?? 0) + 1;
      seen.set(name, index);
      const xpath = `${parentPath}/${name}${predicate(attributes, index, counts.get(name) ?? 1)}`;
      const metadata = (node as Record<symbol, { startIndex?: number } | undefined>)[meta];
      const children = build((node[name] as OrderedNode[] | undefined) ?? [], xpath);
      return new XmlElement(name, attributes, children, xpath, lineOf(metadata?.startIndex));
    });
  };
  const roots = build(parser.parse(xml) as OrderedNode[], '');
  const root = roots[0];
  if (!root || root.name !== 'configuration') {
    throw new XmlSyntaxError('the document element is not <configuration>', root?.line ?? 1, 1);
  }
  return root;
}

function elementName(node: OrderedNode): string | undefined {
  return Object.keys(node).find((k) => k !== ':@' && k !== '#text' && !k.startsWith('?'));
}

/**
 * The XPath step's predicate: the collection key IIS uses where there is one (`site[@name='Default Web
 * Site']`, `location[@path='Site/app']`), else the position among same-named siblings when there are several.
 */
function predicate(attributes: ReadonlyMap<string, string>, index: number, count: number): string {
  for (const key of ['name', 'path', 'fileExtension', 'statusCode', 'value', 'segment', 'mimeType']) {
    const value = attributes.get(key);
    if (value !== undefined && count > 1) {
      const extra = key === 'statusCode' ? attributes.get('subStatusCode') : undefined;
      return extra === undefined
        ? `[@${key}=${quote(value)}]`
        : `[@${key}=${quote(value)} and @subStatusCode=${quote(extra)}]`;
    }
  }
  return count > 1 ? `[${index}]` : '';
}

function quote(value: string): string {
  return value.includes("'") ? `"${value}"` : `'${value}'`;
}
