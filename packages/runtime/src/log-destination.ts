import { pino, type Logger } from 'pino';
import { isMainThread } from 'node:worker_threads';
import sonicBoom from 'sonic-boom';

// A CommonJS module whose class is its module.exports; its types describe it as a named export.
const { SonicBoom } = sonicBoom;

export interface LogDestinationLimits {
  /** How long writing may wait, all told, for a pipe whose reader does not read. */
  stallLimitMs: number;
  /** What is kept in memory for that reader meanwhile; lines beyond it are dropped and counted. */
  backlogBytes: number;
}

/** How often a backlog is tried again while nothing new is logged. */
const RETRY_MS = 100;
/** The last wait for a stalled reader when the process exits. */
const EXIT_FLUSH_MS = 1000;

export const DEFAULT_LOG_LIMITS: LogDestinationLimits = {
  stallLimitMs: 2_000,
  backlogBytes: 8 * 1024 * 1024,
};

/**
 * A service's stdout, written synchronously (its last lines survive a crash or process.exit) but never
 * waited on for ever.
 *
 * pino's own synchronous destination retries a write that found the pipe full (EAGAIN) by sleeping in
 * Atomics.wait, for as long as it takes: a process whose log reader stopped reading (a supervisor that
 * hangs, a pipe inherited from a host that died while something still holds its other end) froze in that
 * loop for good, its timers and its stop deadline with it. Here a stall may last `stallLimitMs`; then
 * lines wait in memory, up to `backlogBytes`, for the reader to read again, and beyond that are dropped.
 * Once the reader reads again, the count of dropped lines is reported through `onRecovered`.
 */
export class LogDestination {
  private readonly boom: InstanceType<typeof SonicBoom>;
  private stalledSince: number | undefined;
  private gaveUp = false;
  private dropped = 0;
  private gone = false;
  private retry: NodeJS.Timeout | undefined;
  /** While the process exits: the one last wait for the reader, bounded. */
  private exitDeadline: number | undefined;
  onRecovered: (dropped: number, stalledMs: number) => void = () => undefined;

  constructor(
    fd = 1,
    private readonly limits: LogDestinationLimits = DEFAULT_LOG_LIMITS,
  ) {
    // A pipe or socket handed down by a parent is in blocking mode, and a write to it that finds it full
    // waits in the kernel, out of reach of any limit. Node switches stdout to non-blocking when it opens
    // process.stdout on it (libuv's uv_pipe_open); the mode belongs to the shared file description, so a
    // domain thread's writes to fd 1 are non-blocking too once its main thread has done this.
    if (fd === 1 && isMainThread) void process.stdout;
    this.boom = new SonicBoom({
      fd,
      sync: true,
      maxLength: limits.backlogBytes,
      retryEAGAIN: () => this.keepWaiting(),
    });
    // In sync mode sonic-boom emits 'drain' (on the next tick) once a write leaves nothing kept: the
    // stall is over then, not at the first partial write, and until then no write waits again.
    this.boom.on('drain', () => this.drained());
    this.boom.on('drop', () => (this.dropped += 1));
    // What is still kept when the process exits gets one last chance, of at most EXIT_FLUSH_MS: these are
    // often the lines that say why it exits.
    process.once('exit', () => this.flushOnExit());
    this.boom.on('error', (error: NodeJS.ErrnoException) => {
      // A full pipe after giving up: the lines stay in the backlog, and go with the next write or the next
      // retry, whichever comes first (a quiet service must not hold its last lines until it logs again).
      if (error.code === 'EAGAIN' || error.code === 'EBUSY') return this.retryLater();
      // EPIPE and the like: nobody will ever read this pipe again.
      this.gone = true;
    });
  }

  write(line: string): void {
    if (this.gone) return;
    this.boom.write(line);
  }

  private retryLater(): void {
    if (this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      // An empty write makes sonic-boom try to write what it holds.
      if (this.gaveUp && !this.gone) this.boom.write('');
    }, RETRY_MS);
    this.retry.unref();
  }

  private flushOnExit(): void {
    if (!this.gaveUp || this.gone) return;
    this.exitDeadline = Date.now() + EXIT_FLUSH_MS;
    try {
      this.boom.flushSync();
    } catch {
      // The reader did not read in time: what is left is lost with the process.
    }
  }

  private keepWaiting(): boolean {
    if (this.exitDeadline !== undefined) return Date.now() < this.exitDeadline;
    if (this.gaveUp) return false;
    const now = Date.now();
    this.stalledSince ??= now;
    if (now - this.stalledSince < this.limits.stallLimitMs) return true;
    this.gaveUp = true;
    return false;
  }

  private drained(): void {
    const since = this.stalledSince ?? Date.now();
    this.stalledSince = undefined;
    if (!this.gaveUp) return;
    this.gaveUp = false;
    const dropped = this.dropped;
    this.dropped = 0;
    // The backlog is empty now, so the report itself is never dropped.
    this.onRecovered(dropped, Date.now() - since);
  }
}

/** The pino logger of a service (or a w3wp's domain thread) on stdout, through a LogDestination. */
export function serviceLogger(
  base: Record<string, unknown>,
  limits: LogDestinationLimits = DEFAULT_LOG_LIMITS,
): Logger {
  const destination = new LogDestination(1, limits);
  const log = pino({ base }, destination);
  destination.onRecovered = (dropped, stalledMs) =>
    log.warn({ dropped, stalledMs }, 'the log reader stalled: lines beyond the backlog were dropped');
  return log;
}
