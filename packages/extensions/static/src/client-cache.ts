import type { WebServer } from '@w3pool/extension-sdk';

/** Cache-Control for staticContent/clientCache, in IIS's modes. NoControl sends nothing. */
export function cacheControlHeader(
  clientCache: WebServer['staticContent']['clientCache'],
): string | undefined {
  const custom = clientCache.cacheControlCustom ? `, ${clientCache.cacheControlCustom}` : '';
  switch (clientCache.cacheControlMode) {
    case 'NoControl':
      return clientCache.cacheControlCustom || undefined;
    case 'DisableCache':
      return `no-cache${custom}`;
    case 'UseMaxAge':
      return `max-age=${Math.floor(timeSpanSeconds(clientCache.cacheControlMaxAge))}${custom}`;
    case 'UseExpires':
      // IIS sends an Expires date here; w3pool uses max-age, which every HTTP/1.1 cache honours.
      return `max-age=${Math.floor(timeSpanSeconds(clientCache.cacheControlMaxAge))}${custom}`;
  }
}

// The SDK hands extensions the config as IIS writes it; this is the one timespan they need.
function timeSpanSeconds(value: string): number {
  const match = /^(?:(\d+)\.)?(\d+):(\d+):(\d+)/.exec(value);
  if (!match) return 0;
  const [, d = '0', h = '0', m = '0', s = '0'] = match;
  return ((Number(d) * 24 + Number(h)) * 60 + Number(m)) * 60 + Number(s);
}
