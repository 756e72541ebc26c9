import { describe, expect, it } from 'vitest';
import { ScenarioResults, type FigureKey } from './figures.js';
import {
  MISSED_TARGET_REMEDIES,
  SCENARIO_TARGETS,
  TARGET_NAMES,
  evaluateScenarioTargets,
  remedyFor,
} from './targets.js';

function record(results: ScenarioResults, key: FigureKey, values: number[], higherIsBetter = true): void {
  for (const value of values) results.add(key, key.metric, higherIsBetter, value);
}

const evaluate = (results: ScenarioResults, name: string) => {
  const target = SCENARIO_TARGETS.find((t) => t.name === name);
  if (target === undefined) throw new Error(`no target ${name}`);
  return target.evaluate(results);
};

const reqs = (scenario: number, variant: string, side: string): FigureKey => ({
  scenario,
  variant,
  side,
  metric: 'req/s',
});

describe('scenario targets', () => {
  it('has one target per bar of the issue, each with a remedy', () => {
    const names = SCENARIO_TARGETS.map((t) => t.name);
    expect(names).toEqual(Object.values(TARGET_NAMES));
    for (const name of names)
      expect(remedyFor(name)).toBe(MISSED_TARGET_REMEDIES[name as keyof typeof MISSED_TARGET_REMEDIES]);
    expect(remedyFor('no such target')).toBeUndefined();
  });

  it('CPU-bound: the ratio of the medians, met at 0.9 × PM2 cluster', () => {
    const results = new ScenarioResults();
    record(results, reqs(3, '64 conns', 'w3pool'), [900, 950, 5000]);
    record(results, reqs(3, '64 conns', 'PM2 cluster'), [1000, 1000, 10]);
    expect(evaluate(results, TARGET_NAMES.cpuBound)).toEqual({
      measured: expect.stringContaining('0.950×'),
      met: true,
    });

    const slower = new ScenarioResults();
    record(slower, reqs(3, '64 conns', 'w3pool'), [850]);
    record(slower, reqs(3, '64 conns', 'PM2 cluster'), [1000]);
    expect(evaluate(slower, TARGET_NAMES.cpuBound)?.met).toBe(false);

    const alone = new ScenarioResults();
    record(alone, reqs(3, '64 conns', 'w3pool'), [850]);
    expect(evaluate(alone, TARGET_NAMES.cpuBound)).toBeUndefined();
  });

  it('PHP: both pages are reported and both must reach 0.7 ×', () => {
    const results = new ScenarioResults();
    record(results, reqs(6, 'hello', 'w3pool'), [800]);
    record(results, reqs(6, 'hello', 'nginx → php-fpm'), [1000]);
    expect(evaluate(results, TARGET_NAMES.php)).toBeUndefined();
    record(results, reqs(6, 'phpinfo()', 'w3pool'), [600]);
    record(results, reqs(6, 'phpinfo()', 'nginx → php-fpm'), [1000]);
    expect(evaluate(results, TARGET_NAMES.php)).toEqual({
      measured: 'hello 0.800×, phpinfo() 0.600×',
      met: false,
    });
    results.find({ ...reqs(6, 'phpinfo()', 'w3pool') })!.values[0] = 700;
    expect(evaluate(results, TARGET_NAMES.php)?.met).toBe(true);
  });

  it('cache hit: against nginx static, with the worker path beside it', () => {
    const results = new ScenarioResults();
    record(results, reqs(4, 'cache hit', 'w3pool'), [8000]);
    record(results, reqs(4, 'worker', 'w3pool'), [2000]);
    expect(evaluate(results, TARGET_NAMES.cacheHit)).toBeUndefined();
    record(results, reqs(4, 'static 4 KB', 'nginx'), [10_000]);
    expect(evaluate(results, TARGET_NAMES.cacheHit)).toEqual({
      measured: '0.800× (8,000 vs 10,000 req/s; worker path 0.200×)',
      met: true,
    });
  });

  it('overload: goodput against capacity, 503 p99 and timeouts', () => {
    const results = new ScenarioResults();
    const key = { scenario: 7, variant: '3× capacity', side: 'w3pool' };
    record(results, { ...key, metric: 'goodput req/s' }, [850]);
    record(results, { ...key, metric: 'capacity req/s' }, [1000]);
    record(results, { ...key, metric: '503 p99 ms' }, [4, 6, 3], false);
    record(results, { ...key, metric: 'timeouts' }, [0, 3, 0], false);
    expect(evaluate(results, TARGET_NAMES.goodput)).toEqual({
      measured: '85.0 % (850 of 1,000 req/s)',
      met: false,
    });
    expect(evaluate(results, TARGET_NAMES.rejectP99)).toEqual({ measured: '4.00 ms', met: true });
    expect(evaluate(results, TARGET_NAMES.timeouts)).toEqual({ measured: '0 (worst run 3)', met: true });
  });

  it('recycle: w3pool errors decide, the peers are shown beside them', () => {
    const results = new ScenarioResults();
    const key = { scenario: 8, variant: 'recycle every 2 s' };
    record(results, { ...key, side: 'w3pool', metric: 'errors' }, [2], false);
    record(results, { ...key, side: 'PM2 cluster', metric: 'errors' }, [40], false);
    record(results, { ...key, side: 'w3pool', metric: 'p99 penalty ms' }, [1.5], false);
    expect(evaluate(results, TARGET_NAMES.recycle)).toEqual({
      measured: '2; p99 penalty 1.50 ms; PM2 cluster 40',
      met: false,
    });
  });

  it('soak: listener RSS and its growth, not measured without the soak', () => {
    const results = new ScenarioResults();
    expect(evaluate(results, TARGET_NAMES.soakRss)).toBeUndefined();
    expect(evaluate(results, TARGET_NAMES.soakGrowth)).toBeUndefined();
    const key = { scenario: 10, variant: '256 conns', side: 'w3pool' };
    record(results, { ...key, metric: 'listener RSS MB' }, [120], false);
    record(results, { ...key, metric: 'listener RSS growth %' }, [7.5], false);
    expect(evaluate(results, TARGET_NAMES.soakRss)).toEqual({ measured: '120.0 MB', met: true });
    expect(evaluate(results, TARGET_NAMES.soakGrowth)).toEqual({ measured: '7.5 %', met: false });
  });

  it('evaluates every target into a row, met undefined when not measured', () => {
    const rows = evaluateScenarioTargets(new ScenarioResults());
    expect(rows).toHaveLength(SCENARIO_TARGETS.length);
    expect(rows.every((r) => r.met === undefined && r.measured === undefined)).toBe(true);
  });
});
