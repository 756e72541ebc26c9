import type { IncomingMessage } from 'node:http';
import type { RequestJob } from '@w3pool/protocol';
import type { Route } from './site-router.js';
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
  return {
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
    headers: request.rawHeaders,
    remoteAddress: socket.remoteAddress ?? '',
    remotePort: socket.remotePort ?? 0,
    localAddress: socket.localAddress ?? '',
    localPort: socket.localPort ?? 0,
    body: body.preload,
    bodyLength: declared === undefined ? -1 : Number(declared),
    bodyComplete: body.complete,
  };
}
