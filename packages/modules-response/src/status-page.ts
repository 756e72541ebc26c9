import { escapeHtml } from '@w3pool/protocol';

/**
 * The built-in page for an error status that has no catalogue code (a handler's own 404, replaced under
 * existingResponse Replace when no page is configured), in the style of the worker's.
 */
export function statusPage(status: number, substatus: number): string {
  const heading = `HTTP Error ${status}.${substatus}`;
  return (
    `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${escapeHtml(heading)}</title></head>` +
    `<body><h1>${escapeHtml(heading)}</h1></body></html>\n`
  );
}
