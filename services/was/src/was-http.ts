import Fastify from 'fastify';
import type { Logger } from 'pino';

/** WAS's HTTP surface (health and the admin API), logging through WAS's logger. */
export const createHttp = (log: Logger) => Fastify({ loggerInstance: log.child({ component: 'http' }) });
export type WasHttp = ReturnType<typeof createHttp>;
