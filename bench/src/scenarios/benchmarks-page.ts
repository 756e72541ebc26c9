import { basename } from 'node:path';
import type { Machine } from '../machine.js';
import { table, type Align } from '../markdown.js';
import { CHART_FILES } from './charts.js';
import { spread, type CpuSplit, type Figure, type ScenarioResults } from './figures.js';
import {
  SCENARIO_DESCRIPTIONS,
  SIDES,
  evaluateScenarioTargets,
  orderSides,
  remedyFor,
  type TargetRow,
} from './targets.js';

/**
 * BENCHMARKS.md: w3pool beside the servers people run instead of it (PM2 cluster, nginx, nginx → php-fpm),
 * scenario by scenario, from one `pnpm bench` (and `pnpm bench:soak`) on one machine. Figures are only
 * comparable within the page, so every comparison is a ratio of two figures of the same run.
 */
export interface BenchmarksPageInput {
  results: ScenarioResults;
  machine: Machine;
  startedAt: Date;
  commandLine: string;
  /** Relative paths (from the page) of the SVG charts written, e.g. 'docs/images/bench/throughput.svg'. */
  charts: string[];
  /** A smoke-test run (1 run of 3 s): the page says so before anything else. */
  quick: boolean;
}

/** Integers (errors, timeouts, req/s) as counted; fractions with enough digits to tell them apart. */
export function formatValue(n: number): string {
  if (!Number.isFinite(n)) return '–';
  if (Number.isInteger(n) || Math.abs(n) >= 100) return Math.round(n).toLocaleString('en-US');
  return n.toFixed(Math.abs(n) >= 10 ? 1 : 2);
}

const cellOf = (figure: Figure | undefined) => {
  if (figure === undefined || figure.values.length === 0) return '–';
  const { median, min, max } = spread(figure.values);
  return `${formatValue(median)} (${formatValue(min)}–${formatValue(max)})`;
};

const medianOf = (figure: Figure | undefined) =>
  figure === undefined || figure.values.length === 0 ? undefined : spread(figure.values).median;

/** w3pool's median over a peer's; none when either is missing or the peer's is 0 (errors: 0 vs 0). */
function ratioCell(ours: Figure | undefined, theirs: Figure | undefined): string {
  const a = medianOf(ours);
  const b = medianOf(theirs);
  return a === undefined || b === undefined || b === 0 ? '–' : `${(a / b).toFixed(2)}×`;
}

const shortTitle = (scenario: number) =>
  (SCENARIO_DESCRIPTIONS[scenario] ?? `Scenario ${scenario}`).split(':')[0]!;

const when = (date: Date) => `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

function quickWarning(quick: boolean): string {
  if (!quick) return '';
  return `> [!WARNING]
> **Smoke-test run: these figures are not evidence.** Every figure below comes from 1 run of 3 s, with no
> repeat to show its spread. The run proves the harness works end to end; it says nothing about how w3pool
> compares with its peers. Run \`pnpm bench\` (and \`pnpm bench:soak\`) for figures to read.
`;
}

function summary(results: ScenarioResults, targets: TargetRow[]): string {
  const count = (met: boolean | undefined) => targets.filter((t) => t.met === met).length;
  const scenarios = [...new Set(results.figures.map((f) => f.scenario))].sort((a, b) => a - b);
  const measured =
    scenarios.length === 0
      ? 'no scenario produced figures'
      : `scenarios ${scenarios.join(', ')} produced figures`;
  const failed = results.failures.length;
  return `w3pool beside the servers people run instead of it: PM2 in cluster mode for Node, nginx for static files and nginx in front of php-fpm for PHP, on the issue's ten scenarios, w3pool and its peers measured in the same run on the same machine. Of ${targets.length} targets, ${count(true)} were reached, ${count(false)} missed and ${count(undefined)} not measured; ${measured}${failed === 0 ? '' : `, and ${failed} failure${failed === 1 ? ' was' : 's were'} recorded (see Failures)`}. The load generator shares the cores with the processes it measures, so read the ratios within this page, not the absolute figures across pages.\n`;
}

