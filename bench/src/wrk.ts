import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

const run = promisify(execFile);

/** One wrk run (one thread, as in shared/reference/perf-baseline.md) against loopback. */
export async function wrk(
  url: string,
  options: { connections: number; seconds: number },
): Promise<LoadResult> {
  const { stdout } = await run(
    'wrk',
    ['-t1', `-c${options.connections}`, `-d${options.seconds}s`, '--latency', url],
    {
      timeout: (options.seconds + 30) * 1000,
    },
  );
  const number = (re: RegExp) => Number(re.exec(stdout)?.[1] ?? Number.NaN);
  const latency = (pct: string) => {
    const m = new RegExp(`^\\s+${pct}%\\s+([\\d.]+)(us|ms|s)`, 'm').exec(stdout);
    if (!m) return Number.NaN;
    const value = Number(m[1]);
    return m[2] === 'us' ? value / 1000 : m[2] === 's' ? value * 1000 : value;
  };
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  return {
    requestsPerSecond: number(/Requests\/sec:\s+([\d.]+)/),
    p50Ms: latency('50'),
    p99Ms: latency('99'),
    non2xx: number(/Non-2xx or 3xx responses: (\d+)/) || 0,
    errors: socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
  };
}
