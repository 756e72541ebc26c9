import { errorCatalogue, statusLabel, type ErrorCode } from './error-catalogue.js';

// The body of a server-generated error, in the spirit of IIS's error pages: the status with its
// substatus ("HTTP Error 404.3 - Not Found"), what happened, and the catalogue code to search the docs for.
// Detail from the request is escaped, so an error page can never reflect markup back.

/** Escape text for HTML content and attribute values. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function renderErrorPage(code: ErrorCode, detail?: string): string {
  const def = errorCatalogue[code];
  const heading = `HTTP Error ${statusLabel(code)} - ${def.title}`;
  const extra = detail ? `<p>${escapeHtml(detail)}</p>` : '';
  return (
    `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${escapeHtml(heading)}</title></head>` +
    `<body><h1>${escapeHtml(heading)}</h1><p>${escapeHtml(def.message)}</p>${extra}` +
    `<p>Error code: <code>${code}</code></p></body></html>\n`
  );
}
