import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CHART_FILES, writeCharts } from './charts.js';
import { ScenarioResults } from './figures.js';

function sampleResults(): ScenarioResults {
  const results = new ScenarioResults();
  const reqs = (scenario: number, variant: string, side: string, values: number[]) => {
    for (const value of values)
      results.add({ scenario, variant, side, metric: 'req/s' }, 'req/s', true, value);
  };
  reqs(1, '64 conns', 'w3pool', [9000, 9500, 9800]);
  reqs(1, '64 conns', 'PM2 cluster', [14_000, 15_000, 15_500]);
  reqs(4, 'cache hit', 'w3pool', [20_000]);
  reqs(4, 'static 4 KB', 'nginx', [30_000]);
  reqs(6, 'hello', 'w3pool', [3000]);
  reqs(6, 'hello', 'nginx → php-fpm', [4000]);
  const percentiles = (scale: number) =>
    [50, 90, 99, 99.9, 99.99, 100].map((percentile, i) => ({ percentile, ms: scale * 2 ** i }));
  results.latency.push({
    scenario: 7,
    variant: '3× capacity',
    side: 'w3pool',
    percentiles: percentiles(0.5),
  });
  results.latency.push({
    scenario: 7,
    variant: '3× capacity',
    side: 'PM2 cluster',
    percentiles: percentiles(50),
  });
  for (let seconds = 0; seconds <= 600; seconds += 30) {
    results.rss.push({ seconds, role: 'listener', rssMb: 80 + seconds / 100 });
    results.rss.push({ seconds, role: 'worker processes', rssMb: 60 });
  }
  return results;
}

describe('charts', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('writes the three SVG charts, each naming its series', async () => {
    dir = await mkdtemp(join(tmpdir(), 'bench-charts-'));
    const written = await writeCharts(sampleResults(), join(dir, 'docs/images/bench'));
    expect(written).toEqual([CHART_FILES.throughput, CHART_FILES.overloadLatency, CHART_FILES.soakRss]);
    expect((await readdir(join(dir, 'docs/images/bench'))).sort()).toEqual([...written].sort());
    const svg = async (file: string) => readFile(join(dir!, 'docs/images/bench', file), 'utf8');

    const throughput = await svg(CHART_FILES.throughput);
    for (const name of ['w3pool', 'PM2 cluster', 'nginx', 'nginx → php-fpm', 'req/s'])
      expect(throughput).toContain(name);
    const latency = await svg(CHART_FILES.overloadLatency);
    for (const name of ['w3pool', 'PM2 cluster', 'latency (ms)', '99.99']) expect(latency).toContain(name);
    const rss = await svg(CHART_FILES.soakRss);
    for (const name of ['listener', 'worker processes', 'RSS (MB)']) expect(rss).toContain(name);
    for (const text of [throughput, latency, rss]) {
      expect(text.startsWith('<svg')).toBe(true);
      expect(text.trimEnd().endsWith('</svg>')).toBe(true);
      expect(text).toContain('sans-serif');
    }
  });

  it('skips a chart whose data is empty', async () => {
    dir = await mkdtemp(join(tmpdir(), 'bench-charts-'));
    const results = sampleResults();
    results.latency.length = 0;
    results.rss.length = 0;
    expect(await writeCharts(results, dir)).toEqual([CHART_FILES.throughput]);
    expect(await readdir(dir)).toEqual([CHART_FILES.throughput]);
    expect(await writeCharts(new ScenarioResults(), join(dir, 'none'))).toEqual([]);
  });
});
