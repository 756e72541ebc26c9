// Accept-Encoding (RFC 9110 section 12.5.3): which content coding a response may use. The listener keys its
// response cache on the same q-values (services/listener/src/cache-variation.ts), so that a compressed
// variant is only ever served to a client that accepts it.

export type ContentCoding = 'br' | 'gzip';

/** The q-value the client gives each coding it names (`*` included), lower-cased; x-gzip is gzip. */
export function parseAcceptEncoding(header: string): Map<string, number> {
  const weights = new Map<string, number>();
  for (const part of header.split(',')) {
    const [rawName = '', ...params] = part.split(';');
    let name = rawName.trim().toLowerCase();
    if (name === '') continue;
    if (name === 'x-gzip') name = 'gzip';
    let q = 1;
    for (const param of params) {
      const [key = '', value = ''] = param.split('=');
      if (key.trim().toLowerCase() !== 'q') continue;
      // A q-value is 0 to 1 with at most three decimals; anything else makes the entry meaningless.
      q = /^\s*(0(\.\d{0,3})?|1(\.0{0,3})?)\s*$/.test(value) ? Number(value) : NaN;
    }
    if (!Number.isNaN(q)) weights.set(name, q);
  }
  return weights;
}

/** The q-value for `coding`: its own entry, else `*`'s, else 0 (not acceptable). */
export function qualityOf(weights: ReadonlyMap<string, number>, coding: ContentCoding): number {
  return weights.get(coding) ?? weights.get('*') ?? 0;
}

/**
 * The coding to use: among the server's schemes the client accepts (q > 0), the one with the highest
 * q-value; on a tie, the one the server lists first (IIS 10's scheme order). Undefined: send identity.
 */
export function negotiate(
  header: string | undefined,
  schemes: readonly ContentCoding[],
): ContentCoding | undefined {
  if (header === undefined || schemes.length === 0) return undefined;
  const weights = parseAcceptEncoding(header);
  let best: ContentCoding | undefined;
  let bestQ = 0;
  for (const scheme of schemes) {
    const q = qualityOf(weights, scheme);
    if (q > bestQ) {
      best = scheme;
      bestQ = q;
    }
  }
  return best;
}
