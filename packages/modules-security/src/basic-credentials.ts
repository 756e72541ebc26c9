// The credentials of an `Authorization: Basic` header (RFC 7617): base64 of `user-id:password`, read as
// UTF-8. The user id ends at the first colon; the password may contain colons.

export interface BasicCredentials {
  readonly name: string;
  readonly password: string;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * The credentials of a Basic Authorization header; undefined when the header uses another scheme (it is
 * another module's), 'malformed' when it says Basic but carries no valid `name:password`.
 */
export function parseBasicCredentials(header: string): BasicCredentials | 'malformed' | undefined {
  const space = header.indexOf(' ');
  const scheme = space === -1 ? header : header.slice(0, space);
  if (scheme.toLowerCase() !== 'basic') return undefined;
  const token = header.slice(space + 1).trim();
  if (space === -1 || token.length % 4 !== 0 || !BASE64.test(token)) return 'malformed';
  const decoded = new TextDecoder('utf-8', { fatal: true });
  let text: string;
  try {
    text = decoded.decode(Buffer.from(token, 'base64'));
  } catch {
    return 'malformed';
  }
  const colon = text.indexOf(':');
  if (colon <= 0) return 'malformed';
  return { name: text.slice(0, colon), password: text.slice(colon + 1) };
}
