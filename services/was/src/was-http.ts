import Fastify from 'fastify';
import type { Logger } from 'pino';
import { DEFAULT_BODY_LIMIT } from './security/security-settings.js';

// The admin token travels in Authorization; a cookie is never used, but would be as secret.
const REDACTED = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
];

/**
 * WAS's HTTP surface (health and the admin API), logging through WAS's logger with credentials redacted,
 * and refusing bodies over `bodyLimit` with 413 (docs/admin-security.md).
 */
export const createHttp = (log: Logger, bodyLimit = DEFAULT_BODY_LIMIT) =>
  Fastify({
    loggerInstance: log.child({ component: 'http' }, { redact: { paths: REDACTED, censor: '[redacted]' } }),
    bodyLimit,
  });
export type WasHttp = ReturnType<typeof createHttp>;
