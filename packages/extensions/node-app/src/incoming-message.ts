import { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { BackgroundJobs, HandlerRequest } from '@w3pool/extension-sdk';
import type { RequestSocket } from './request-socket.js';

/** What `req.w3pool` gives a Node application beyond Node's own request. */
export interface NodeAppContext {
  /** The SDK's request: server variables (`serverVariable('APPL_MD_PATH')`), the user, mapPath(), ... */
  readonly request: HandlerRequest;
  /** This application's durable background jobs: `req.w3pool.backgroundJobs.add(name, data)`. */
  readonly backgroundJobs: BackgroundJobs;
}

export type NodeAppRequest = IncomingMessage & { readonly w3pool: NodeAppContext };

/** Node's parser fills a request through this; it keeps Node's own rules for repeated headers. */
interface HeaderLines {
  _addHeaderLines(headers: string[], count: number): void;
}

/**
 * A real http.IncomingMessage for the SDK's request, so that frameworks (Express swaps its prototype),
 * body parsers and cookie parsers see what Node's server would give them: method, url (the raw target),
 * headers and rawHeaders, version, the socket's addresses. The body is pulled from `bodyStream()` only as
 * the application reads it, so a paused request pauses the client's upload.
 */
export function createIncomingMessage(
  request: HandlerRequest,
  socket: RequestSocket,
  context: NodeAppContext,
): NodeAppRequest {
  const req = new IncomingMessage(socket as unknown as Socket);
  req.method = request.method;
  req.url = request.rawUrl;
  const [major, minor] = request.httpVersion.split('.').map(Number);
  req.httpVersion = request.httpVersion;
  req.httpVersionMajor = major ?? 1;
  req.httpVersionMinor = minor ?? 1;
  const raw = rawHeaders(request);
  (req as unknown as HeaderLines)._addHeaderLines(raw, raw.length);
  // An upgrade is never carried (the handler refuses WebSocket ones; others are served as plain requests).
  (req as IncomingMessage & { upgrade: boolean }).upgrade = false;
  Object.defineProperty(req, 'w3pool', { value: context, enumerable: false });
  attachBody(req, request);
  return req as NodeAppRequest;
}

/**
 * The headers as the client sent them, names in their case, repeats kept: IIS's ALL_RAW server variable
 * (`Name: value` lines). Without it, the SDK's joined headers.
 */
export function rawHeaders(request: HandlerRequest): string[] {
  const allRaw = request.serverVariable('ALL_RAW');
  if (allRaw === undefined) return [...request.headers].flat();
  const raw: string[] = [];
  for (const line of allRaw.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) raw.push(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return raw;
}

/** A request without Content-Length or Transfer-Encoding has no body (RFC 9112 §6.3). */
function hasBody(request: HandlerRequest): boolean {
  return request.contentLength > 0 || (request.contentLength < 0 && request.headers.has('transfer-encoding'));
}

function attachBody(req: IncomingMessage, request: HandlerRequest): void {
  if (!hasBody(request)) {
    // As Node's parser does for a bodiless request: complete at once, 'end' on the first read.
    req.complete = true;
    req.push(null);
    return;
  }
  let body: AsyncIterator<Uint8Array> | undefined;
  let pulling = false;
  const pull = () => {
    if (pulling || req.destroyed) return;
    pulling = true;
    body ??= request.bodyStream()[Symbol.asyncIterator]();
    body.next().then(
      (next) => {
        pulling = false;
        if (req.destroyed) return;
        if (next.done) {
          req.complete = true;
          req.push(null);
        } else if (req.push(Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength))) {
          pull();
        }
      },
      (error: unknown) => {
        pulling = false;
        req.destroy(error instanceof Error ? error : new Error(String(error)));
      },
    );
  };
  // An own property, so it survives Express replacing the request's prototype.
  req._read = (size: number) => {
    IncomingMessage.prototype._read.call(req, size);
    pull();
  };
}
