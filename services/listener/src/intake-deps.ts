import type { Logger } from 'pino';
import type { ThrottledLog } from '@w3pool/runtime';
import type { ControlOutbox } from './control-outbox.js';
import type { Bandwidth } from './limits/bandwidth.js';
import type { MinRateMonitor } from './limits/min-rate-monitor.js';
import type { ListenerStats } from './listener-stats.js';
import type { PendingRequests } from './pending-requests.js';
import type { PoolQueues } from './pool-queues.js';
import type { IntakeState } from './pre-queue-checks.js';
import type { Rejections } from './rejections.js';
import type { ReplyRouter } from './reply-router.js';
import type { ResponseCache } from './response-cache.js';
import type { W3cLogs } from './w3c-log.js';

/** What the listener's request path works with, built once by the composition root (app.ts). */
export interface IntakeDeps {
  state: () => IntakeState;
  queues: PoolQueues;
  replies: ReplyRouter;
  pending: PendingRequests;
  cache: ResponseCache;
  w3c: W3cLogs;
  rejections: Rejections;
  control: ControlOutbox;
  stats: ListenerStats;
  listenerId: string;
  log: Logger;
  /** For warnings a single event can cause a thousand times a second (QueueFull, QueueUnreachable). */
  warnings: ThrottledLog;
  shuttingDown: () => boolean;
  /** maxBandwidth and maxGlobalBandwidth, applied where response bodies are written. */
  bandwidth: Bandwidth;
  /** minBytesPerSecond: told when the body pump reads, so a slow sender is held to the rate only then. */
  minRate: MinRateMonitor;
}
