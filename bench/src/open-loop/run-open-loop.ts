import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseStat } from '../cpu-sampler.js';
import type { OpenLoopOptions, OpenLoopResult } from './open-loop-client.js';

export type OpenLoopProcessResult = OpenLoopResult & {
  /** The generator process's own CPU (user + system) in clock ticks. */
  cpuTicks: number;
};

export interface OpenLoopProcessOptions extends OpenLoopOptions {
  /** The built CLI; default main.js beside this file. Tests running the TypeScript sources pass dist's. */
  script?: string;
}

const run = promisify(execFile);
const STAT_MARK = '--- open-loop-shell-stat';
const DEFAULT_TIMEOUT_MS = 10_000;

// As for wrk (wrk.ts): the generator runs under a shell that prints its own /proc stat once the child has
// exited, when the shell's cutime/cstime are exactly the child's CPU.
const SHELL = `"$@"; status=$?; echo; echo '${STAT_MARK}'; cat /proc/$$/stat; exit $status`;

/** One open-loop run in a process of its own (bench/dist/open-loop/main.js), with its CPU. */
export async function runOpenLoopProcess(options: OpenLoopProcessOptions): Promise<OpenLoopProcessResult> {
  const script = options.script ?? fileURLToPath(new URL('./main.js', import.meta.url));
  const args = [process.execPath, script, ...cliArgs(options)];
  const seconds =
    options.durationSeconds +
    (options.warmupSeconds ?? 0) +
    (options.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000 +
    30;
  const { stdout } = await run('sh', ['-c', SHELL, 'sh', ...args], {
    timeout: seconds * 1000,
    maxBuffer: 16 * 1024 * 1024,
  });
  const [report = '', stat = ''] = stdout.split(STAT_MARK);
  const line = report.split('\n').find((text) => text.startsWith('{'));
  if (line === undefined) throw new Error(`no JSON result from the open-loop generator:\n${stdout}`);
  const result = JSON.parse(line) as OpenLoopResult;
  const shell = parseStat(stat.trim());
  return { ...result, cpuTicks: shell ? shell.childTicks : Number.NaN };
}

/** The CLI's arguments for these options (main.ts parses them back). */
export function cliArgs(options: OpenLoopOptions): string[] {
  const args = [
    '--url',
    options.url,
    '--rate',
    String(options.rate),
    '--duration',
    String(options.durationSeconds),
  ];
  if (options.connections !== undefined) args.push('--connections', String(options.connections));
  if (options.timeoutMs !== undefined) args.push('--timeout', String(options.timeoutMs));
  if (options.method !== undefined) args.push('--method', options.method);
  if (options.body !== undefined) args.push('--body-bytes', String(options.body.length));
  if (options.warmupSeconds !== undefined) args.push('--warmup', String(options.warmupSeconds));
  return args;
}
