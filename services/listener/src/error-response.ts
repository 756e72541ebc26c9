import type { ServerResponse } from 'node:http';
import { errorCatalogue, renderErrorPage, type ErrorCode } from '@w3pool/protocol';

/** Answer with a catalogue error the listener produced itself (http.sys's own responses). */
export function sendError(
  response: ServerResponse,
  code: ErrorCode,
  options: { close?: boolean; headers?: Record<string, string> } = {},
): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const body = renderErrorPage(code);
  const def = errorCatalogue[code];
  response.statusCode = def.status;
  response.setHeader('content-type', 'text/html; charset=utf-8');
  response.setHeader('content-length', Buffer.byteLength(body));
  for (const [name, value] of Object.entries(options.headers ?? {})) response.setHeader(name, value);
  if (options.close) response.setHeader('connection', 'close');
  response.end(body);
}
