import type { BackgroundJob, BackgroundJobs } from '@w3pool/extension-sdk';

/**
 * An entry module may export `backgroundProcessors`: job name → async (job) => result. Each is declared to
 * the application's background jobs while it loads, so the jobs it queues (`req.w3pool.backgroundJobs.add`)
 * run on every worker of the pool. A malformed declaration fails the start, as a missing job handler should
 * be found at boot rather than when its first job runs. Returns the names declared.
 */
export function registerBackgroundProcessors(
  namespace: Readonly<Record<string, unknown>>,
  jobs: BackgroundJobs,
): string[] {
  const main = namespace.default as { backgroundProcessors?: unknown } | null | undefined;
  const declared =
    namespace.backgroundProcessors ??
    (typeof main === 'object' || typeof main === 'function' ? main?.backgroundProcessors : undefined);
  if (declared === undefined) return [];
  if (typeof declared !== 'object' || declared === null) {
    throw new Error('backgroundProcessors must be an object: job name → async (job) => result');
  }
  const names: string[] = [];
  for (const [name, processor] of Object.entries(declared)) {
    if (typeof processor !== 'function') throw new Error(`backgroundProcessors.${name} is not a function`);
    const run = processor as (job: BackgroundJob) => unknown;
    jobs.process(name, async (job) => await run(job));
    names.push(name);
  }
  return names;
}
