import type { Logger } from 'pino';
import {
  hostToWorkerCodec,
  type HostToWorker,
  type RequestInFlight,
  type WorkerToHost,
} from '@w3pool/protocol';

/** How often the worker tells its host what it runs. */
const STATS_MS = 1000;

/** What the worker process runs, summed over its application domains. */
export interface WorkerStats {
  served: number;
  inFlight: RequestInFlight[];
}

/**
 * This worker process's side of the IPC channel to its pool host: it answers pings from the main event
 * loop (so a blocked loop fails to answer, which is the point), reports the requests it runs once a second
 * (never per request), and passes on the host's stop command. Without a host every report is a no-op.
 */
export class HostLink {
  private stopHandler: (() => void) | undefined;
  private reporting: NodeJS.Timeout | undefined;
  private healthy: () => Promise<void> = () => Promise.resolve();
  private stats: () => WorkerStats = () => ({ served: 0, inFlight: [] });

  /** Started by a pool host, with an IPC channel (it stays a function after the channel closes). */
  private readonly forked = typeof process.send === 'function';

  constructor(private readonly log: Logger) {
    process.on('message', (message: unknown) => this.receive(message));
  }

  /** A message from the host, as IPC delivered it: checked before it is believed. */
  receive(raw: unknown): void {
    let message: HostToWorker;
    try {
      message = hostToWorkerCodec.check(raw);
    } catch (error) {
      this.log.warn({ err: error }, 'ignored a malformed message from the pool host');
      return;
    }
    switch (message.type) {
      case 'ping':
        void this.healthy().then(() => this.send({ type: 'pong', seq: message.seq }));
        return;
      case 'stop':
        this.stopHandler?.();
        return;
    }
  }

  /**
   * Answer pings only once this check passes: the application domains' threads must answer too, so a
   * handler that blocks its domain's event loop fails the host's ping like one that blocks the process.
   */
  answerPingsAfter(check: () => Promise<void>): void {
    this.healthy = check;
  }

  /** Where the once-a-second report comes from. */
  reportFrom(stats: () => WorkerStats): void {
    this.stats = stats;
  }

  onStop(handler: () => void): void {
    this.stopHandler = handler;
  }

  /**
   * The host went away (it crashed or was killed): this worker must not outlive it. A host can die before
   * this process has loaded enough to listen; its channel is then already closed, and the handler runs now.
   */
  onHostGone(handler: () => void): void {
    process.on('disconnect', handler);
    if (this.forked && !process.connected) setImmediate(handler);
  }

  /** Every application domain takes requests: startupTimeLimit is met. */
  ready(workerId: string): void {
    this.send({ type: 'ready', workerId });
    this.reporting = setInterval(() => this.report(), STATS_MS);
    this.reporting.unref();
  }

  /** Report now (also on stop, so the host's last record is current). */
  report(): void {
    const { served, inFlight } = this.stats();
    this.send({ type: 'stats', served, inFlight });
  }

  unhealthy(reason: string): void {
    this.send({ type: 'unhealthy', reason });
  }

  private send(message: WorkerToHost): void {
    if (process.connected) process.send?.(message);
  }
}
