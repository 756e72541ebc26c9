import { readFile } from 'node:fs/promises';

/** Resident set size of a process in bytes, from /proc (Linux). */
export async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kb) * 1024;
}

/**
 * Sample a value every `intervalMs` while `work` runs and report the largest seen. Sampling observes; it
 * never decides when the work is done.
 */
export async function peakWhile<T>(
  sample: () => Promise<number>,
  work: Promise<T>,
  intervalMs = 100,
): Promise<{ result: T; peak: number }> {
  let peak = await sample();
  let running = true;
  const sampler = (async () => {
    while (running) {
      peak = Math.max(peak, await sample().catch(() => peak));
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  try {
    const result = await work;
    return { result, peak };
  } finally {
    running = false;
    await sampler;
  }
}
