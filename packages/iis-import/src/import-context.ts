import { Kind, type TSchema } from '@sinclair/typebox';
import { SAME_AS_DEFAULT, type ImportIssue, type ImportSeverity } from './import-issues.js';
import { mapWindowsPath, type PathRules } from './path-rules.js';
import type { XmlElement } from './xml-tree.js';

/** Where each output value came from, so that a value left out as a default can still be reported. */
export interface Source {
  xpath: string;
  line: number;
}

export type Provenance = WeakMap<object, Map<string, Source>>;

type Tree = Record<string, unknown>;

/** The state of one import: the path rules, the issues found so far and where each output value came from. */
export class ImportContext {
  readonly issues: ImportIssue[] = [];
  readonly provenance: Provenance = new WeakMap();

  constructor(
    readonly paths: PathRules,
    readonly verbose: boolean,
  ) {}

  /** Report an element (or one of its attributes) and mark it as accounted for. */
  report(el: XmlElement, reason: string, severity: ImportSeverity, attribute?: string): void {
    // An element's entry speaks for all of it: its attributes and children are not listed again.
    if (attribute === undefined) markAll(el);
    else el.usedAttributes.add(attribute);
    const xpath = attribute === undefined ? el.xpath : `${el.xpath}/@${attribute}`;
    this.issues.push({ xpath, reason, severity, line: el.line });
  }

  /** Report each of these attributes, when present, with one reason. */
  reportAttributes(el: XmlElement, names: readonly string[], reason: string, severity: ImportSeverity): void {
    for (const name of names) if (el.attributes.has(name)) this.report(el, reason, severity, name);
  }

  /** An attribute's value that equals w3pool's default and is left out: reported in verbose mode only. */
  sameAsDefault(xpath: string, line: number): void {
    if (this.verbose) this.issues.push({ xpath, reason: SAME_AS_DEFAULT, severity: 'info', line });
  }

  /** Set target[key] and remember the attribute it came from. */
  put(target: Tree, key: string, value: unknown, el: XmlElement, attribute?: string): void {
    target[key] = value;
    let sources = this.provenance.get(target);
    if (!sources) this.provenance.set(target, (sources = new Map<string, Source>()));
    sources.set(key, { xpath: attribute ? `${el.xpath}/@${attribute}` : el.xpath, line: el.line });
  }

  /** A path attribute mapped by the path rules; an unmapped one is kept as written and reported. */
  path(el: XmlElement, attribute: string): string | undefined {
    const raw = el.attr(attribute);
    return raw === undefined ? undefined : this.pathValue(el, attribute, raw);
  }

  /** A path found in an attribute (all of it, or the program part of a scriptProcessor), mapped. */
  pathValue(el: XmlElement, attribute: string, raw: string): string {
    el.usedAttributes.add(attribute);
    const mapped = mapWindowsPath(raw, this.paths);
    if (!mapped.ok) this.report(el, mapped.reason, 'warning', attribute);
    return mapped.path;
  }

  /**
   * Copy the attributes whose names are properties of `schema` (booleans, integers, strings), converted to
   * the schema's type, and recurse into child elements that are sections of it. Attributes and children
   * the schema does not have stay unread, for the caller or the coverage sweep.
   */
  copy(el: XmlElement, schema: TSchema, target: Tree, except: readonly string[] = []): Tree {
    el.handled = true;
    const properties = (schema.properties ?? {}) as Record<string, TSchema>;
    for (const [name, raw] of el.attributes) {
      const property = properties[name];
      if (!property || except.includes(name) || property[Kind] === 'Object' || property[Kind] === 'Array') {
        continue;
      }
      const value = this.convert(el, name, raw, property);
      if (value !== undefined) this.put(target, name, value, el, name);
    }
    for (const child of el.children) {
      const property = properties[child.name];
      if (!property || except.includes(child.name) || property[Kind] !== 'Object') continue;
      const sub = (target[child.name] as Tree | undefined) ?? {};
      target[child.name] = sub;
      this.copy(child, property, sub);
    }
    return target;
  }

  /** One attribute converted to the schema's type; a value IIS would refuse is reported as an error. */
  convert(el: XmlElement, name: string, raw: string, property: TSchema): unknown {
    el.usedAttributes.add(name);
    const type = property.type as string | undefined;
    if (type === 'boolean') {
      if (/^(true|false)$/i.test(raw)) return raw.toLowerCase() === 'true';
      this.report(el, `"${raw}" is not true or false; left out`, 'error', name);
      return undefined;
    }
    if (type === 'integer') {
      if (/^-?\d+$/.test(raw.trim())) return Number(raw.trim());
      this.report(el, `"${raw}" is not a whole number; left out`, 'error', name);
      return undefined;
    }
    if (property.anyOf) {
      // An IIS enum: IIS compares its names case-insensitively; w3pool's schema has IIS's own spelling.
      const choices = (property.anyOf as TSchema[])
        .map((c) => c.const as unknown)
        .filter((c) => typeof c === 'string');
      const match = choices.find((c) => c.toLowerCase() === raw.toLowerCase());
      if (match !== undefined) return match;
      this.report(
        el,
        `"${raw}" is not one w3pool supports (${choices.join(', ')}); left out, so w3pool's default applies`,
        'warning',
        name,
      );
      return undefined;
    }
    return raw;
  }
}

function markAll(el: XmlElement): void {
  el.handled = true;
  for (const name of el.attributes.keys()) el.usedAttributes.add(name);
  el.children.forEach(markAll);
}
