/**
 * Hop-by-hop headers belong to one connection (RFC 9110 §7.6.1). The listener owns the client's connection,
 * not the worker, so a worker's (or a cached response's) are never passed on; a CGI script's neither.
 */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'proxy-connection',
  'te',
  'trailer',
]);
