import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError, Option } from 'commander';

/** The case groups `--cases` selects from, in the order they run. */
export const CASE_NAMES = ['node', 'raw', 'w3pool', 'domains', 'cache'] as const;
export type CaseName = (typeof CASE_NAMES)[number];

export interface BenchOptions {
  seconds: number;
  runs: number;
  /** wrk seconds at each connection count before its measured runs. */
  warmupSeconds: number;
  connections: number[];
  cases: CaseName[];
  quick: boolean;
  /** applicationPools[].workerConcurrency; undefined keeps the configuration's default. */
  concurrency: number | undefined;
  write: string | undefined;
  /** Peer scenarios (1–9) to run after the hop cases; empty with `--scenarios none`. */
  scenarios: number[];
  /** Where BENCHMARKS.md, its charts and bench/results go: the repository, or bench/out for --quick. */
  out: string;
  /** How this run was started, for the generated page. */
  commandLine: string;
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

function connectionList(value: string): number[] {
  return value.split(',').map((part) => positiveInteger(part.trim()));
}

/** The repository's root, from bench/dist/options.js. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

function scenarioList(value: string): number[] {
  if (value.trim() === 'none') return [];
  const ids = value.split(',').map((part) => positiveInteger(part.trim()));
  for (const id of ids)
    if (id > 9)
      throw new InvalidArgumentError(`unknown scenario ${id}; scenarios: 1-9 (10 is pnpm bench:soak)`);
  return [...new Set(ids)].sort((a, b) => a - b);
}

function caseList(value: string): CaseName[] {
  if (value.trim() === 'none') return [];
  const names = value.split(',').map((part) => part.trim());
  for (const name of names) {
    if (!(CASE_NAMES as readonly string[]).includes(name))
      throw new InvalidArgumentError(`unknown case ${name}; cases: ${CASE_NAMES.join(',')}`);
  }
  // Always run in the canonical order, whatever order was asked for: baselines first.
  return CASE_NAMES.filter((name) => names.includes(name));
}

interface RawOptions {
  seconds?: number;
  runs?: number;
  connections?: number[];
  cases: CaseName[];
  quick?: boolean;
  concurrency?: number;
  write?: string;
  scenarios: number[];
  out?: string;
}

export function parseOptions(argv: string[]): BenchOptions {
  // `pnpm bench -- --write x` hands the script a literal `--`, which would end option parsing.
  const args = argv.slice(2).filter((arg, i) => !(i === 0 && arg === '--'));
  const raw = new Command('bench')
    .description(
      'Where the time goes on the request hop (node:http, a raw Redis hop, w3pool, application domains, the response cache), then w3pool against PM2, nginx and nginx → php-fpm in scenarios 1-9 (BENCHMARKS.md), in one run.',
    )
    .option('--seconds <n>', 'seconds per measured wrk run (default 10; 3 with --quick)', positiveInteger)
    .option(
      '--runs <n>',
      'measured runs per case and connection count (default 3; 1 with --quick)',
      positiveInteger,
    )
    .addOption(
      new Option(
        '--connections <list>',
        'wrk connection counts (default 16,64,256; 64 with --quick)',
      ).argParser(connectionList),
    )
    .addOption(
      new Option('--cases <list>', `hop cases to run, any of ${CASE_NAMES.join(',')}, or none`)
        .argParser(caseList)
        .default([...CASE_NAMES], CASE_NAMES.join(',')),
    )
    .option(
      '--quick',
      'a smoke test of the harness: every case and scenario once, 3 s at 64 connections, into bench/out',
    )
    .option(
      '--concurrency <n>',
      'w3pool workerConcurrency (default: the configuration default)',
      positiveInteger,
    )
    .addOption(
      new Option('--scenarios <list>', 'peer scenarios to run (1-9), or none')
        .argParser(scenarioList)
        .default([1, 2, 3, 4, 5, 6, 7, 8, 9], '1-9'),
    )
    .option(
      '--out <dir>',
      'where BENCHMARKS.md, its charts and bench/results go (default: the repository; bench/out with --quick)',
    )
    .option('--write <file>', 'also write the results as a markdown page (e.g. docs/performance.md)')
    .parse(args, { from: 'user' })
    .opts<RawOptions>();
  const quick = raw.quick === true;
  return {
    seconds: raw.seconds ?? (quick ? 3 : 10),
    runs: raw.runs ?? (quick ? 1 : 3),
    warmupSeconds: quick ? 1 : 3,
    // --quick is a smoke test of the harness: every case once, at one connection count.
    connections: raw.connections ?? (quick ? [64] : [16, 64, 256]),
    cases: raw.cases,
    quick,
    concurrency: raw.concurrency,
    write: raw.write,
    scenarios: raw.scenarios,
    out: resolve(raw.out ?? (quick ? join(REPO_ROOT, 'bench', 'out') : REPO_ROOT)),
    commandLine: ['node', 'bench/dist/bench.js', ...args].join(' '),
  };
}
