import type { RuntimeState } from '@w3pool/protocol';
import type { RuntimeControl } from '../runtime-control.js';
import { pollUntil } from './poll-until.js';

/** Every listener re-reads the states on the change notice: it should have applied it well within this. */
export const STATE_DEADLINE_MS = 5_000;

export interface StateAnswer extends RuntimeState {
  /** Live listeners that acknowledged the change (their presence hash's statesSince reached it). */
  listeners: number;
  acknowledgedMs: number;
}

/**
 * appcmd start|stop apppool / site, answered once every live listener reports (statesSince in its
 * presence hash, written as soon as it re-read the states) that it applies the change: from then on each
 * one answers 503 Disabled for a stopped pool or site, so the answer means "stopped", not "sent".
 */
export async function acknowledgedState(
  control: RuntimeControl,
  set: () => Promise<RuntimeState>,
  deadlineMs = STATE_DEADLINE_MS,
): Promise<StateAnswer> {
  const state = await set();
  const listeners = await pollUntil(
    async () => {
      const live = await control.listeners();
      const behind = live.filter((l) => !(Number(l.statesSince ?? 0) >= state.since));
      return behind.length === 0 ? live.length : undefined;
    },
    deadlineMs,
    'not every listener acknowledged the state change',
  );
  return { ...state, listeners, acknowledgedMs: Date.now() - state.since };
}
