import { timeSpanToMs, type WebServer } from '@w3pool/config';
import type { HandlerResponse, RequestContext } from '@w3pool/extension-sdk';
import type { ContentCoding } from './accept-encoding.js';
import { zlibLevel } from './body-compressor.js';
import { FrequentHits } from './frequent-hits.js';
import { compileMimeRules, isCompressible, type CompiledMimeRules } from './mime-types.js';

export type CompressionKind = 'static' | 'dynamic';

/** urlCompression and httpCompression as one module applies them, compiled once per application. */
export interface CompressionPolicy {
  readonly kind: CompressionKind;
  /** The schemes this kind may use, in the server's order of preference. */
  readonly schemes: readonly ContentCoding[];
  /** zlib level (gzip) or brotli quality, by scheme. */
  readonly levels: ReadonlyMap<ContentCoding, number>;
  readonly types: CompiledMimeRules;
  readonly minSize: number;
  readonly noHttp10: boolean;
  readonly noProxies: boolean;
  readonly noRange: boolean;
  /** sendCacheHeaders: the Cache-Control and Expires compressed responses carry. */
  readonly cacheHeaders: { cacheControl: string; expires: string } | undefined;
  /** dynamicCompressionBeforeCache false: a compressed dynamic response stays out of the listener's cache. */
  readonly keepOutOfCache: boolean;
  /** Static files only: compressed once frequently hit (serverRuntime frequentHitThreshold). */
  readonly frequentHits: FrequentHits | undefined;
}

/** The policy of one kind for an application, or undefined when that kind is switched off. */
export function compressionPolicy(
  webServer: WebServer,
  kind: CompressionKind,
): CompressionPolicy | undefined {
  const { urlCompression, httpCompression, serverRuntime } = webServer;
  const on = kind === 'static' ? urlCompression.doStaticCompression : urlCompression.doDynamicCompression;
  const schemes = httpCompression.schemes.filter((s) =>
    kind === 'static' ? s.doStaticCompression : s.doDynamicCompression,
  );
  if (!on || schemes.length === 0) return undefined;
  return {
    kind,
    schemes: schemes.map((s) => s.name),
    levels: new Map(
      schemes.map((s) => [
        s.name,
        zlibLevel(s.name, kind === 'static' ? s.staticCompressionLevel : s.dynamicCompressionLevel),
      ]),
    ),
    types: compileMimeRules(kind === 'static' ? httpCompression.staticTypes : httpCompression.dynamicTypes),
    minSize: httpCompression.minFileSizeForComp,
    noHttp10: httpCompression.noCompressionForHttp10,
    noProxies: httpCompression.noCompressionForProxies,
    noRange: httpCompression.noCompressionForRange,
    cacheHeaders: httpCompression.sendCacheHeaders
      ? { cacheControl: httpCompression.cacheControlHeader, expires: httpCompression.expiresHeader }
      : undefined,
    keepOutOfCache: kind === 'dynamic' && !urlCompression.dynamicCompressionBeforeCache,
    frequentHits:
      kind === 'static'
        ? new FrequentHits(
            serverRuntime.frequentHitThreshold,
            timeSpanToMs(serverRuntime.frequentHitTimePeriod),
          )
        : undefined,
  };
}

/**
 * A file the StaticFile handler (StaticFileModule) serves: the mapping names the module and the response
 * carries the file's Last-Modified (a directory listing or a courtesy redirect does not; IIS counts those as
 * dynamic content).
 */
export function isStaticFile(context: RequestContext): boolean {
  return (
    context.mapping?.modules?.includes('StaticFileModule') === true &&
    context.response.getHeader('last-modified') !== undefined
  );
}

/**
 * What makes a response unfit to compress, whoever asked: no body worth it (1xx, 204, 304), a part of a
 * representation (206), a coding already applied, `Cache-Control: no-transform`, or a type not listed.
 */
export function compressibleResponse(response: HandlerResponse, policy: CompressionPolicy): boolean {
  const status = response.statusCode;
  if (status < 200 || status === 204 || status === 206 || status === 304) return false;
  if (response.getHeader('content-encoding') !== undefined) return false;
  if (/\bno-transform\b/i.test(headerText(response.getHeader('cache-control')))) return false;
  return isCompressible(headerText(response.getHeader('content-type')), policy.types);
}

export function headerText(value: string | string[] | undefined): string {
  return value === undefined ? '' : typeof value === 'string' ? value : value.join(', ');
}
