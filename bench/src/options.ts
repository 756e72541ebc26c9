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

function caseList(value: string): CaseName[] {
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
  connections: number[];
  cases: CaseName[];
  quick?: boolean;
  concurrency?: number;
  write?: string;
}

export function parseOptions(argv: string[]): BenchOptions {
  // `pnpm bench -- --write x` hands the script a literal `--`, which would end option parsing.
  const args = argv.slice(2).filter((arg, i) => !(i === 0 && arg === '--'));
  const raw = new Command('bench')
    .description(
      'Where the time goes on the request hop: node:http, a raw Redis hop, w3pool, how requests reach an application domain, and the response cache, in one run.',
    )
    .option('--seconds <n>', 'seconds per measured wrk run (default 10; 3 with --quick)', positiveInteger)
    .option(
      '--runs <n>',
      'measured runs per case and connection count (default 3; 1 with --quick)',
      positiveInteger,
    )
    .addOption(
      new Option('--connections <list>', 'wrk connection counts')
        .argParser(connectionList)
        .default([16, 64, 256], '16,64,256'),
    )
    .addOption(
      new Option('--cases <list>', `cases to run, any of ${CASE_NAMES.join(',')}`)
        .argParser(caseList)
        .default([...CASE_NAMES], CASE_NAMES.join(',')),
    )
    .option('--quick', 'a smoke test of the harness: 1 run of 3 s, short warm-ups')
    .option(
      '--concurrency <n>',
      'w3pool workerConcurrency (default: the configuration default)',
      positiveInteger,
    )
    .option('--write <file>', 'also write the results as a markdown page (e.g. docs/performance.md)')
    .parse(args, { from: 'user' })
    .opts<RawOptions>();
  const quick = raw.quick === true;
  return {
    seconds: raw.seconds ?? (quick ? 3 : 10),
    runs: raw.runs ?? (quick ? 1 : 3),
    warmupSeconds: quick ? 1 : 3,
    connections: raw.connections,
    cases: raw.cases,
    quick,
    concurrency: raw.concurrency,
    write: raw.write,
    commandLine: ['node', 'bench/dist/bench.js', ...args].join(' '),
  };
}
