/**
 * The request's headers as a handler sees them, from the flat list the listener passes on as received
 * (Node's rawHeaders: name, value, name, value, ...): names lower-cased, repeated headers joined into one
 * value with `, ` (RFC 9110), except Cookie, whose pairs are joined with `; ` (RFC 6265).
 */
export function handlerHeaders(raw: readonly string[]): Map<string, string> {
  const headers = new Map<string, string>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] ?? '').toLowerCase();
    const value = raw[i + 1] ?? '';
    const previous = headers.get(name);
    headers.set(
      name,
      previous === undefined ? value : `${previous}${name === 'cookie' ? '; ' : ', '}${value}`,
    );
  }
  return headers;
}
