import { W3poolError } from '@w3pool/protocol';
import type { WasHttp } from '../was-http.js';

/**
 * Request bodies are JSON or nothing. Fastify also parses text/plain by default, the one type a browser
 * sends cross-site without a preflight; without that parser such a body gets 415 before any route runs.
 */
export function acceptJsonBodiesOnly(http: WasHttp): void {
  http.removeContentTypeParser('text/plain');
}

interface FastifyClientError {
  statusCode?: number;
  code?: string;
  validation?: unknown;
  message: string;
}

/**
 * What fastify refuses before a route runs (body parsing, size, media type, schema validation), as the
 * catalogue's 400/413/415. Without this the admin API's error handler saw an unknown error and answered
 * 500 WAS_INTERNAL for a malformed, empty, oversized or text/plain body. Undefined for anything else.
 */
export function clientErrorOf(error: unknown): W3poolError | undefined {
  if (error instanceof W3poolError || typeof error !== 'object' || error === null) return undefined;
  const { statusCode, validation, message } = error as FastifyClientError;
  if (validation) return new W3poolError('WAS_BODY_INVALID', message);
  if (statusCode === 413) return new W3poolError('WAS_BODY_TOO_LARGE', message);
  if (statusCode === 415) return new W3poolError('WAS_MEDIA_TYPE_UNSUPPORTED', message);
  if (statusCode === 400) return new W3poolError('WAS_BODY_INVALID', message);
  return undefined;
}
