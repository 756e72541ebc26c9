import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { HttpError, type ExtensionContext, type Handler } from '@w3pool/extension-sdk';
import { cacheControlHeader } from './client-cache.js';
import { findDefaultDocument } from './default-document.js';
import { renderDirectoryListing } from './directory-listing.js';
import { sendFile } from './file-sender.js';
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
    const file = request.physicalPath;
    const info = await stat(file).catch(() => undefined);
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
      // IIS's DefaultDocumentModule runs the document's URL through the pipeline, so its own handler mapping
      // serves it: index.php goes to PHP, index.html back here.
      const query = request.query ? `?${request.query}` : '';
      await response.executeUrl(`${request.path}${encodeURIComponent(basename(document))}${query}`);
      return;
    }
    if (!info.isFile()) throw new HttpError('WORKER_NOT_FOUND', request.path);

    const type = mimeType(file);
    if (!type) throw new HttpError('EXT_STATIC_MIME_MAP_MISSING', request.path);
    // A whole file may be kept by the listener's response cache until the file changes (CacheUntilChange).
    await sendFile(request, response, signal, {
      file,
      info,
      contentType: type,
      setEtag: staticContent.clientCache.setEtag,
      cacheControl,
      kernelCache: true,
    });
  };
}
