/** The editable settings of a pool, read from its JSON Schema (GET /api/config/schema/apppools). */

export interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  const?: unknown;
  default?: unknown;
  description?: string;
  minimum?: number;
  maximum?: number;
  pattern?: string;
}

export interface Field {
  /** The setting's path in the pool item: `queueLength`, `processModel.idleTimeout`. */
  path: string;
  /** The section it belongs to ('' for the pool's own attributes). */
  section: string;
  name: string;
  kind: 'integer' | 'number' | 'boolean' | 'choice' | 'text';
  choices: string[];
  iisDefault: unknown;
  description: string;
  minimum?: number;
  maximum?: number;
}

/** TypeBox writes a string enum as anyOf of consts. */
function choicesOf(schema: JsonSchema): string[] {
  if (schema.enum) return schema.enum.map(String);
  if (schema.anyOf?.every((s) => s.const !== undefined)) return schema.anyOf.map((s) => String(s.const));
  return [];
}

/** Every scalar setting, sections flattened in schema order; lists (recycling schedule) are left to the file. */
export function poolFields(schema: JsonSchema, prefix = '', section = ''): Field[] {
  const fields: Field[] = [];
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    const path = prefix ? `${prefix}.${name}` : name;
    if (property.type === 'object' && property.properties) {
      fields.push(...poolFields(property, path, path));
      continue;
    }
    if (property.type === 'array' || name === 'name') continue;
    const choices = choicesOf(property);
    const kind: Field['kind'] =
      choices.length > 0
        ? 'choice'
        : property.type === 'integer' || property.type === 'number' || property.type === 'boolean'
          ? property.type
          : 'text';
    fields.push({
      path,
      section,
      name,
      kind,
      choices,
      iisDefault: property.default,
      description: property.description ?? '',
      ...(property.minimum !== undefined ? { minimum: property.minimum } : {}),
      ...(property.maximum !== undefined ? { maximum: property.maximum } : {}),
    });
  }
  return fields;
}

/** The value as written in the pool item, as the form's text ('' when not set: the IIS default applies). */
export function formValue(item: Record<string, unknown>, path: string): string {
  let value: unknown = item;
  for (const part of path.split('.')) value = (value as Record<string, unknown> | undefined)?.[part];
  return value === undefined || value === null ? '' : asText(value);
}

/** A setting's value as text: lists and sections as JSON, the rest as written. */
export function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value) ?? '';
}

/**
 * A JSON merge patch (RFC 7396, what PATCH /api/config/apppools/:name takes) of the fields changed: a value
 * emptied becomes null, which removes it from the file so that the IIS default applies again. A number
 * field keeps what was typed when it is not a number, so the API's own validation names the problem.
 */
export function mergePatch(fields: Field[], before: Record<string, string>, after: Record<string, string>) {
  const patch: Record<string, unknown> = {};
  for (const field of fields) {
    const now = after[field.path] ?? '';
    if (now === (before[field.path] ?? '')) continue;
    let value: unknown = now === '' ? null : now;
    if (now !== '' && (field.kind === 'integer' || field.kind === 'number') && Number.isFinite(Number(now)))
      value = Number(now);
    if (now !== '' && field.kind === 'boolean') value = now === 'true';
    const parts = field.path.split('.');
    let target = patch;
    for (const part of parts.slice(0, -1)) target = (target[part] ??= {}) as Record<string, unknown>;
    target[parts.at(-1)!] = value;
  }
  return patch;
}

/** `/applicationPools/3/processModel/idleTimeout` → `processModel.idleTimeout` (for the pool at index 3). */
export function fieldOfPointer(pointer: string, poolIndex: number): string | undefined {
  const prefix = `/applicationPools/${poolIndex}/`;
  if (!pointer.startsWith(prefix)) return undefined;
  return pointer
    .slice(prefix.length)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
}
