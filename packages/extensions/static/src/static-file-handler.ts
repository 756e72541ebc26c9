import { open, stat } from 'node:fs/promises';
import etag from 'etag';
import fresh from 'fresh';
import parseRange from 'range-parser';
import {
  HttpError,
  type ExtensionContext,
  type Handler,
  type HandlerRequest,
  type HandlerResponse,
} from '@w3pool/extension-sdk';
import { cacheControlHeader } from './client-cache.js';
import { findDefaultDocument } from './default-document.js';
import { renderDirectoryListing } from './directory-listing.js';
import { createMimeLookup } from './mime-lookup.js';

/**
 * IIS's StaticFile mapping (StaticFileModule, DefaultDocumentModule, DirectoryListingModule): serves files
 * whose extension is in the MIME map, default documents for directories, and the conditional and range
 * requests browsers and download managers send.
 */
export function createStaticFileHandler(context: ExtensionContext): Handler {
  const { staticContent, defaultDocument, directoryBrowse } = context.webServer;
  const mimeType = createMimeLookup(staticContent.mimeMap);
  const cacheControl = cacheControlHeader(staticContent.clientCache);

  return async (request, response, signal) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('allow', 'GET, HEAD');
      throw new HttpError('EXT_STATIC_METHOD_NOT_ALLOWED', `${request.method} ${request.path}`);
    }
    let file = request.physicalPath;
    let info = await stat(file).catch(() => undefined);
    if (!info) throw new HttpError('WORKER_NOT_FOUND', request.path);

    if (info.isDirectory()) {
      if (!request.path.endsWith('/')) {
        // IIS's courtesy redirect: relative links in the default document resolve against the directory.
        const [path = '', query] = request.rawUrl.split('?', 2);
        response.status(301).setHeader('location', `${path}/${query === undefined ? '' : `?${query}`}`);
        await response.end();
        return;
      }
      const document = defaultDocument.enabled
        ? await findDefaultDocument(file, defaultDocument.files)
        : undefined;
      if (!document) {
        if (!directoryBrowse.enabled)
          throw new HttpError('EXT_STATIC_DIRECTORY_LISTING_DENIED', request.path);
        const html = await renderDirectoryListing(file, request.path);
        response.status(200).setHeader('content-type', 'text/html; charset=utf-8');
        await response.end(request.method === 'HEAD' ? undefined : html);
        return;
      }
      file = document;
      info = await stat(file);
    }
    if (!info.isFile()) throw new HttpError('WORKER_NOT_FOUND', request.path);

    const type = mimeType(file);
    if (!type) throw new HttpError('EXT_STATIC_MIME_MAP_MISSING', request.path);

    const lastModified = info.mtime.toUTCString();
    const tag = staticContent.clientCache.setEtag ? etag(info) : undefined;
    response
      .setHeader('content-type', type)
      .setHeader('last-modified', lastModified)
      .setHeader('accept-ranges', 'bytes');
    if (tag) response.setHeader('etag', tag);
    if (cacheControl) response.setHeader('cache-control', cacheControl);

    if (preconditionFailed(request, tag, info.mtime))
      throw new HttpError('EXT_STATIC_PRECONDITION_FAILED', request.path);
    if (fresh(headerObject(request), { etag: tag, 'last-modified': lastModified })) {
      await response.status(304).end();
      return;
    }

    let start = 0;
    let end = info.size - 1;
    const range = request.headers.get('range');
    if (range && info.size > 0 && ifRangeMatches(request, tag, lastModified)) {
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
    // A whole file may be kept by the listener's response cache until the file changes (CacheUntilChange).
    if (response.getHeader('content-range') === undefined) response.setKernelCache({ dependsOnFile: file });
    if (request.method === 'HEAD' || length === 0) {
      await response.end();
      return;
    }
    await sendSlice(file, start, length, response, signal);
  };
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
