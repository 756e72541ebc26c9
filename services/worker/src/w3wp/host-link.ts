import type { HostToWorker, RequestInFlight, WorkerToHost } from '../ipc-messages.js';

/** How often the worker tells its host what it runs. */
const STATS_MS = 1000;

/**
 * This worker process's side of the IPC channel to its pool host: it answers pings from the main event
 * loop (so a blocked loop fails to answer, which is the point), reports the requests it runs once a second
 * (never per request), and passes on the host's stop command. Without a host every report is a no-op.
 */
export class HostLink {
  private stopHandler: (() => void) | undefined;
  private readonly inFlight = new Map<string, RequestInFlight>();
  private served = 0;
  private reporting: NodeJS.Timeout | undefined;
  private healthy: () => Promise<void> = () => Promise.resolve();

  constructor() {
    process.on('message', (message: HostToWorker) => {
      if (message.type === 'ping') {
        void this.healthy().then(() => this.send({ type: 'pong', seq: message.seq }));
      } else if (message.type === 'stop') this.stopHandler?.();
    });
  }

  /**
   * Answer pings only once this check passes: the application domains' threads must answer too, so a
   * handler that blocks its domain's event loop fails the host's ping like one that blocks the process.
   */
  answerPingsAfter(check: () => Promise<void>): void {
    this.healthy = check;
  }

  get attached(): boolean {
    return typeof process.send === 'function';
  }

  onStop(handler: () => void): void {
    this.stopHandler = handler;
  }

  /** The host went away (it crashed or was killed): this worker must not outlive it. */
  onHostGone(handler: () => void): void {
    process.on('disconnect', handler);
  }

  ready(queueWorkerId: string): void {
    this.send({ type: 'ready', queueWorkerId });
    this.reporting = setInterval(() => this.report(), STATS_MS);
    this.reporting.unref();
  }

  begin(request: RequestInFlight): void {
    this.inFlight.set(request.id, request);
  }

  end(id: string): void {
    if (this.inFlight.delete(id)) this.served += 1;
  }

  /** Report now (also on stop, so the host's last record is current). */
  report(): void {
    this.send({ type: 'stats', served: this.served, inFlight: [...this.inFlight.values()] });
  }

  unhealthy(reason: string): void {
    this.send({ type: 'unhealthy', reason });
  }

  private send(message: WorkerToHost): void {
    if (process.connected) process.send?.(message);
  }
}
