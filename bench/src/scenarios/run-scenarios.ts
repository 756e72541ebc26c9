import type { BenchOptions } from '../options.js';
import { ScenarioResults } from './figures.js';
import { SCENARIOS } from './scenario-list.js';

/**
 * Scenarios 1–9 in rounds, as the hop cases run: each round runs every selected scenario once, so a host
 * whose speed drifts slows w3pool and its peers alike and the ratios stay comparable.
 */
export async function runScenarios(options: BenchOptions): Promise<ScenarioResults> {
  const results = new ScenarioResults();
  const selected = SCENARIOS.filter((s) => options.scenarios.includes(s.id));
  for (let round = 1; round <= options.runs; round += 1) {
    for (const spec of selected) {
      process.stderr.write(`bench: round ${round}/${options.runs}, scenario ${spec.id} (${spec.title})\n`);
      try {
        await spec.run({ options, results, round });
      } catch (error) {
        results.fail(spec.id, 'scenario', error);
      }
    }
  }
  return results;
}
