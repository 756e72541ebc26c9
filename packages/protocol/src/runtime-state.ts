// What an administrator (appcmd stop apppool / stop site) or rapid-fail protection did to a pool or site,
// kept in Redis so that every listener answers for it the same way.

/**
 * `Disabled`: an administrator stopped it. `RapidFail`: rapid-fail protection stopped it (listeners answer
 * 503 with HTTPERR reason `AppOffline`, as http.sys does). `AppOffline` is accepted as a synonym.
 */
export type StopReason = 'Disabled' | 'RapidFail' | 'AppOffline';

export interface RuntimeState {
  state: 'Started' | 'Stopped';
  /** Why it is stopped; the HTTPERR s-reason of the 503 it causes. */
  reason?: StopReason;
  /** Epoch ms of the change. */
  since: number;
}

export function parseRuntimeState(json: string): RuntimeState | undefined {
  try {
    const value = JSON.parse(json) as Partial<RuntimeState>;
    if (value.state !== 'Started' && value.state !== 'Stopped') return undefined;
    return {
      state: value.state,
      reason:
        value.reason === 'AppOffline' || value.reason === 'RapidFail'
          ? value.reason
          : value.state === 'Stopped'
            ? 'Disabled'
            : undefined,
      since: typeof value.since === 'number' ? value.since : 0,
    };
  } catch {
    return undefined;
  }
}

/** Cache invalidation notice: the response for this URL of this site is stale. */
export interface CacheInvalidation {
  siteId: number;
  path: string;
  /** Drop every URL under `path` (an application going offline), not just that one. */
  prefix?: boolean;
}

/** What a pool host asks of WAS: rapid-fail protection tripped, so the pool must be stopped. */
export interface PoolFailureNotice {
  kind: 'rapid-fail';
  pool: string;
  /** The failures that tripped it, oldest first. */
  failures: { at: number; pid: number; reason: string }[];
}

/** What WAS (or an administrator) asks of the pool hosts of one pool. */
export interface HostCommand {
  kind: 'recycle';
  reason: 'OnDemand';
}
