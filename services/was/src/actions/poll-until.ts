import { setTimeout as delay } from 'node:timers/promises';
import { W3poolError } from '@w3pool/protocol';

/** How often an action re-reads what the pool hosts and listeners reported. */
const POLL_MS = 100;

/**
 * Read `check` until it answers, or fail with 504 WAS_ACTION_TIMEOUT at the deadline: the action was sent,
 * but what it should cause was not reported in time (a pool host or listener that is down or stuck).
 */
export async function pollUntil<T>(
  check: () => Promise<T | undefined>,
  deadlineMs: number,
  what: string,
): Promise<T> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const answer = await check();
    if (answer !== undefined) return answer;
    if (Date.now() >= until) throw new W3poolError('WAS_ACTION_TIMEOUT', `${what} (after ${deadlineMs} ms)`);
    await delay(POLL_MS);
  }
}
