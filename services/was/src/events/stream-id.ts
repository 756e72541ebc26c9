/** Redis stream entry ids (`<ms>-<seq>`) in order: true when `a` comes after `b`. */
export function isAfter(a: string, b: string): boolean {
  const [am = 0n, as = 0n] = a.split('-').map(BigInt);
  const [bm = 0n, bs = 0n] = b.split('-').map(BigInt);
  return am > bm || (am === bm && as > bs);
}

/** A Last-Event-ID a client may send back: a stream entry id, nothing else reaches XRANGE. */
export function isStreamId(value: string): boolean {
  return /^\d{1,20}-\d{1,20}$/.test(value);
}

export interface StreamEvent {
  id: string;
  fields: Record<string, string>;
}

/** XRANGE/XREAD's `[id, [k, v, k, v...]]` as an event. */
export function toEvent([id, flat]: [string, string[]]): StreamEvent {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
  return { id, fields };
}
