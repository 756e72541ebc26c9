import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { EVENTS_STREAM } from '@w3pool/protocol';

/** As the pool hosts' event log (services/worker/src/host/event-log.ts): about this many entries kept. */
const MAX_EVENTS = 10_000;

/**
 * A new configuration version, in the event log beside recycles and crashes (kind `ConfigChange`; IIS
 * logs configuration changes that recycle a pool as WAS event 5080): what an administrator watching
 * /api/events/stream wants to see next to the recycles it causes. Best effort: the publish has happened
 * whether or not the event is written.
 */
export function recordConfigChange(
  redis: Redis,
  change: { version: number; epoch: number; origin: string },
  log: Logger,
): void {
  const fields = ['at', String(Date.now()), 'kind', 'ConfigChange', 'version', String(change.version)];
  fields.push('epoch', String(change.epoch), 'origin', change.origin);
  redis
    .xadd(EVENTS_STREAM, 'MAXLEN', '~', MAX_EVENTS, '*', ...fields)
    .catch((error: unknown) => log.warn({ err: error }, 'configuration change not recorded as an event'));
}
