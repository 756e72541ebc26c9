import type { Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import etag from 'etag';
import fresh from 'fresh';
import parseRange from 'range-parser';
import { HttpError, type HandlerRequest, type HandlerResponse } from '@w3pool/extension-sdk';

export interface FileToSend {
  file: string;
  info: Stats;
  contentType: string;
  setEtag: boolean;
  cacheControl: string | undefined;
  /** Let the listener's response cache keep the whole file until it changes. */
  kernelCache: boolean;
  /** Send these bytes only (TransmitFile's offset and length); the request's Range is then ignored. */
  slice?: { offset: number; length: number };
}

/**
 * Send one file as the response, with what browsers and download managers rely on: Last-Modified and ETag,
 * conditional requests (304, 412), one byte range (206, 416), HEAD. The static file handler and
 * TransmitFile (HSE_REQ_TRANSMIT_FILE) both send through it.
 */
export async function sendFile(
  request: HandlerRequest,
  response: HandlerResponse,
  signal: AbortSignal,
  file: FileToSend,
): Promise<void> {
  const { info } = file;
  const lastModified = info.mtime.toUTCString();
  const tag = file.setEtag ? etag(info) : undefined;
  response
    .setHeader('content-type', file.contentType)
    .setHeader('last-modified', lastModified)
    .setHeader('accept-ranges', 'bytes');
  if (tag) response.setHeader('etag', tag);
  if (file.cacheControl) response.setHeader('cache-control', file.cacheControl);

  if (preconditionFailed(request, tag, info.mtime))
    throw new HttpError('EXT_STATIC_PRECONDITION_FAILED', request.path);
  if (fresh(headerObject(request), { etag: tag, 'last-modified': lastModified })) {
    await response.status(304).end();
    return;
  }

  let start = 0;
  let end = info.size - 1;
  const range = request.headers.get('range');
  if (file.slice) {
    start = Math.min(file.slice.offset, info.size);
    end = Math.min(info.size, start + file.slice.length) - 1;
  } else if (range && info.size > 0 && ifRangeMatches(request, tag, lastModified)) {
    const ranges = parseRange(info.size, range, { combine: true });
    if (ranges === -1) {
      response.setHeader('content-range', `bytes */${info.size}`);
      throw new HttpError('EXT_STATIC_RANGE_NOT_SATISFIABLE', range);
    }
    // A malformed header (-2) or several ranges: RFC 9110 lets a server ignore Range and send it all.
    if (ranges !== -2 && ranges.type === 'bytes' && ranges.length === 1 && ranges[0]) {
      start = ranges[0].start;
      end = ranges[0].end;
      response.status(206).setHeader('content-range', `bytes ${start}-${end}/${info.size}`);
    }
  }
  const length = Math.max(0, end - start + 1);
  response.setHeader('content-length', length);
  if (file.kernelCache && response.getHeader('content-range') === undefined)
    response.setKernelCache({ dependsOnFile: file.file });
  if (request.method === 'HEAD' || length === 0) {
    await response.end();
    return;
  }
  await sendSlice(file.file, start, length, response, signal);
}

const READ_CHUNK = 64 * 1024;

/** Stream a byte range of a file, a chunk at a time, as fast as the client takes it. */
async function sendSlice(
  file: string,
  start: number,
  length: number,
  response: HandlerResponse,
  signal: AbortSignal,
): Promise<void> {
  const handle = await open(file, 'r');
  try {
    let offset = 0;
    while (offset < length && !signal.aborted) {
      const buffer = Buffer.allocUnsafe(Math.min(READ_CHUNK, length - offset));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, start + offset);
      // The file shrank under us: the promised Content-Length cannot be met, so the response is cut off.
      if (bytesRead === 0) throw new Error(`${file} shrank while it was being sent`);
      offset += bytesRead;
      const chunk = buffer.subarray(0, bytesRead);
      if (offset >= length) await response.end(chunk);
      else await response.write(chunk);
    }
  } finally {
    await handle.close();
  }
}

function headerObject(request: HandlerRequest): Record<string, string> {
  return Object.fromEntries(request.headers);
}

function preconditionFailed(request: HandlerRequest, tag: string | undefined, mtime: Date): boolean {
  const ifMatch = request.headers.get('if-match');
  if (ifMatch && ifMatch.trim() !== '*') {
    const tags = ifMatch.split(',').map((t) => t.trim());
    if (!tag || tag.startsWith('W/') || !tags.includes(tag)) return true;
  }
  const ifUnmodifiedSince = request.headers.get('if-unmodified-since');
  if (ifUnmodifiedSince && !ifMatch) {
    const since = Date.parse(ifUnmodifiedSince);
    if (!Number.isNaN(since) && Math.floor(mtime.getTime() / 1000) * 1000 > since) return true;
  }
  return false;
}

function ifRangeMatches(request: HandlerRequest, tag: string | undefined, lastModified: string): boolean {
  const ifRange = request.headers.get('if-range');
  if (!ifRange) return true;
  return ifRange.startsWith('"') || ifRange.startsWith('W/') ? ifRange === tag : ifRange === lastModified;
}
