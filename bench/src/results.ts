import type { CommandStat } from './redis-stats.js';
import type { CaseName } from './options.js';
import type { WrkResult } from './wrk.js';

/** The rows of the report, named once so cases, ratios and targets agree. */
export const LABELS = {
  nodeHello: 'node:http hello',
  node4k: 'node:http 4 KB',
  raw: 'raw Redis hop',
  w3pool: 'w3pool hello',
  cache: 'w3pool cache hit 4 KB',
  domainTakes: 'domain takes (A)',
  domainRelays: 'main relays batches (B)',
} as const;
export type Label = (typeof LABELS)[keyof typeof LABELS];

/** One measured wrk run and what every process of the case spent during it. */
export interface RunSample {
  wrk: WrkResult;
  wallSeconds: number;
  /** CPU ticks per role (listener, worker, pool host, WAS, redis, wrk) over the run. */
  cpuTicks: Map<string, number>;
  /** INFO commandstats since the CONFIG RESETSTAT before the run; undefined where there is no Redis. */
  redis: Map<string, CommandStat> | undefined;
}

/** All runs of one case at one connection count, one per round. */
export interface Measurement {
  caseName: CaseName;
  label: Label;
  connections: number;
  runs: RunSample[];
}

export interface CaseFailure {
  caseName: CaseName;
  round: number;
  error: string;
}

/**
 * What the run has produced so far. Cases add to it as each measurement completes, so a case that fails
 * half-way still reports what it measured before failing.
 */
export class BenchResults {
  readonly measurements: Measurement[] = [];
  readonly failures: CaseFailure[] = [];
  /** Observations worth printing with the tables (e.g. whether the cache served the warm-up). */
  readonly notes: string[] = [];

  /** A measurement's runs join those of the same case and connection count from earlier rounds. */
  add(measurement: Measurement): void {
    const earlier = this.find(measurement.label, measurement.connections);
    if (earlier) earlier.runs.push(...measurement.runs);
    else this.measurements.push(measurement);
  }

  /** Keep the gist for the report: the first line and the first error line of a process's output. */
  fail(caseName: CaseName, error: unknown, round: number): void {
    const lines = (error instanceof Error ? error.message : String(error))
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '');
    // "SyntaxError: ..." or "Error [ERR_MODULE_NOT_FOUND]: ..." says more than the stack line above it.
    const rest = lines.slice(1);
    const cause =
      rest.find((line) => /^(\w*Error|Error \[\w+\])\b.*:/.test(line)) ??
      rest.find((line) => /Error\b|failed|unable to connect/i.test(line));
    const text = [lines[0] ?? 'unknown error', cause].filter((part) => part !== undefined).join(' / ');
    this.failures.push({ caseName, round, error: text.replaceAll('`', "'") });
  }

  note(text: string): void {
    this.notes.push(text);
  }

  find(label: Label, connections: number): Measurement | undefined {
    return this.measurements.find((m) => m.label === label && m.connections === connections);
  }
}
