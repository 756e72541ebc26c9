import type { IncomingMessage, ServerResponse } from 'node:http';
import fresh from 'fresh';
import type { ThrottledWriter } from './limits/throttled-writer.js';
import type { CachedResponse } from './response-cache.js';

/**
 * Answer from the response cache (http.sys's kernel cache hit): no Redis, no worker. `paced` writes the
 * body at the site's bandwidth limit, when it has one.
 */
export function serveCached(
  request: IncomingMessage,
  response: ServerResponse,
  hit: CachedResponse,
  paced?: ThrottledWriter,
): void {
  const h = request.headers;
  const conditional = h['if-none-match'] !== undefined || h['if-modified-since'] !== undefined;
  if (conditional && fresh(h, { etag: hit.headers.etag, 'last-modified': hit.headers['last-modified'] })) {
    response.statusCode = 304;
    for (const [name, value] of Object.entries(hit.headers)) {
      if (name !== 'content-length') response.setHeader(name, value);
    }
    response.setHeader('x-w3pool-worker', hit.worker);
    response.end();
    return;
  }
  // The header block was made when the response was kept: one writeHead, then the body.
  response.writeHead(hit.status, hit.lines);
  const body = request.method === 'HEAD' ? undefined : hit.body;
  if (paced) paced.end(body);
  else response.end(body);
}
