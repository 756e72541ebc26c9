// Durable background work (beyond IIS): ASP.NET's QueueBackgroundWorkItem, but kept in Redis by BullMQ, so
// a crash or recycle never loses a job. Each application has its own queue; its processors run in its
// domain on every worker of the pool.

export interface BackgroundJobs {
  /** Queue a job for this application's processor of `name`. Resolves once Redis holds it. */
  add(name: string, data: unknown, options?: BackgroundJobOptions): Promise<{ id: string }>;
  /**
   * Declare the processor of the jobs called `name`. Call it while the extension loads; processing starts
   * once the application's domain is ready, on every worker of the pool.
   */
  process(name: string, processor: BackgroundProcessor, options?: { concurrency?: number }): void;
}

export type BackgroundProcessor = (job: BackgroundJob) => Promise<unknown>;

export interface BackgroundJob {
  readonly id: string;
  readonly name: string;
  readonly data: unknown;
  /** Attempts made before this one. */
  readonly attemptsMade: number;
}

export interface BackgroundJobOptions {
  /** Attempts in all, retries included (default 1). */
  attempts?: number;
  /** Wait before a retry: ms, or exponential from a base. */
  backoff?: number | { type: 'fixed' | 'exponential'; delay: number };
  /** Run no sooner than this many ms from now. */
  delay?: number;
  /** A schedule: every N ms, or a cron pattern. */
  repeat?: { every?: number; pattern?: string };
  /** A job id of your own: adding a job whose id exists does nothing (idempotent enqueue). */
  jobId?: string;
}
