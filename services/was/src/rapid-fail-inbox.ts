import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { WAS_INBOX_CHANNEL, poolFailureNoticeCodec } from '@w3pool/protocol';
import type { RuntimeControl } from './runtime-control.js';

/** Rapid-fail protection trips in a pool host; WAS records the pool as stopped, for every listener. */
export async function followRapidFailInbox(
  inbox: Redis,
  control: RuntimeControl,
  log: Logger,
): Promise<void> {
  await inbox.subscribe(WAS_INBOX_CHANNEL);
  inbox.on('message', (_channel: string, message: string) => {
    let notice;
    try {
      notice = poolFailureNoticeCodec.decode(message);
    } catch (error) {
      log.warn({ err: error }, 'ignored a malformed message in the WAS inbox');
      return;
    }
    log.error({ pool: notice.pool, failures: notice.failures }, 'rapid-fail protection stopped the pool');
    control
      .setPool(notice.pool, 'Stopped', 'RapidFail')
      .catch((error: unknown) => log.error({ err: error, pool: notice.pool }, 'pool state not recorded'));
  });
}
