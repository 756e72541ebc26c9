import type { IncomingMessage, ServerResponse } from 'node:http';
import fresh from 'fresh';
import type { CachedResponse } from './response-cache.js';

/** Answer from the response cache (http.sys's kernel cache hit): no Redis, no worker. */
export function serveCached(request: IncomingMessage, response: ServerResponse, hit: CachedResponse): void {
  response.statusCode = hit.status;
  for (const [name, value] of Object.entries(hit.headers)) response.setHeader(name, value);
  response.setHeader('x-w3pool-worker', hit.worker);
  if (fresh(request.headers, { etag: hit.headers.etag, 'last-modified': hit.headers['last-modified'] })) {
    response.statusCode = 304;
    response.removeHeader('content-length');
    response.end();
    return;
  }
  response.setHeader('content-length', hit.body.length);
  response.end(request.method === 'HEAD' ? undefined : hit.body);
}
