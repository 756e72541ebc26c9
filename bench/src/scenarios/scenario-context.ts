import type { ServiceProcess } from '@w3pool/test/helpers';
import type { ProcessRole } from '../cpu-sampler.js';
import type { BenchOptions } from '../options.js';
import type { FigureKey, ScenarioResults } from './figures.js';

/** What every scenario is handed: the run's options, where its figures go, and which round this is. */
export interface ScenarioContext {
  options: BenchOptions;
  results: ScenarioResults;
  round: number;
}

/** One side of a scenario as a load target: where to send requests and whose CPU counts. */
export interface Side {
  /** 'w3pool', 'PM2 cluster', 'nginx', 'nginx → php-fpm'. */
  name: string;
  baseUrl: string;
  processes: ProcessRole[];
  /** Processes that must outlive every run (a run whose server died measures refused connections). */
  services: ServiceProcess[];
}

/** The figure key of a side's variant: the metric is added per figure. */
export type RunKey = Omit<FigureKey, 'metric'>;
