/**
 * What the peer scenarios (BENCHMARKS.md) measure, in one shape for every scenario, side and metric, so the
 * table, the targets and the charts read the same records.
 *
 * A figure is one metric of one side of one scenario variant, with one value per run (the report shows the
 * median, min and max). Sides are named as a user knows them: 'w3pool', 'PM2 cluster', 'nginx',
 * 'nginx → php-fpm'.
 */
export interface FigureKey {
  /** 1..10, the row of the scenario table. */
  scenario: number;
  /** e.g. '64 conns', 'phpinfo()', 'cache hit': what distinguishes rows of one scenario. */
  variant: string;
  side: string;
  /** e.g. 'req/s', 'p99 ms', 'goodput req/s', '503 p99 ms', 'errors', 'first request ms', 'listener RSS MB'. */
  metric: string;
}

export interface Figure extends FigureKey {
  unit: string;
  /** True for throughput-like metrics, false for latencies, errors and memory. */
  higherIsBetter: boolean;
  /** One value per measured run. */
  values: number[];
}

/** CPU of each process role over one run, in milliseconds, with the requests the run completed. */
export interface CpuSplit extends Omit<FigureKey, 'metric'> {
  /** e.g. { listener: 812, worker: 1400, redis: 300, 'load generator': 700 }, summed over the runs. */
  cpuMs: Record<string, number>;
  requests: number;
  wallSeconds: number;
}

/** A latency distribution for the overload chart: percentiles in ms, from one run (the last round's). */
export interface LatencyProfile extends Omit<FigureKey, 'metric'> {
  percentiles: { percentile: number; ms: number }[];
}

/** One RSS sample of the soak. */
export interface RssSample {
  seconds: number;
  role: string;
  rssMb: number;
}

export interface ScenarioFailure {
  scenario: number;
  side: string;
  error: string;
}

/** Everything the scenarios produced in one `pnpm bench` (or `pnpm bench:soak`) run. */
export class ScenarioResults {
  readonly figures: Figure[] = [];
  readonly cpu: CpuSplit[] = [];
  readonly latency: LatencyProfile[] = [];
  readonly rss: RssSample[] = [];
  readonly failures: ScenarioFailure[] = [];
  readonly notes: string[] = [];
  /** Peer name → version string, e.g. { pm2: '6.0.8', nginx: 'nginx/1.22.1', 'php-fpm': 'PHP 8.2.x (fpm-fcgi)' }. */
  readonly versions: Record<string, string> = {};

  /** A run's value joins earlier runs of the same figure. */
  add(key: FigureKey, unit: string, higherIsBetter: boolean, value: number): void {
    const found = this.find(key);
    if (found) found.values.push(value);
    else this.figures.push({ ...key, unit, higherIsBetter, values: [value] });
  }

  addCpu(split: CpuSplit): void {
    const found = this.cpu.find(
      (c) => c.scenario === split.scenario && c.variant === split.variant && c.side === split.side,
    );
    if (!found) {
      this.cpu.push({ ...split, cpuMs: { ...split.cpuMs } });
      return;
    }
    for (const [role, ms] of Object.entries(split.cpuMs)) found.cpuMs[role] = (found.cpuMs[role] ?? 0) + ms;
    found.requests += split.requests;
    found.wallSeconds += split.wallSeconds;
  }

  find(key: FigureKey): Figure | undefined {
    return this.figures.find(
      (f) =>
        f.scenario === key.scenario &&
        f.variant === key.variant &&
        f.side === key.side &&
        f.metric === key.metric,
    );
  }

  fail(scenario: number, side: string, error: unknown): void {
    const text = error instanceof Error ? error.message : String(error);
    this.failures.push({
      scenario,
      side,
      error: text.split('\n').slice(0, 3).join(' / ').replaceAll('`', "'"),
    });
  }

  note(text: string): void {
    this.notes.push(text);
  }
}

/** Median, min and max of a figure's runs. */
export function spread(values: number[]): { median: number; min: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0] ?? Number.NaN, max: sorted.at(-1) ?? Number.NaN };
}

/** A target of the issue, as a ratio of two figures or a bound on one, evaluated on one run's results. */
export interface TargetDefinition {
  name: string;
  /** e.g. '≥ 0.9 × PM2 cluster'. */
  bar: string;
  evaluate: (results: ScenarioResults) => { measured: string; met: boolean } | undefined;
}