function setupSection(input: BenchmarksPageInput): string {
  const { machine, results } = input;
  const versions = Object.entries(results.versions);
  const versionLines =
    versions.length === 0
      ? ['- Peers: versions not recorded']
      : versions.map(([name, version]) => `- ${name}: ${version}`);
  return `## Machine, versions and commands

- Date: ${when(input.startedAt)}
- Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.ramGiB.toFixed(1)} GiB RAM
- Node ${machine.node}; ${machine.redis}; ${machine.wrk}
${versionLines.join('\n')}

The commands:

- \`pnpm bench\`: scenarios 1–9, in rounds (each round runs every scenario once, so a host whose speed
  drifts slows w3pool and its peers alike), then this page and its charts.
- \`pnpm bench:soak\`: scenario 10, the 10-minute soak at 256 connections.
- This page: \`${input.commandLine}\`
`;
}

/**
 * ✅ and ❌ are one code point but two columns wide, to a terminal and to prettier; markdown.ts's table()
 * pads by code points. A two-character stand-in lays the table out at their real width, then gives way to
 * them, so the page still passes `prettier --check`.
 */
const MARKS = [
  { standIn: '\uE000\uE000', mark: '✅' },
  { standIn: '\uE001\uE001', mark: '❌' },
] as const;

const result = (met: boolean | undefined) =>
  met === undefined ? 'not measured' : met ? `${MARKS[0].standIn} reached` : `${MARKS[1].standIn} missed`;

function targetsSection(targets: TargetRow[]): string {
  const rows = targets.map((t) => [t.name, t.measured ?? '–', t.bar, result(t.met)]);
  const laidOut = MARKS.reduce(
    (text, { standIn, mark }) => text.replaceAll(standIn, mark),
    table(['target', 'measured', 'bar', 'result'], rows, ['left', 'right', 'right', 'left']),
  );
  return `## Targets

The issue's bars, evaluated on the medians of this run. A target is not measured when a figure it needs is
missing: its scenario was not selected, or a side failed.

${laidOut}
`;
}

