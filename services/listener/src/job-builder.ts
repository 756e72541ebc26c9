import type { IncomingMessage } from 'node:http';
import type { RequestJob } from '@w3pool/protocol';
import type { Route } from './site-router.js';
import { tlsFactsOf } from './tls-facts.js';
import type { NormalizedUrl } from './url-normalizer.js';

/** What the listener read of the body before queueing (ISAPI's lpbData). */
export interface ReadAhead {
  preload: Buffer;
  complete: boolean;
}

/**
 * The job a worker receives: what ISAPI's EXTENSION_CONTROL_BLOCK carries, plus where to reply and the
 * queue deadline. Headers go as the client sent them (rawHeaders), so the listener does no work per header.
 */
export function buildRequestJob(
  id: string,
  replyTo: string,
  request: IncomingMessage,
  route: Route,
  url: NormalizedUrl,
  body: ReadAhead,
  now = Date.now(),
): RequestJob {
  const { socket } = request;
  const declared = request.headers['content-length'];
  const tls = tlsFactsOf(request);
  const job: RequestJob = {
    id,
    replyTo,
    enqueuedAt: now,
    deadline: now + route.queueTimeoutMs,
    siteId: route.site.id,
    siteName: route.site.name,
    appPath: route.application.path,
    method: request.method ?? 'GET',
    rawUrl: request.url ?? '/',
    path: url.path,
    query: url.query,
    httpVersion: request.httpVersion,
    headers: request.httpVersionMajor === 2 ? http2HeaderLines(request.rawHeaders) : request.rawHeaders,
    remoteAddress: socket.remoteAddress ?? '',
    remotePort: socket.remotePort ?? 0,
    localAddress: socket.localAddress ?? '',
    localPort: socket.localPort ?? 0,
    body: body.preload,
    bodyLength: declared === undefined ? -1 : Number(declared),
    bodyComplete: body.complete,
  };
  if (tls) job.tls = tls;
  return job;
}

/**
 * An HTTP/2 request's header lines as an HTTP/1.1 request would have them, for the worker and for CGI and
 * FastCGI programs: without the pseudo-headers (`:method`, `:path`, `:scheme`, `:authority`), with a Host
 * line from `:authority` when the client sent no host header (RFC 9113 §8.3.1 lets it send either).
 */
export function http2HeaderLines(raw: readonly string[]): string[] {
  const lines: string[] = [];
  let authority: string | undefined;
  let host = false;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.startsWith(':')) {
      if (name === ':authority') authority = raw[i + 1];
      continue;
    }
    if (name.toLowerCase() === 'host') host = true;
    lines.push(name, raw[i + 1]!);
  }
  if (!host && authority !== undefined) lines.unshift('Host', authority);
  return lines;
}
