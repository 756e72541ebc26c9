import { promisify } from 'node:util';
import {
  brotliCompress,
  constants,
  createBrotliCompress,
  createGzip,
  gzip,
  type BrotliCompress,
  type BrotliOptions,
  type Gzip,
  type ZlibOptions,
} from 'node:zlib';
import type { ContentCoding } from './accept-encoding.js';

const gzipWhole = promisify<Uint8Array, ZlibOptions, Buffer>(gzip);
const brotliWhole = promisify<Uint8Array, BrotliOptions, Buffer>(brotliCompress);

/**
 * IIS's compression level (0-10) as node:zlib's. gzip: zlib levels 1-9, IIS 0 → 1 (IIS level 0 still
 * compresses, cheaply; zlib 0 would only store) and 10 → 9. br: the brotli quality of the same number
 * (0-10; quality 11, brotli's slowest, is out of IIS's range).
 */
export function zlibLevel(coding: ContentCoding, iisLevel: number): number {
  const level = Math.max(0, Math.min(10, Math.round(iisLevel)));
  return coding === 'gzip' ? Math.min(9, Math.max(1, level)) : level;
}

function options(
  coding: ContentCoding,
  level: number,
  sizeHint: number | undefined,
): ZlibOptions & BrotliOptions {
  if (coding === 'gzip') return { level };
  const params: Record<number, number> = { [constants.BROTLI_PARAM_QUALITY]: level };
  if (sizeHint !== undefined) params[constants.BROTLI_PARAM_SIZE_HINT] = sizeHint;
  params[constants.BROTLI_PARAM_MODE] = constants.BROTLI_MODE_TEXT;
  return { params };
}

/** A whole body at once: the common case, a response that ends in its first flush. */
export function compressWhole(coding: ContentCoding, level: number, body: Uint8Array): Promise<Buffer> {
  const opts = options(coding, level, body.byteLength);
  return coding === 'gzip' ? gzipWhole(body, opts) : brotliWhole(body, opts);
}

/**
 * A streamed body: each chunk the response flushes is compressed and flushed at once (Z_SYNC_FLUSH,
 * BROTLI_OPERATION_FLUSH), so a response that streams still streams, at a small cost in ratio.
 */
export class StreamCompressor {
  private readonly stream: Gzip | BrotliCompress;
  private output: Buffer[] = [];
  private failure: Error | undefined;

  constructor(
    private readonly coding: ContentCoding,
    level: number,
    sizeHint: number | undefined,
  ) {
    const opts = options(coding, level, sizeHint);
    this.stream = coding === 'gzip' ? createGzip(opts) : createBrotliCompress(opts);
    this.stream.on('data', (chunk: Buffer) => this.output.push(chunk));
    this.stream.on('error', (error: Error) => (this.failure = error));
  }

  /** Compress one chunk (the last with `end`) and return everything the coder produced for it. */
  async push(chunk: Uint8Array, end: boolean): Promise<Buffer> {
    if (this.failure) throw this.failure;
    const stream = this.stream;
    await new Promise<void>((resolve, reject) => {
      const failed = (error: Error) => reject(error);
      stream.once('error', failed);
      const done = () => {
        stream.off('error', failed);
        resolve();
      };
      if (end) {
        stream.once('end', done);
        stream.end(chunk);
      } else {
        if (chunk.byteLength > 0) stream.write(chunk);
        stream.flush(
          this.coding === 'gzip' ? constants.Z_SYNC_FLUSH : constants.BROTLI_OPERATION_FLUSH,
          done,
        );
      }
    });
    const out = Buffer.concat(this.output);
    this.output = [];
    return out;
  }

  /** The response will not be finished (the client left): free the coder now rather than at collection. */
  destroy(): void {
    this.stream.destroy();
  }
}