/** One row per (scenario, variant, metric), in scenario order, then in the order the scenario recorded them. */
function scenarioRows(figures: Figure[]): Figure[][] {
  const groups = new Map<string, Figure[]>();
  const sorted = [...figures].sort((a, b) => a.scenario - b.scenario);
  for (const f of sorted) {
    const key = JSON.stringify([f.scenario, f.variant, f.metric]);
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  return [...groups.values()];
}

function scenarioTable(results: ScenarioResults): string {
  const sides = orderSides(results.figures.map((f) => f.side));
  const peers = sides.filter((s) => s !== SIDES.w3pool);
  let previous: number | undefined;
  const rows = scenarioRows(results.figures).map((group) => {
    const first = group[0]!;
    const bySide = (side: string) => group.find((f) => f.side === side);
    const title = first.scenario === previous ? '' : shortTitle(first.scenario);
    previous = first.scenario;
    return [
      String(first.scenario),
      title,
      first.variant,
      first.metric,
      first.higherIsBetter ? 'higher' : 'lower',
      ...sides.map((side) => cellOf(bySide(side))),
      ...peers.map((peer) => ratioCell(bySide(SIDES.w3pool), bySide(peer))),
    ];
  });
  const headers = [
    '#',
    'scenario',
    'variant',
    'metric',
    'better',
    ...sides,
    ...peers.map((p) => `w3pool ÷ ${p}`),
  ];
  const align: Align[] = [
    'right',
    'left',
    'left',
    'left',
    'left',
    ...Array<Align>(sides.length + peers.length).fill('right'),
  ];
  return table(headers, rows, align);
}

function scenariosSection(results: ScenarioResults): string {
  const list = Object.entries(SCENARIO_DESCRIPTIONS).map(([id, text]) => `${id}. ${text}`);
  const body = results.figures.length === 0 ? 'No scenario produced figures.' : scenarioTable(results);
  return `## Scenarios

${list.join('\n')}

A cell is the median over the runs, with the min–max in brackets. A ratio divides w3pool's median by the
peer's: above 1 favours w3pool where higher is better (throughput), below 1 where lower is better
(latency, errors, memory).

${body}
`;
}

/** Roles in the order of the request path; any other role after them, the load generator last. */
const ROLE_ORDER = ['listener', 'worker', 'pool host', 'WAS', 'redis', 'nginx', 'php-fpm', 'PM2'];
const LOAD_GENERATOR = 'load generator';

function orderRoles(splits: CpuSplit[]): string[] {
  const present = new Set(splits.flatMap((s) => Object.keys(s.cpuMs)));
  const known = ROLE_ORDER.filter((r) => present.has(r));
  const other = [...present].filter((r) => !ROLE_ORDER.includes(r) && r !== LOAD_GENERATOR);
  return [...known, ...other, ...(present.has(LOAD_GENERATOR) ? [LOAD_GENERATOR] : [])];
}

const usPerRequest = (ms: number, requests: number) => (requests > 0 ? (ms * 1000) / requests : Number.NaN);

function cpuRow(split: CpuSplit, roles: string[]): string[] {
  const total = Object.values(split.cpuMs).reduce((sum, ms) => sum + ms, 0);
  const cells = roles.map((role) => {
    const ms = split.cpuMs[role];
    if (ms === undefined) return '–';
    const share = total > 0 ? `${((100 * ms) / total).toFixed(0)} %` : '–';
    return `${share} · ${formatValue(usPerRequest(ms, split.requests))} µs`;
  });
  const cores = split.wallSeconds > 0 ? (total / 1000 / split.wallSeconds).toFixed(2) : '–';
  const totalCell = `${formatValue(usPerRequest(total, split.requests))} µs · ${cores} cores`;
  return [String(split.scenario), split.variant, split.side, ...cells, totalCell];
}

function cpuSection(results: ScenarioResults): string {
  if (results.cpu.length === 0) return '';
  const splits = [...results.cpu].sort((a, b) => a.scenario - b.scenario);
  const roles = orderRoles(splits);
  const rows = splits.map((split) => cpuRow(split, roles));
  const align: Align[] = ['right', 'left', 'left', ...Array<Align>(roles.length + 1).fill('right')];
  return `## Where the CPU goes

Per scenario, variant and side, over all runs: each role's share of the CPU every process used (the load
generator included), then its CPU time per request completed. Total is the CPU per request of all roles
and how many cores they kept busy on average.

${table(['#', 'variant', 'side', ...roles, 'total'], rows, align)}
`;
}

const CHART_ALT: Record<string, string> = {
  [CHART_FILES.throughput]:
    'Throughput: median req/s per scenario, w3pool and its peers, with min–max whiskers',
  [CHART_FILES.overloadLatency]: 'Latency percentiles under overload at 3× capacity, per side',
  [CHART_FILES.soakRss]: 'Listener and worker RSS over the soak at 256 connections',
};

function chartsSection(charts: string[]): string {
  if (charts.length === 0) return '';
  const images = charts.map((path) => `![${CHART_ALT[basename(path)] ?? basename(path, '.svg')}](${path})`);
  return `## Charts\n\n${images.join('\n\n')}\n`;
}

function notesSection(results: ScenarioResults): string {
  if (results.notes.length === 0) return '';
  return `## Notes\n\n${results.notes.map((n) => `- ${n}`).join('\n')}\n`;
}

function failuresSection(results: ScenarioResults): string {
  // The harness records a scenario that failed as a whole under the side 'scenario'.
  const lines = results.failures.map(
    (f) => `- Scenario ${f.scenario}${f.side === 'scenario' ? '' : `, ${f.side}`}: \`${f.error}\``,
  );
  return `## Failures\n\n${lines.length === 0 ? 'No scenario or side failed.' : lines.join('\n')}\n`;
}

function missedSection(targets: TargetRow[]): string {
  const missed = targets.filter((t) => t.met === false);
  const lines = missed.map((t) => {
    const remedy = remedyFor(t.name) ?? 'No remedy written yet.';
    return `- **${t.name}** (measured ${t.measured ?? '–'}, bar ${t.bar}): ${remedy}`;
  });
  const body = lines.length === 0 ? 'No target was missed in this run.' : lines.join('\n');
  return `## What the missed targets would take\n\n${body}\n`;
}

/** The generated BENCHMARKS.md: what was compared, on what and how, the targets, then every figure. */
export function renderBenchmarksPage(input: BenchmarksPageInput): string {
  const { results } = input;
  const targets = evaluateScenarioTargets(results);
  const header = `# Benchmarks: w3pool and its peers

Generated by \`pnpm bench\` on ${when(input.startedAt)}. Do not edit by hand: regenerate with \`pnpm bench\`
(scenarios 1–9) and \`pnpm bench:soak\` (scenario 10); the harness is in \`bench/src/scenarios\`.
`;
  return [
    header,
    quickWarning(input.quick),
    summary(results, targets),
    setupSection(input),
    targetsSection(targets),
    scenariosSection(results),
    cpuSection(results),
    chartsSection(input.charts),
    notesSection(results),
    failuresSection(results),
    missedSection(targets),
  ]
    .filter((section) => section !== '')
    .join('\n');
}
