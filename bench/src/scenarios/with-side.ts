import { Cleanup } from '../processes.js';
import type { ScenarioContext, Side } from './scenario-context.js';

/**
 * Start one side, use it, stop everything it started, whatever happened. A side that fails is recorded
 * against its scenario and the next side still runs: one broken peer does not void the others' figures.
 */
export async function withSide<S extends Side>(
  context: ScenarioContext,
  scenario: number,
  name: string,
  start: (cleanup: Cleanup) => Promise<S>,
  use: (side: S) => Promise<void>,
): Promise<void> {
  const cleanup = new Cleanup();
  try {
    await use(await start(cleanup));
  } catch (error) {
    context.results.fail(scenario, name, error);
    process.stderr.write(
      `bench: scenario ${scenario}, ${name} failed: ${(error as Error).stack ?? String(error)}\n`,
    );
  } finally {
    await cleanup.run();
  }
}
