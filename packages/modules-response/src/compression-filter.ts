import type { RequestContext, ResponseFilter } from '@w3pool/extension-sdk';
import { W3poolError } from '@w3pool/protocol';
import type { ContentCoding } from './accept-encoding.js';
import { compressWhole, StreamCompressor } from './body-compressor.js';
import { compressibleResponse, headerText, type CompressionPolicy } from './compression-policy.js';
import { BODY_REPLACED } from './response-items.js';

/**
 * The body filter of one response the client accepts compressed. It decides at its first chunk, when every
 * SendResponse subscriber has had its say (a custom error page may have replaced the body; the size may now
 * be known), and from then on either compresses every chunk or passes every chunk through.
 */
export class CompressionFilter {
  private decision: 'undecided' | 'identity' | 'compress' = 'undecided';
  private compressor: StreamCompressor | undefined;
  private sizeHint: number | undefined;

  constructor(
    private readonly context: RequestContext,
    private readonly policy: CompressionPolicy,
    private readonly coding: ContentCoding,
    /** false: a static file not yet frequently hit, sent as it is. */
    private readonly frequent: boolean,
  ) {}

  readonly filter: ResponseFilter = (chunk, end) => {
    if (this.decision === 'undecided') this.decision = this.decide(chunk, end);
    return this.decision === 'identity' ? chunk : this.compress(chunk, end);
  };

  private decide(first: Uint8Array, end: boolean): 'identity' | 'compress' {
    const { response, items } = this.context;
    if (response.headersSent || items.has(BODY_REPLACED) || !compressibleResponse(response, this.policy))
      return 'identity';
    // The whole body is here when the first chunk is the last; otherwise the handler may have declared it.
    const declared = Number(headerText(response.getHeader('content-length')) || NaN);
    const size = end ? first.byteLength : Number.isNaN(declared) ? undefined : declared;
    if (size !== undefined && size < this.policy.minSize) return 'identity';
    if (!this.frequent) {
      // This client would get it compressed once the file is frequently hit: the listener must not keep
      // the plain copy for it meanwhile (its cache key carries the client's Accept-Encoding).
      response.setKernelCache({ maxAgeMs: 0 });
      return 'identity';
    }
    this.sizeHint = size;
    this.markCompressed();
    return 'compress';
  }

  /**
   * Content-Encoding and Vary; no Content-Length (the listener sets it when the whole body is in one go) and
   * no Accept-Ranges.
   */
  private markCompressed(): void {
    const { response } = this.context;
    // Ranges would count bytes of the plain file, which this response is not (ranged requests are sent plain).
    response
      .setHeader('content-encoding', this.coding)
      .removeHeader('content-length')
      .removeHeader('accept-ranges');
    const vary = headerText(response.getHeader('vary'));
    if (!/(^|,)\s*(accept-encoding|\*)\s*(,|$)/i.test(vary))
      response.setHeader('vary', vary ? `${vary}, Accept-Encoding` : 'Accept-Encoding');
    // The compressed bytes are another representation: a strong validator of the plain file would lie.
    const etag = response.getHeader('etag');
    if (typeof etag === 'string' && !etag.startsWith('W/')) response.setHeader('etag', `W/${etag}`);
    if (this.policy.cacheHeaders) {
      response
        .setHeader('cache-control', this.policy.cacheHeaders.cacheControl)
        .setHeader('expires', this.policy.cacheHeaders.expires);
    }
    if (this.policy.keepOutOfCache) response.setKernelCache({ maxAgeMs: 0 });
  }

  private async compress(chunk: Uint8Array, end: boolean): Promise<Uint8Array> {
    const level = this.policy.levels.get(this.coding) ?? 1;
    try {
      if (end && !this.compressor) return await compressWhole(this.coding, level, chunk);
      if (!this.compressor) {
        const compressor = new StreamCompressor(this.coding, level, this.sizeHint);
        this.compressor = compressor;
        this.context.signal.addEventListener('abort', () => compressor.destroy(), { once: true });
      }
      return await this.compressor.push(chunk, end);
    } catch (error) {
      throw new W3poolError('EXT_COMPRESSION_FAILED', (error as Error).message, { cause: error });
    }
  }
}
