import type { BackgroundJobOptions } from '@w3pool/extension-sdk';
import { W3poolError } from '@w3pool/protocol';
import type { JobsOptions } from 'bullmq';

/**
 * How long finished jobs stay readable (the admin API lists failures; a completed job's id answers an
 * idempotent add): BullMQ keeps them for ever unless told, and a busy application would fill Redis.
 */
export const KEEP_COMPLETED = { age: 24 * 3600, count: 1000 } as const;
export const KEEP_FAILED = { age: 7 * 24 * 3600, count: 10_000 } as const;

/** What `add` does in BullMQ: queue one job, or upsert a job scheduler that makes one per period. */
export type JobPlan =
  | { kind: 'job'; opts: JobsOptions }
  | {
      kind: 'schedule';
      /** The scheduler's id: the job id given, else the job name (one schedule per name). */
      id: string;
      repeat: { every: number } | { pattern: string };
      opts: Pick<JobsOptions, 'attempts' | 'backoff' | 'removeOnComplete' | 'removeOnFail'>;
    };

/**
 * Check an application's job name and options and translate them to BullMQ's. A mistake here is the
 * application's, so it is refused at once (WORKER_JOB_INVALID, which fails its request with 500) rather
 * than queued to fail later on another worker.
 */
export function planJob(name: unknown, options: BackgroundJobOptions | undefined): JobPlan {
  if (typeof name !== 'string' || name === '') invalid('the job name must be a non-empty string');
  const o: BackgroundJobOptions = options ?? {};
  const common = {
    ...(o.attempts !== undefined ? { attempts: attempts(o.attempts) } : {}),
    ...(o.backoff !== undefined ? { backoff: backoff(o.backoff) } : {}),
    removeOnComplete: KEEP_COMPLETED,
    removeOnFail: KEEP_FAILED,
  };
  if (o.jobId !== undefined) jobId(o.jobId);
  if (o.repeat !== undefined) {
    if (o.delay !== undefined) invalid('a repeating job takes no delay: its schedule says when it runs');
    return { kind: 'schedule', id: o.jobId ?? name, repeat: repeat(o.repeat), opts: common };
  }
  return {
    kind: 'job',
    opts: {
      ...common,
      ...(o.delay !== undefined ? { delay: milliseconds(o.delay, 'delay') } : {}),
      ...(o.jobId !== undefined ? { jobId: o.jobId } : {}),
    },
  };
}

function attempts(value: unknown): number {
  if (!Number.isInteger(value) || (value as number) < 1) invalid('attempts must be an integer of at least 1');
  return value as number;
}

function backoff(value: BackgroundJobOptions['backoff']): JobsOptions['backoff'] {
  if (typeof value === 'number') return { type: 'fixed', delay: milliseconds(value, 'backoff') };
  if (typeof value !== 'object' || value === null) invalid('backoff must be ms or { type, delay }');
  if (value.type !== 'fixed' && value.type !== 'exponential')
    invalid('backoff.type must be "fixed" or "exponential"');
  return { type: value.type, delay: milliseconds(value.delay, 'backoff.delay') };
}

function repeat(value: NonNullable<BackgroundJobOptions['repeat']>): { every: number } | { pattern: string } {
  const { every, pattern } = value;
  if ((every === undefined) === (pattern === undefined))
    invalid('repeat takes exactly one of every (ms) or pattern (cron)');
  if (pattern !== undefined) {
    if (typeof pattern !== 'string' || pattern.trim() === '')
      invalid('repeat.pattern must be a cron pattern');
    return { pattern };
  }
  const ms = milliseconds(every, 'repeat.every');
  if (ms < 1) invalid('repeat.every must be at least 1 ms');
  return { every: ms };
}

function jobId(value: unknown): void {
  // BullMQ numbers its own jobs 1, 2, 3...: an id of digits could name one of them. `:` separates its keys.
  if (typeof value !== 'string' || value === '' || /^\d+$/.test(value) || value.includes(':'))
    invalid('jobId must be a non-empty string, not only digits, without ":"');
}

function milliseconds(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    invalid(`${what} must be a number of milliseconds, 0 or more`);
  return Math.round(value);
}

function invalid(detail: string): never {
  throw new W3poolError('WORKER_JOB_INVALID', detail);
}
