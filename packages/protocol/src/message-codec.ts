import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';

/**
 * The decoder of one message kind: parses JSON text (or takes an already structured value, for IPC and
 * thread messages) and checks it against the message's schema, so that no service ever trusts
 * `JSON.parse(x) as T`. A message that does not match throws a TypeError naming the first bad member.
 */
export interface MessageCodec<S extends TSchema> {
  encode(message: Static<S>): string;
  decode(text: string | Buffer): Static<S>;
  /** Check a value that arrived already structured (Node IPC, worker_threads). */
  check(value: unknown): Static<S>;
}

export function messageCodec<S extends TSchema>(name: string, schema: S): MessageCodec<S> {
  const compiled = TypeCompiler.Compile(schema);
  const check = (value: unknown): Static<S> => {
    if (compiled.Check(value)) return value;
    const first = compiled.Errors(value).First();
    const where = first ? `${first.path || '/'}: ${first.message}` : 'does not match';
    throw new TypeError(`malformed ${name} message (${where})`);
  };
  return {
    encode: (message) => JSON.stringify(message),
    decode: (text) => {
      let value: unknown;
      try {
        value = JSON.parse(text.toString());
      } catch {
        throw new TypeError(`malformed ${name} message (not JSON)`);
      }
      return check(value);
    },
    check,
  };
}
