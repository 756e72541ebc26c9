import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCacheCase } from './cases/cache.js';
import { runDomainsCase } from './cases/domains.js';
import { runNodeCase } from './cases/node.js';
import { runRawHopCase } from './cases/raw-hop.js';
import { runW3poolCase } from './cases/w3pool.js';
import { describeMachine } from './machine.js';
import type { CaseContext } from './measure.js';
import { parseOptions, type CaseName } from './options.js';
import { Cleanup } from './processes.js';
import { renderPage, renderTables } from './report.js';
import { BenchResults } from './results.js';
import { OUTPUT, writeBenchmarks } from './scenarios/benchmarks-output.js';
import { saveResults } from './scenarios/results-store.js';
import { runScenarios } from './scenarios/run-scenarios.js';
import { wrkVersion } from './wrk.js';

// `pnpm bench`: where the time of a request goes, then how w3pool compares with its peers (BENCHMARKS.md). Plain node:http (the ceiling), a raw Redis hop (the
// least a queue in Redis can cost), the w3pool dynamic path, the two ways requests can reach an application
// domain (domain-hop) and a listener cache hit, measured in one run (interleaved, in rounds) so the ratios
// compare like with like, with the CPU of every process and Redis's time per request.
// A benchmark, not a test: it asserts nothing, and a case that fails is reported while the others run.
const CASES: Record<CaseName, (context: CaseContext) => Promise<void>> = {
  node: runNodeCase,
  raw: runRawHopCase,
  w3pool: runW3poolCase,
  domains: runDomainsCase,
  cache: runCacheCase,
};

const options = parseOptions(process.argv);
const wrk = await wrkVersion();
if (wrk === undefined) {
  process.stderr.write('pnpm bench needs wrk: sudo apt-get install wrk\n');
  process.exit(1);
}

// Interrupted, stop whatever the running case started before exiting.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`bench: ${signal}, stopping the case's processes\n`);
    void Cleanup.runAll().finally(() => process.exit(130));
  });
}

const machine = await describeMachine(wrk);
const startedAt = new Date();
const results = new BenchResults();
// Rounds, not one case after another: each round runs every case once, so a host whose speed drifts over
// the run (a shared VM) slows the baselines and w3pool alike, and their ratios stay comparable.
for (let round = 1; round <= options.runs; round += 1) {
  for (const name of options.cases) {
    process.stderr.write(`bench: round ${round}/${options.runs}, case ${name}\n`);
    try {
      await CASES[name]({ options, results, round });
    } catch (error) {
      results.fail(name, error, round);
      process.stderr.write(`bench: case ${name} failed: ${(error as Error).stack ?? String(error)}\n`);
    }
  }
}

const input = { options, machine, startedAt, results };
if (options.cases.length > 0) {
  process.stdout.write(
    `\n${machine.cpu}, ${machine.cores} cores; node ${machine.node}; ${options.commandLine}\n\n${renderTables(input)}`,
  );
}
if (options.write !== undefined) {
  await writeFile(options.write, renderPage(input));
  process.stdout.write(`\nwrote ${options.write}\n`);
}

let scenarioFailures = 0;
if (options.scenarios.length > 0) {
  const scenarios = await runScenarios(options);
  scenarioFailures = scenarios.failures.length;
  await saveResults(join(options.out, OUTPUT.scenarios), scenarios);
  const page = await writeBenchmarks({
    dir: options.out,
    machine,
    startedAt,
    commandLine: options.commandLine,
    quick: options.quick,
  });
  process.stdout.write(`\nwrote ${page}\n`);
  for (const failure of scenarios.failures)
    process.stdout.write(`scenario ${failure.scenario}, ${failure.side} failed: ${failure.error}\n`);
}

// --quick is CI's smoke test of the harness: it asserts nothing about speed, but a case or a scenario that
// could not run at all (a peer that did not start, a parse error) fails it.
if (options.quick && results.failures.length + scenarioFailures > 0) {
  process.stderr.write(
    `bench: ${results.failures.length + scenarioFailures} case(s) or scenario side(s) failed\n`,
  );
  process.exit(1);
}
