import { format } from 'prettier';
import { describe, expect, it } from 'vitest';
import type { Machine } from '../machine.js';
import { renderBenchmarksPage, type BenchmarksPageInput } from './benchmarks-page.js';
import { ScenarioResults } from './figures.js';
import { MISSED_TARGET_REMEDIES, TARGET_NAMES } from './targets.js';

const machine: Machine = {
  cpu: 'Test CPU @ 3.0GHz',
  cores: 2,
  ramGiB: 3.8,
  node: 'v20.19.0',
  redis: 'Redis server v=7.2.4',
  wrk: 'wrk 4.2.0',
};

/** CPU-bound reached (0.95×), Express missed (0.40×), the rest not measured. */
function sampleResults(): ScenarioResults {
  const results = new ScenarioResults();
  const add = (scenario: number, side: string, metric: string, values: number[], higherIsBetter = true) => {
    for (const value of values)
      results.add({ scenario, variant: '64 conns', side, metric }, metric, higherIsBetter, value);
  };
  add(3, 'w3pool', 'req/s', [1900, 1850, 1950]);
  add(3, 'PM2 cluster', 'req/s', [2000, 1990, 2100]);
  add(3, 'w3pool', 'p99 ms', [4.5], false);
  add(3, 'PM2 cluster', 'p99 ms', [3], false);
  add(2, 'w3pool', 'req/s', [4000]);
  add(2, 'PM2 cluster', 'req/s', [10_000]);
  results.addCpu({
    scenario: 3,
    variant: '64 conns',
    side: 'w3pool',
    cpuMs: { listener: 500, worker: 1000, redis: 250, 'load generator': 250 },
    requests: 10_000,
    wallSeconds: 3,
  });
  results.versions.pm2 = '6.0.8';
  results.versions.nginx = 'nginx/1.22.1';
  results.note('php-fpm ran with pm.max_children = 4 on both sides.');
  results.fail(5, 'PM2 cluster', new Error('pm2 exited with code 1'));
  return results;
}

const render = (overrides: Partial<BenchmarksPageInput> = {}) =>
  renderBenchmarksPage({
    results: sampleResults(),
    machine,
    startedAt: new Date('2025-06-01T12:34:56Z'),
    commandLine: 'pnpm bench -- --runs 3',
    charts: ['docs/images/bench/throughput.svg'],
    quick: false,
    ...overrides,
  });

describe('BENCHMARKS.md', () => {
  it('describes the run: machine, peer versions, date and commands', () => {
    const page = render();
    expect(page).toMatch(/^# Benchmarks/);
    expect(page).toContain('Test CPU @ 3.0GHz, 2 cores, 3.8 GiB RAM');
    expect(page).toContain('Node v20.19.0; Redis server v=7.2.4');
    expect(page).toContain('- pm2: 6.0.8');
    expect(page).toContain('- nginx: nginx/1.22.1');
    expect(page).toContain('2025-06-01 12:34 UTC');
    for (const command of ['`pnpm bench`', '`pnpm bench:soak`', '`pnpm bench -- --runs 3`'])
      expect(page).toContain(command);
  });

  it('shows the targets reached, missed and not measured', () => {
    const page = render();
    const row = (name: string) => page.split('\n').find((line) => line.startsWith(`| ${name} `)) ?? '';
    expect(row(TARGET_NAMES.cpuBound)).toContain('✅ reached');
    expect(row(TARGET_NAMES.cpuBound)).toContain('0.950×');
    expect(row(TARGET_NAMES.express)).toContain('❌ missed');
    expect(row(TARGET_NAMES.soakRss)).toContain('not measured');
    expect(page).toContain('Of 10 targets, 1 were reached, 1 missed and 8 not measured');
  });

  it('tables every figure as median (min–max) per side, with the ratio to each peer', () => {
    const page = render();
    expect(page).toMatch(/\| +w3pool \| +PM2 cluster \| w3pool ÷ PM2 cluster \|/);
    const cpuRow = page.split('\n').find((line) => /^\| +3 \| CPU-bound handler/.test(line)) ?? '';
    expect(cpuRow).toContain('1,900 (1,850–1,950)');
    expect(cpuRow).toContain('2,000 (1,990–2,100)');
    expect(cpuRow).toContain('0.95×');
    expect(page).toMatch(
      /\| +3 \| +\| 64 conns +\| p99 ms +\| lower +\| +4.50 \(4.50–4.50\) \| +3 \(3–3\) \| +1.50× \|/,
    );
    expect(page).toContain('1. Dynamic hello at 16, 64 and 256 connections');
  });

  it('splits the CPU by role: share of the CPU and µs per request', () => {
    const page = render();
    const row = page.split('\n').find((line) => /^\| +3 \| 64 conns \| w3pool/.test(line)) ?? '';
    expect(row).toContain('25 % · 50 µs');
    expect(row).toContain('50 % · 100 µs');
    expect(row).toContain('200 µs · 0.67 cores');
    expect(page).toMatch(/\| +listener \| +worker \| +redis \| load generator \| +total \|/);
  });

  it('embeds the charts, lists notes and failures, and what the missed targets would take', () => {
    const page = render();
    expect(page).toContain('](docs/images/bench/throughput.svg)');
    expect(page).toContain('- php-fpm ran with pm.max_children = 4 on both sides.');
    expect(page).toContain('- Scenario 5, PM2 cluster: `pm2 exited with code 1`');
    const missed = page.slice(page.indexOf('## What the missed targets would take'));
    expect(missed).toContain(TARGET_NAMES.express);
    expect(missed).toContain(MISSED_TARGET_REMEDIES[TARGET_NAMES.express]);
    expect(missed).not.toContain(TARGET_NAMES.cpuBound);
    expect(render({ charts: [] })).not.toContain('## Charts');
  });

  it('warns that a quick run is a smoke test, only when it is one', () => {
    expect(render({ quick: false })).not.toContain('Smoke-test run');
    const quick = render({ quick: true });
    expect(quick).toContain('> [!WARNING]');
    expect(quick).toContain('Smoke-test run: these figures are not evidence');
    expect(quick.indexOf('Smoke-test run')).toBeLessThan(quick.indexOf('## Targets'));
  });

  it('renders an empty run without failing', () => {
    const page = render({ results: new ScenarioResults() });
    expect(page).toContain('No scenario produced figures.');
    expect(page).toContain('No target was missed in this run.');
    expect(page).toContain('No scenario or side failed.');
  });

  it('is laid out as prettier lays it out, emoji included, so `pnpm lint` passes on the generated page', async () => {
    const page = render({ quick: true });
    expect(await format(page, { parser: 'markdown', printWidth: 110 })).toBe(page);
  });
});
