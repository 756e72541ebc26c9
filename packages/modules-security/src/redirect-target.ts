import type { WebServer } from '@w3pool/config';

type RedirectSettings = WebServer['httpRedirect'];

/** httpResponseStatus → the status sent. */
export const REDIRECT_STATUS = { Found: 302, Permanent: 301, Temporary: 307, PermRedirect: 308 } as const;

export interface RedirectedRequest {
  /** URL: the decoded path. */
  readonly path: string;
  /** QUERY_STRING, without `?`. */
  readonly query: string;
}

/**
 * Where httpRedirect sends a request of the application at `location` (its virtual path), or undefined when
 * it does not redirect it (childOnly and a request into a subdirectory).
 *
 * - `$S` is the rest of the path after the location (`/page.htm` of `/old/page.htm` for `/old`); `$V` the
 *   whole path; `$Q` the query with its `?` (or nothing); `$P` the query without it. They are replaced only
 *   with exactDestination, as in IIS.
 * - Without exactDestination the rest of the path is appended to destination; the query string is not
 *   (IIS's behaviour: use exactDestination and `$S$Q` to keep it).
 */
export function redirectTarget(
  settings: RedirectSettings,
  location: string,
  request: RedirectedRequest,
): string | undefined {
  const base = location === '/' ? '' : location;
  const suffix = request.path.slice(base.length);
  if (settings.childOnly && suffix.indexOf('/', 1) !== -1) return undefined;
  const rest = encodePath(suffix);
  if (settings.exactDestination) {
    return settings.destination.replace(/\$([SVQP])/g, (_, variable: string) => {
      switch (variable) {
        case 'S':
          return rest;
        case 'V':
          return encodePath(request.path);
        case 'Q':
          return request.query === '' ? '' : `?${request.query}`;
        default:
          return request.query;
      }
    });
  }
  if (rest === '') return settings.destination;
  return settings.destination.endsWith('/') && rest.startsWith('/')
    ? settings.destination + rest.slice(1)
    : settings.destination + rest;
}

/** A decoded path as it may stand in a Location header: encodeURI, plus `?` and `#`, which it leaves. */
function encodePath(path: string): string {
  return encodeURI(path).replace(/[?#]/g, (c) => encodeURIComponent(c));
}
