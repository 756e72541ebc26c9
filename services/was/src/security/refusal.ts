import type { FastifyReply } from 'fastify';
import { W3poolError, type ErrorCode } from '@w3pool/protocol';

/**
 * Answers a request the guards refuse, in the admin API's error shape ({ code, message }), from the hook
 * itself: the route never runs, so nothing changes.
 */
export function refuse(
  reply: FastifyReply,
  code: ErrorCode,
  detail?: string,
  headers: Record<string, string> = {},
): FastifyReply {
  const error = new W3poolError(code, detail);
  return reply.code(error.status).headers(headers).send({ code, message: error.message });
}
