import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { describeMachine } from './machine.js';
import { REPO_ROOT, type BenchOptions } from './options.js';
import { Cleanup } from './processes.js';
import { OUTPUT, writeBenchmarks } from './scenarios/benchmarks-output.js';
import { ScenarioResults } from './scenarios/figures.js';
import { saveResults } from './scenarios/results-store.js';
import { soak } from './scenarios/soak.js';
import { wrkVersion } from './wrk.js';

// `pnpm bench:soak`: scenario 10, w3pool under 256 connections for 10 minutes with its memory sampled,
// then BENCHMARKS.md written again with the soak beside the last `pnpm bench`'s scenarios.

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
}

const args = process.argv.slice(2).filter((arg, i) => !(i === 0 && arg === '--'));
const raw = new Command('bench:soak')
  .description('Scenario 10: w3pool hello at 256 connections, listener and worker RSS sampled every 5 s.')
  .option('--minutes <n>', 'length of the soak (default 10)', positiveNumber)
  .option('--out <dir>', 'where BENCHMARKS.md, its charts and bench/results go (default: the repository)')
  .parse(args, { from: 'user' })
  .opts<{ minutes?: number; out?: string }>();

const wrk = await wrkVersion();
if (wrk === undefined) {
  process.stderr.write('pnpm bench:soak needs wrk: sudo apt-get install wrk\n');
  process.exit(1);
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void Cleanup.runAll().finally(() => process.exit(130)));
}

const out = resolve(raw.out ?? REPO_ROOT);
const minutes = raw.minutes ?? 10;
const commandLine = ['node', 'bench/dist/soak-main.js', ...args].join(' ');
const options: BenchOptions = {
  seconds: minutes * 60,
  runs: 1,
  warmupSeconds: 3,
  connections: [256],
  cases: [],
  quick: false,
  concurrency: undefined,
  write: undefined,
  scenarios: [],
  out,
  commandLine,
};
const machine = await describeMachine(wrk);
const startedAt = new Date();
const results = new ScenarioResults();
await soak({ options, results, round: 1 }, { minutes });
results.note(`Soak: ${minutes} min, started ${startedAt.toISOString()} (${commandLine}).`);
await saveResults(join(out, OUTPUT.soak), results);
const page = await writeBenchmarks({ dir: out, machine, startedAt, commandLine, quick: false });
process.stdout.write(`wrote ${page}\n`);
for (const failure of results.failures) process.stdout.write(`soak failed: ${failure.error}\n`);
process.exit(results.failures.length > 0 ? 1 : 0);
