import { Type, type Static } from '@sinclair/typebox';
import { messageCodec } from './message-codec.js';

// What an administrator (appcmd stop apppool / stop site) or rapid-fail protection did to a pool or site,
// kept in Redis so that every listener answers for it the same way.

/**
 * `Disabled`: an administrator stopped it. `RapidFail`: rapid-fail protection stopped it (listeners answer
 * 503 with HTTPERR reason `AppOffline`, as http.sys does). `AppOffline` is accepted as a synonym.
 */
const StopReasonSchema = Type.Union([
  Type.Literal('Disabled'),
  Type.Literal('RapidFail'),
  Type.Literal('AppOffline'),
]);
export type StopReason = Static<typeof StopReasonSchema>;

const RuntimeStateSchema = Type.Object({
  state: Type.Union([Type.Literal('Started'), Type.Literal('Stopped')]),
  /** Why it is stopped; the HTTPERR s-reason of the 503 it causes. */
  reason: Type.Optional(StopReasonSchema),
  /** Epoch ms of the change. */
  since: Type.Number(),
});
export type RuntimeState = Static<typeof RuntimeStateSchema>;

/** A value of the pool or site state hash (POOL_STATE_KEY / SITE_STATE_KEY). */
export const runtimeStateCodec = messageCodec('runtime state', RuntimeStateSchema);

/** The state a value records, or undefined when it is not one; a stopped state always has its reason. */
export function parseRuntimeState(json: string): RuntimeState | undefined {
  try {
    const value = runtimeStateCodec.decode(json);
    return value.state === 'Stopped' ? { ...value, reason: value.reason ?? 'Disabled' } : value;
  } catch {
    return undefined;
  }
}

const CacheInvalidationSchema = Type.Object({
  siteId: Type.Integer(),
  path: Type.String(),
  /** Drop every URL under `path` (an application going offline), not just that one. */
  prefix: Type.Optional(Type.Boolean()),
});
/** Cache invalidation notice (CACHE_INVALIDATION_CHANNEL): the response for this URL of this site is stale. */
export type CacheInvalidation = Static<typeof CacheInvalidationSchema>;
export const cacheInvalidationCodec = messageCodec('cache invalidation', CacheInvalidationSchema);

const PoolFailureNoticeSchema = Type.Object({
  kind: Type.Literal('rapid-fail'),
  pool: Type.String(),
  /** The failures that tripped it, oldest first. */
  failures: Type.Array(Type.Object({ at: Type.Number(), pid: Type.Number(), reason: Type.String() })),
});
/** What a pool host asks of WAS (WAS_INBOX_CHANNEL): rapid-fail protection tripped, so stop the pool. */
export type PoolFailureNotice = Static<typeof PoolFailureNoticeSchema>;
export const poolFailureNoticeCodec = messageCodec('pool failure notice', PoolFailureNoticeSchema);

const HostCommandSchema = Type.Object({
  kind: Type.Literal('recycle'),
  reason: Type.Literal('OnDemand'),
});
/** What WAS (or an administrator) asks of the pool hosts of one pool (hostCommandChannel). */
export type HostCommand = Static<typeof HostCommandSchema>;
export const hostCommandCodec = messageCodec('host command', HostCommandSchema);
