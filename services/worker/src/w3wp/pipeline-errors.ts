import { stat } from 'node:fs/promises';
import { escapeHtml, renderErrorPage, W3poolError } from '@w3pool/protocol';
import type { StreamingResponse } from './streaming-response.js';

/** Headers a handler set for the body it meant to send; an error page replaces that body. */
const BODY_HEADERS = [
  'content-type',
  'content-length',
  'etag',
  'last-modified',
  'accept-ranges',
  'cache-control',
];

/**
 * The built-in error page for a failure nobody answered. Headers a handler set for the error (Allow,
 * Content-Range) survive; those of the body it meant to send do not. Detail can name internal paths: like
 * IIS's DetailedLocalOnly, remote clients get the summary only.
 */
export async function answerFailure(
  response: StreamingResponse,
  failure: W3poolError,
  localClient: boolean,
): Promise<void> {
  for (const name of BODY_HEADERS) response.removeHeader(name);
  response.setHeader('content-type', 'text/html; charset=utf-8');
  response.kernelCache = undefined;
  await response.end(renderErrorPage(failure.code, localClient ? failure.detail : undefined));
}

/** A page for a status a handler chose itself (HSE_REQ_SEND_CUSTOM_ERROR), in the style of IIS's. */
export function renderStatusPage(status: number, substatus: number): string {
  const heading = `HTTP Error ${status}.${substatus}`;
  return (
    `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${escapeHtml(heading)}</title></head>` +
    `<body><h1>${escapeHtml(heading)}</h1></body></html>\n`
  );
}

/** resourceType: File, Directory or Either must exist on disk as such, else 404.0. */
export async function checkResourceType(
  resourceType: string,
  physicalPath: string,
  urlPath: string,
): Promise<void> {
  const info = await stat(physicalPath).catch(() => undefined);
  const ok =
    (resourceType === 'File' && info?.isFile()) ||
    (resourceType === 'Directory' && info?.isDirectory()) ||
    (resourceType === 'Either' && info !== undefined);
  if (!ok) throw new W3poolError('WORKER_NOT_FOUND', urlPath);
}

export function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}
