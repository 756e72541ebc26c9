import type { HandlerResponse } from '../handler-response.js';
import type { CgiHead } from './response-head.js';
import { HOP_BY_HOP } from '@w3pool/protocol';

/**
 * The three responses of RFC 3875 section 6.2. A local redirect (a path of this server) is run by the
 * server as a new request; a client redirect goes to the client as a 302 unless the program chose another
 * status; anything else is a document, whose body needs a Content-Type.
 */
export type CgiResponseKind =
  | { readonly kind: 'local-redirect'; readonly url: string }
  | { readonly kind: 'client-redirect'; readonly head: CgiHead; readonly status: number }
  | { readonly kind: 'document'; readonly head: CgiHead; readonly status: number };

/**
 * When a Location that is a path is a local redirect. `alone`: RFC 3875 section 6.2.2's local-redir-response,
 * the Location field and nothing else (the CGI handler). `without-status`: a Location path without a Status
 * field, whatever else came with it, as Apache's mod_fcgid and PHP's FastCGI users expect (php-cgi adds
 * its Content-type to every response).
 */
export type LocalRedirectRule = 'alone' | 'without-status';

export function classifyCgiResponse(head: CgiHead, rule: LocalRedirectRule = 'alone'): CgiResponseKind {
  const { location } = head;
  if (location === undefined) return { kind: 'document', head, status: head.status?.code ?? 200 };
  const alone = head.status === undefined && head.contentType === undefined && head.fields.length === 0;
  const local = rule === 'alone' ? alone : head.status === undefined;
  if (local && isLocalPath(location)) return { kind: 'local-redirect', url: location };
  return { kind: 'client-redirect', head, status: head.status?.code ?? 302 };
}

/** `/path?query`, but not `//host/path` (a network-path reference: another server). */
function isLocalPath(location: string): boolean {
  return location.startsWith('/') && !location.startsWith('//') && !location.startsWith('/\\');
}

/**
 * Fields a script may not set on the response. The listener owns the client's connection and frames the
 * body itself (Content-Length when the whole response is one message, chunked otherwise), so a script's
 * Content-Length, which nothing could check before it went out, is not passed on, nor any hop-by-hop field.
 */
const NOT_PASSED: ReadonlySet<string> = new Set(['content-length', ...HOP_BY_HOP]);

/** Set the status and the script's fields on the response (they go out with the first body bytes). */
export function applyCgiHead(response: HandlerResponse, head: CgiHead, status: number): void {
  response.status(status);
  const grouped = new Map<string, string[]>();
  for (const [name, value] of head.fields) {
    if (NOT_PASSED.has(name)) continue;
    const values = grouped.get(name);
    if (values) values.push(value);
    else grouped.set(name, [value]);
  }
  for (const [name, values] of grouped)
    response.setHeader(name, values.length === 1 ? (values[0] ?? '') : values);
  if (head.location !== undefined) response.setHeader('location', head.location);
  if (head.contentType !== undefined) response.setHeader('content-type', head.contentType);
}

/**
 * Take the script's fields off a response that will be an error page instead (none went out yet): a
 * Set-Cookie or Location of the failed run must not ride on the 502.
 */
export function clearCgiHead(response: HandlerResponse, head: CgiHead): void {
  for (const [name] of head.fields) response.removeHeader(name);
  response.removeHeader('location').removeHeader('content-type');
}
