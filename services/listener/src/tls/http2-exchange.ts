import { Http2ServerRequest, Http2ServerResponse, type OutgoingHttpHeaders } from 'node:http2';
import { HOP_BY_HOP } from '@w3pool/protocol';

/**
 * The HTTP/2 request as the listener's request path reads it, which was written for HTTP/1.1's
 * IncomingMessage: HTTP/2 has no Host header but an `:authority`, which routing and the worker read as Host.
 */
export class ListenerHttp2Request extends Http2ServerRequest {
  constructor(...args: ConstructorParameters<typeof Http2ServerRequest>) {
    super(...args);
    const headers = this.headers;
    const authority = headers[':authority'];
    if (headers.host === undefined && typeof authority === 'string') headers.host = authority;
  }
}

/**
 * The HTTP/2 response as the listener writes it, with the parts of ServerResponse it relies on. HTTP/2
 * forbids connection-specific header fields (RFC 9113 §8.2.2): `Connection: close`, which the listener adds
 * to an answer that must end the connection under HTTP/1.1, only ends the stream here, which it does anyway.
 */
export class ListenerHttp2Response extends Http2ServerResponse {
  override setHeader(name: string, value: number | string | readonly string[]): void {
    if (!HOP_BY_HOP.has(name.toLowerCase())) super.setHeader(name, value);
  }

  override writeHead(
    statusCode: number,
    statusMessageOrHeaders?: string | OutgoingHttpHeaders | readonly string[],
    maybeHeaders?: OutgoingHttpHeaders | readonly string[],
  ): this {
    // HTTP/2 has no reason phrase: one given is dropped, as Node's compatibility layer does.
    const headers = typeof statusMessageOrHeaders === 'string' ? maybeHeaders : statusMessageOrHeaders;
    return super.writeHead(statusCode, withoutHopByHop(headers) as OutgoingHttpHeaders);
  }
}

function withoutHopByHop(
  headers: OutgoingHttpHeaders | readonly string[] | undefined,
): OutgoingHttpHeaders | string[] | undefined {
  if (headers === undefined) return undefined;
  if (Array.isArray(headers)) {
    const flat = headers as readonly string[];
    const kept: string[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      if (!HOP_BY_HOP.has(flat[i]!.toLowerCase())) kept.push(flat[i]!, flat[i + 1]!);
    }
    return kept;
  }
  const kept: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!HOP_BY_HOP.has(name.toLowerCase())) kept[name] = value;
  }
  return kept;
}

// ServerResponse.destroyed (the client is gone) has no counterpart in Node's HTTP/2 compatibility layer,
// though its typings declare one: the stream's is the same fact.
Object.defineProperty(ListenerHttp2Response.prototype, 'destroyed', {
  get(this: ListenerHttp2Response) {
    return this.stream.destroyed;
  },
});
