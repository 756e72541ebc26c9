import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Machine } from '../machine.js';
import { renderBenchmarksPage } from './benchmarks-page.js';
import { writeCharts } from './charts.js';
import { ScenarioResults } from './figures.js';
import { loadResults, merge } from './results-store.js';

/** Where a run's outputs go, relative to its output directory (the repository for a full run). */
export const OUTPUT = {
  page: 'BENCHMARKS.md',
  charts: 'docs/images/bench',
  scenarios: 'bench/results/scenarios.json',
  soak: 'bench/results/soak.json',
} as const;

/**
 * Write BENCHMARKS.md and its charts from the saved runs in `dir`: the last scenarios run and the last soak,
 * whichever command ran last. Returns the page's path.
 */
export async function writeBenchmarks(input: {
  dir: string;
  machine: Machine;
  startedAt: Date;
  commandLine: string;
  quick: boolean;
}): Promise<string> {
  const scenarios = await loadResults(join(input.dir, OUTPUT.scenarios));
  const soak = await loadResults(join(input.dir, OUTPUT.soak));
  const results = merge(scenarios ?? new ScenarioResults(), soak);
  const chartDir = join(input.dir, OUTPUT.charts);
  await mkdir(chartDir, { recursive: true });
  const written = await writeCharts(results, chartDir);
  const page = renderBenchmarksPage({
    results,
    machine: input.machine,
    startedAt: input.startedAt,
    commandLine: input.commandLine,
    charts: written.map((name) => `${OUTPUT.charts}/${name}`),
    quick: input.quick,
  });
  const file = join(input.dir, OUTPUT.page);
  await writeFile(file, page);
  return file;
}
