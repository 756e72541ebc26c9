import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ScenarioResults } from './figures.js';

/**
 * The scenario results of the last `pnpm bench` and of the last `pnpm bench:soak`, kept as JSON beside the
 * page (bench/results/), so either command can write BENCHMARKS.md with both.
 */
export async function saveResults(file: string, results: ScenarioResults): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
}

/** A saved run, or undefined when there is none (a fresh clone before its first soak). */
export async function loadResults(file: string): Promise<ScenarioResults | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  return Object.assign(new ScenarioResults(), JSON.parse(text) as Partial<ScenarioResults>);
}

/** Both runs as one: the soak's figures, RSS samples and notes join the scenarios'. */
export function merge(scenarios: ScenarioResults, soak: ScenarioResults | undefined): ScenarioResults {
  const all = new ScenarioResults();
  for (const part of [scenarios, soak]) {
    if (part === undefined) continue;
    all.figures.push(...part.figures);
    all.cpu.push(...part.cpu);
    all.latency.push(...part.latency);
    all.rss.push(...part.rss);
    all.failures.push(...part.failures);
    all.notes.push(...part.notes);
    Object.assign(all.versions, part.versions);
  }
  return all;
}
