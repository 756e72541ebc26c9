import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import type { ExtensionLogger, HandlerResponse, RequestContext } from '@w3pool/extension-sdk';
import { escapeHtml, renderErrorPage, type W3poolError } from '@w3pool/protocol';
import type { ErrorPage } from './error-page-selection.js';
import { languageFile } from './language-file.js';
import { ERROR_PAGE } from './response-items.js';

/** Headers a handler set for the body it meant to send; an error page replaces that body. */
const BODY_HEADERS = [
  'content-type',
  'content-length',
  'content-encoding',
  'etag',
  'last-modified',
  'accept-ranges',
  'cache-control',
];

export function clearBodyHeaders(response: HandlerResponse): void {
  for (const name of BODY_HEADERS) response.removeHeader(name);
}

/** IIS's body for a redirect, for clients that do not follow it. */
export function redirectBody(location: string): string {
  return `<head><title>Document Moved</title></head>\n<body><h1>Object Moved</h1>This document may be found <a HREF="${escapeHtml(location)}">here</a></body>`;
}

/** Request headers an ExecuteURL page's child request goes without (an empty value is no header). */
const UNCONDITIONAL: Readonly<Record<string, string>> = {
  range: '',
  'if-range': '',
  'if-match': '',
  'if-none-match': '',
  'if-modified-since': '',
  'if-unmodified-since': '',
};

/** Validators of the page's own file: the error response is not that file, and must not be revalidated. */
export const PAGE_VALIDATORS = ['etag', 'last-modified', 'accept-ranges'];

/** The status an ExecuteURL page's response must keep: its child request would answer 200 otherwise. */
export const executingPages = new WeakMap<HandlerResponse, { status: number; substatus: number }>();

/**
 * Answers an error with a configured page, in the Error notification (before anything was sent): File
 * (the file's content, with the error's status), ExecuteURL (the URL run through the pipeline as a child
 * request, keeping the status) or Redirect (302 to the path). Each returns false when the page could not
 * be produced, and the built-in page answers instead: an error page never loops.
 */
export class ErrorPages {
  private readonly mimeTypes: ReadonlyMap<string, string>;

  constructor(
    mimeMap: readonly { fileExtension: string; mimeType: string }[],
    private readonly log: ExtensionLogger,
  ) {
    this.mimeTypes = new Map(mimeMap.map((m) => [m.fileExtension.toLowerCase(), m.mimeType]));
  }

  async answer(context: RequestContext, page: ErrorPage): Promise<boolean> {
    const { response } = context;
    switch (page.responseMode) {
      case 'File': {
        const file = await this.read(context, page);
        if (!file) return false;
        clearBodyHeaders(response);
        response.setHeader('content-type', file.type);
        context.items.set(ERROR_PAGE, true);
        await response.end(context.request.method === 'HEAD' ? undefined : file.bytes);
        return true;
      }
      case 'Redirect':
        clearBodyHeaders(response);
        context.items.set(ERROR_PAGE, true);
        await response.redirect(page.path, 302);
        return true;
      case 'ExecuteURL':
        return this.execute(context, page.path);
    }
  }

  /** The page's bytes and type, or undefined (logged) when the file cannot be read. */
  async read(context: RequestContext, page: ErrorPage): Promise<{ bytes: Buffer; type: string } | undefined> {
    const file = page.prefixLanguageFilePath
      ? await languageFile(
          page.prefixLanguageFilePath,
          page.path,
          context.request.headers.get('accept-language'),
        )
      : page.path;
    try {
      const bytes = await readFile(file);
      return { bytes, type: this.mimeTypes.get(extname(file).toLowerCase()) ?? 'text/html' };
    } catch (error) {
      this.log.warn('custom error page cannot be read; the built-in page answers', {
        code: 'EXT_CUSTOM_ERROR_PAGE_UNAVAILABLE',
        file,
        error: (error as Error).message,
      });
      return undefined;
    }
  }

  private async execute(context: RequestContext, url: string): Promise<boolean> {
    const { request, response } = context;
    const status = { status: response.statusCode, substatus: response.substatus };
    clearBodyHeaders(response);
    executingPages.set(response, status);
    try {
      // The page is fetched whole, whatever the request's verb (a static error page would refuse a POST
      // with 405) and whatever it made conditional: a 304 or 206 of the page would go out as the error.
      await response.executeUrl(url, {
        method: request.method === 'HEAD' ? 'HEAD' : 'GET',
        headers: UNCONDITIONAL,
        disableCustomError: true,
      });
    } catch (error) {
      this.log.warn('custom error URL cannot be executed; the built-in page answers', {
        code: 'EXT_CUSTOM_ERROR_PAGE_UNAVAILABLE',
        url,
        error: (error as Error).message,
      });
    } finally {
      executingPages.delete(response);
    }
    if (response.ended) return true;
    response.status(status.status, status.substatus);
    return false;
  }
}

/** The built-in page of a failure, with or without its detail, for when the pipeline would choose otherwise. */
export async function answerBuiltIn(
  context: RequestContext,
  error: W3poolError,
  detail: boolean,
): Promise<void> {
  const { response } = context;
  clearBodyHeaders(response);
  response.setHeader('content-type', 'text/html; charset=utf-8');
  context.items.set(ERROR_PAGE, true);
  await response.end(renderErrorPage(error.code, detail ? error.detail : undefined));
}
