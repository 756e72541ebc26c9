import { CliError } from './admin-client.js';

// `w3pool set apppool NAME --queueLength 500 --processModel.idleTimeout 00:10:00`: each `--path value`
// (or `--path=value`) names a setting by its IIS name, nested ones with dots, and the value is typed by
// the configuration's own schema — a number where the schema has a number, true/false for a boolean,
// a string otherwise — so that `500` is not sent as "500" and a misspelt name is refused before sending.

type Tree = Record<string, unknown>;

interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  anyOf?: SchemaNode[];
}

/** `--a.b v` / `--a.b=v` pairs → [path, text] pairs, in order. */
export function settingPairs(args: readonly string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--') || arg.length === 2)
      throw new CliError('WAS_CLI_ARGUMENT_INVALID', `expected --setting value, got "${arg}"`);
    const equals = arg.indexOf('=');
    if (equals > 0) {
      pairs.push([arg.slice(2, equals), arg.slice(equals + 1)]);
      continue;
    }
    const value = args[i + 1];
    if (value === undefined) throw new CliError('WAS_CLI_ARGUMENT_INVALID', `${arg} needs a value`);
    pairs.push([arg.slice(2), value]);
    i++;
  }
  return pairs;
}

/** The schema node at a dotted path, or undefined when the schema has no such setting. */
function nodeAt(schema: SchemaNode, path: string[]): SchemaNode | undefined {
  let node: SchemaNode | undefined = schema;
  for (const name of path) {
    node = node?.properties?.[name];
    if (!node) return undefined;
  }
  return node;
}

function typeOf(node: SchemaNode): string | undefined {
  if (node.type) return node.type;
  const types = new Set((node.anyOf ?? []).map((n) => n.type));
  return types.size === 1 ? [...types][0] : undefined;
}

/** One value typed by its schema node. */
export function typedValue(path: string, text: string, node: SchemaNode): unknown {
  const type = typeOf(node);
  if (type === 'integer' || type === 'number') {
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value) || (type === 'integer' && !Number.isInteger(value)))
      throw new CliError(
        'WAS_CLI_ARGUMENT_INVALID',
        `--${path} takes ${type === 'integer' ? 'an integer' : 'a number'}, got "${text}"`,
      );
    return value;
  }
  if (type === 'boolean') {
    if (/^true$/i.test(text)) return true;
    if (/^false$/i.test(text)) return false;
    throw new CliError('WAS_CLI_ARGUMENT_INVALID', `--${path} takes true or false, got "${text}"`);
  }
  if (type === 'object' || type === 'array')
    throw new CliError(
      'WAS_CLI_ARGUMENT_INVALID',
      `--${path} is a section: set its settings (--${path}.NAME value)`,
    );
  return text;
}

/** `--a.b v` pairs → a nested patch `{ a: { b: v } }`, each value typed by `schema`. */
export function settingsPatch(args: readonly string[], schema: object): Tree {
  const patch: Tree = {};
  for (const [path, text] of settingPairs(args)) {
    const names = path.split('.');
    const node = nodeAt(schema, names);
    if (!node) throw new CliError('WAS_CLI_ARGUMENT_INVALID', `no setting is named "${path}"`);
    let target = patch;
    for (const name of names.slice(0, -1)) target = (target[name] ??= {}) as Tree;
    target[names.at(-1)!] = typedValue(path, text, node);
  }
  return patch;
}
