import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { parseStat } from './cpu-sampler.js';

export interface WrkResult {
  /** Requests wrk completed (any status). */
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  non2xx: number;
  socketErrors: number;
  /** wrk's own CPU (user + system) in clock ticks. */
  cpuTicks: number;
}

const run = promisify(execFile);
const STAT_MARK = '--- wrk-shell-stat';

// wrk runs under a shell that prints its own /proc stat once wrk has exited: the shell's cutime/cstime are
// then exactly wrk's CPU, which /proc/<wrk pid> could not tell us after the exit.
const SHELL = `wrk "$@"; status=$?; echo; echo '${STAT_MARK}'; cat /proc/$$/stat; exit $status`;

/**
 * One wrk run (one thread, as in shared/reference/perf-baseline.md) against loopback. `script` is a wrk Lua
 * script (e.g. one that makes every request a POST with a body, see postScript()).
 */
export async function runWrk(
  url: string,
  connections: number,
  seconds: number,
  script?: string,
): Promise<WrkResult> {
  const scripted = script === undefined ? [] : ['-s', script];
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', ...scripted, url];
  const { stdout } = await run('sh', ['-c', SHELL, 'sh', ...args], { timeout: (seconds + 30) * 1000 });
  const [report = '', stat = ''] = stdout.split(STAT_MARK);
  const result = parseWrk(report);
  const shell = parseStat(stat.trim());
  return { ...result, cpuTicks: shell ? shell.childTicks : Number.NaN };
}

/** The figures of wrk's `--latency` report. */
export function parseWrk(stdout: string): Omit<WrkResult, 'cpuTicks'> {
  const number = (re: RegExp) => Number(re.exec(stdout)?.[1] ?? Number.NaN);
  const toMs = (value: string | undefined, unit: string | undefined) =>
    value === undefined ? Number.NaN : Number(value) * (unit === 'us' ? 0.001 : unit === 's' ? 1000 : 1);
  const latency = (pct: string) => {
    const m = new RegExp(`^\\s+${pct}%\\s+([\\d.]+)(us|ms|s)`, 'm').exec(stdout);
    return toMs(m?.[1], m?.[2]);
  };
  // "    Latency   1.05ms  377.11us  12.18ms   87.50%": average, deviation, max. The max shows stalls the
  // percentiles hide.
  const max = /^\s+Latency\s+\S+\s+\S+\s+([\d.]+)(us|ms|s)/m.exec(stdout);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  const requests = number(/^\s*(\d+) requests in /m);
  if (!Number.isFinite(requests)) throw new Error(`unexpected wrk output:\n${stdout}`);
  return {
    requests,
    requestsPerSecond: number(/Requests\/sec:\s+([\d.]+)/),
    p50Ms: latency('50'),
    p99Ms: latency('99'),
    maxMs: toMs(max?.[1], max?.[2]),
    non2xx: number(/Non-2xx or 3xx responses: (\d+)/) || 0,
    socketErrors: socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
  };
}

/** wrk's version line; `wrk --version` prints it and exits 1. Undefined when wrk is not installed. */
export async function wrkVersion(): Promise<string | undefined> {
  try {
    const { stdout } = await run('wrk', ['--version']);
    return firstLine(stdout);
  } catch (error) {
    const failed = error as NodeJS.ErrnoException & { stdout?: string };
    if (failed.code === 'ENOENT') return undefined;
    return firstLine(failed.stdout ?? '');
  }
}

function firstLine(text: string): string {
  // "wrk debian/4.1.0-3+b2 [epoll] Copyright (C) 2012 Will Glozer"
  return (text.split('\n')[0] ?? '').replace(/\s+Copyright.*$/, '').trim();
}

/** A wrk Lua script that makes every request a POST of `bytes` bytes (the upload cases). */
export function postScript(bytes: number): string {
  return [
    'wrk.method = "POST"',
    `wrk.body = string.rep("u", ${bytes})`,
    'wrk.headers["Content-Type"] = "application/octet-stream"',
    '',
  ].join('\n');
}
