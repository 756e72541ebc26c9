import { timeSpanToMs, type WebServer } from '@w3pool/extension-sdk';

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
      return `max-age=${Math.floor(timeSpanToMs(clientCache.cacheControlMaxAge) / 1000)}${custom}`;
    case 'UseExpires':
      // IIS sends an Expires date here; w3pool uses max-age, which every HTTP/1.1 cache honours.
      return `max-age=${Math.floor(timeSpanToMs(clientCache.cacheControlMaxAge) / 1000)}${custom}`;
  }
}
