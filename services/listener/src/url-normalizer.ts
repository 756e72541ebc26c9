/** The request target split and normalised as http.sys does before routing. */
export interface NormalizedUrl {
  /** Decoded path with `.` and `..` resolved and `\` read as `/`; never climbs above `/`. */
  path: string;
  /** The query string as sent, without `?`. */
  query: string;
}

/**
 * Decode and canonicalise a request target. Returns undefined for a target that cannot be a path on this
 * server: not origin-form, bad percent-encoding, a NUL byte, or `..` that would climb above the root.
 */
const NEEDS_WORK = /[%\\\0]|\/\.|\/\//;

export function normalizeUrl(rawUrl: string): NormalizedUrl | undefined {
  let target = rawUrl;
  if (target.charCodeAt(0) !== 47 && /^https?:\/\//i.test(target)) {
    // absolute-form (sent to proxies, but legal to any server): keep only the path and query.
    const slash = target.indexOf('/', target.indexOf('//') + 2);
    target = slash === -1 ? '/' : target.slice(slash);
  }
  if (!target.startsWith('/')) return undefined;
  const q = target.indexOf('?');
  const rawPath = q === -1 ? target : target.slice(0, q);
  const query = q === -1 ? '' : target.slice(q + 1);
  // Most targets are canonical already: nothing encoded, no backslash, no `.` or empty segment.
  if (!NEEDS_WORK.test(rawPath)) return { path: rawPath, query };

  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;

  const segments: string[] = [];
  const parts = decoded.replace(/\\/g, '/').split('/');
  for (const part of parts) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (segments.length === 0) return undefined;
      segments.pop();
      continue;
    }
    segments.push(part);
  }
  const trailing = decoded.endsWith('/') || decoded.endsWith('/.') || decoded.endsWith('/..');
  const path = `/${segments.join('/')}${trailing && segments.length > 0 ? '/' : ''}`;
  return { path, query };
}
