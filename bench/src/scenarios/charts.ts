import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as vega from 'vega';
import * as vl from 'vega-lite';
import { spread, type ScenarioResults } from './figures.js';
import { SCENARIO_DESCRIPTIONS, SIDE_ORDER, orderSides } from './targets.js';

/**
 * The charts of BENCHMARKS.md, as SVG files rendered here from Vega-Lite specs: no browser, no canvas and no
 * font files (text is set in the reader's sans-serif), so `pnpm bench` can write them on a bare server and a
 * page on GitHub shows them as images.
 */

/** File names, so the page can give each chart its alt text. */
export const CHART_FILES = {
  throughput: 'throughput.svg',
  overloadLatency: 'overload-latency.svg',
  soakRss: 'soak-rss.svg',
} as const;

const WIDTH = 720;
/** The scenarios whose req/s the throughput chart compares: the others measure overload, recycles, memory. */
const THROUGHPUT_SCENARIOS = new Set([1, 2, 3, 4, 5, 6]);
const OVERLOAD_SCENARIO = 7;
/** One colour per side in every chart: w3pool the same blue in each, so a reader finds it at a glance. */
const PALETTE = ['#4c78a8', '#f58518', '#54a24b', '#b279a2', '#e45756', '#72b7b2', '#9d755d', '#bab0ac'];

const CONFIG = {
  font: 'sans-serif',
  background: 'white',
  title: { fontSize: 16, anchor: 'start', offset: 12 },
  axis: { labelFontSize: 12, titleFontSize: 13, titlePadding: 8 },
  legend: { labelFontSize: 12, titleFontSize: 13, orient: 'top', labelLimit: 260 },
} as const;

/**
 * A colour per series: a known side keeps its own colour in every chart (nginx → php-fpm is the same purple
 * in the throughput and the overload charts), any other series takes the next colour left.
 */
function colour(domain: string[], title: string) {
  let next = SIDE_ORDER.length;
  const range = domain.map((name) => {
    const known = SIDE_ORDER.indexOf(name);
    return PALETTE[(known >= 0 ? known : next++) % PALETTE.length]!;
  });
  return { field: 'side', type: 'nominal' as const, title, sort: domain, scale: { domain, range } };
}

/** Roles of the soak, in the palette's order: the listener, which has the target, first and blue. */
function roleColour(domain: string[]) {
  const range = domain.map((_, i) => PALETTE[i % PALETTE.length]!);
  return { field: 'side', type: 'nominal' as const, title: 'role', sort: domain, scale: { domain, range } };
}

/** The scenario's name without its comparison: "CPU-bound handler, 1 ms of synchronous work". */
const scenarioTitle = (scenario: number) =>
  `${scenario}. ${(SCENARIO_DESCRIPTIONS[scenario] ?? `Scenario ${scenario}`).split(':')[0]!}`;

interface ThroughputRow {
  scenario: number;
  variant: string;
  side: string;
  median: number;
  min: number;
  max: number;
}

/**
 * One panel per scenario, each with its own req/s axis: a 1 MB download and a cache hit differ a
 * hundredfold, and on one axis the slow scenarios' bars would be too short to compare.
 */
function throughputPanel(scenario: number, rows: ThroughputRow[], colours: string[]) {
  const sides = orderSides(rows.map((r) => r.side));
  const y = {
    field: 'variant',
    type: 'nominal',
    title: null,
    sort: null,
    scale: { paddingInner: 0.25 },
  } as const;
  const yOffset = { field: 'side', type: 'nominal', sort: sides, scale: { domain: sides } } as const;
  return {
    title: { text: scenarioTitle(scenario), fontSize: 13, frame: 'group' as const },
    width: WIDTH - 170,
    height: { step: 16, for: 'offset' as const },
    data: { values: rows },
    layer: [
      {
        mark: { type: 'bar' as const },
        encoding: {
          y,
          yOffset,
          x: { field: 'median', type: 'quantitative' as const, title: 'req/s' },
          color: colour(colours, 'side'),
        },
      },
      {
        mark: { type: 'rule' as const, color: '#333' },
        encoding: { y, yOffset, x: { field: 'min', type: 'quantitative' as const }, x2: { field: 'max' } },
      },
    ],
  };
}

function throughputSpec(results: ScenarioResults): vl.TopLevelSpec | undefined {
  const rows: ThroughputRow[] = results.figures
    .filter((f) => THROUGHPUT_SCENARIOS.has(f.scenario) && f.metric === 'req/s' && f.values.length > 0)
    .map((f) => ({ scenario: f.scenario, variant: f.variant, side: f.side, ...spread(f.values) }));
  if (rows.length === 0) return undefined;
  const colours = orderSides(rows.map((r) => r.side));
  const scenarios = [...new Set(rows.map((r) => r.scenario))].sort((a, b) => a - b);
  return {
    title: {
      text: 'Throughput, w3pool and its peers',
      subtitle: 'Median req/s over the runs; whiskers span min to max',
    },
    vconcat: scenarios.map((scenario) =>
      throughputPanel(
        scenario,
        rows.filter((r) => r.scenario === scenario),
        colours,
      ),
    ),
    spacing: 24,
    // Each panel offsets only the sides it has: a scenario without nginx leaves no gap for it.
    resolve: { scale: { yOffset: 'independent' } },
    config: CONFIG,
  };
}

/**
 * Percentiles on a "nines" axis, -log10(1 - p/100): 90 → 1, 99 → 2, 99.9 → 3, so the tail a user waits in
 * gets as much room as the median. p100 (the slowest request) would be infinitely far right and is left out.
 */
const nines = (percentile: number) => -Math.log10(1 - percentile / 100);

function overloadLatencySpec(results: ScenarioResults): vl.TopLevelSpec | undefined {
  const profiles = results.latency.filter((p) => p.scenario === OVERLOAD_SCENARIO);
  const variants = new Set(profiles.map((p) => p.variant));
  const rows = profiles.flatMap((p) =>
    p.percentiles
      .filter((q) => q.percentile > 0 && q.percentile < 100 && Number.isFinite(q.ms))
      .map((q) => ({
        side: variants.size > 1 ? `${p.side} (${p.variant})` : p.side,
        nines: nines(q.percentile),
        percentile: q.percentile,
        ms: q.ms,
      })),
  );
  if (rows.length === 0) return undefined;
  const sides = orderSides(rows.map((r) => r.side));
  const ticks = [...new Set(rows.map((r) => r.nines))].sort((a, b) => a - b);
  // A log scale shows a 1 ms 503 and a 2 s queued request on one axis; it cannot show 0.
  const positive = rows.every((r) => r.ms > 0);
  return {
    title: {
      text: 'Latency under overload (3× capacity)',
      subtitle: `Percentiles of each side's run in the last round; latency on a ${positive ? 'log' : 'linear'} scale`,
    },
    width: WIDTH - 110,
    height: 320,
    data: { values: rows },
    mark: { type: 'line', point: true, strokeWidth: 2 },
    encoding: {
      x: {
        field: 'nines',
        type: 'quantitative',
        title: 'percentile (%)',
        scale: { zero: false },
        axis: { values: ticks, labelExpr: "format(100 - 100 * pow(10, -datum.value), '.4~f')", grid: true },
      },
      y: {
        field: 'ms',
        type: 'quantitative',
        title: 'latency (ms)',
        scale: { type: positive ? 'log' : 'linear' },
      },
      color: colour(sides, 'side'),
    },
    config: CONFIG,
  };
}

/** The listener's soak target, drawn so the reader sees the headroom. */
const LISTENER_RSS_BAR_MB = 150;

function soakRssSpec(results: ScenarioResults): vl.TopLevelSpec | undefined {
  const rows = results.rss
    .filter((s) => Number.isFinite(s.rssMb))
    .map((s) => ({ side: s.role, minutes: s.seconds / 60, rssMb: s.rssMb }));
  if (rows.length === 0) return undefined;
  const roles = [...new Set(rows.map((r) => r.side))].sort(
    (a, b) => Number(b === 'listener') - Number(a === 'listener'),
  );
  return {
    title: {
      text: 'Memory over the soak (256 connections)',
      subtitle: `Resident set size by role; dashed: listener target, ${LISTENER_RSS_BAR_MB} MB`,
    },
    width: WIDTH - 110,
    height: 320,
    layer: [
      {
        data: { values: rows },
        mark: { type: 'line', strokeWidth: 2 },
        encoding: {
          x: { field: 'minutes', type: 'quantitative', title: 'time (minutes)' },
          y: { field: 'rssMb', type: 'quantitative', title: 'RSS (MB)' },
          color: roleColour(roles),
        },
      },
      {
        data: { values: [{ rssMb: LISTENER_RSS_BAR_MB }] },
        mark: { type: 'rule', strokeDash: [6, 4], color: '#888' },
        encoding: { y: { field: 'rssMb', type: 'quantitative' } },
      },
    ],
    config: CONFIG,
  };
}

/** The SVG of a Vega-Lite spec, rendered headless: 'none' renders no canvas, toSVG() serialises the scene. */
export async function renderSvg(spec: vl.TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** The specs of the page's charts; a chart with no data has none and is not written. */
export function chartSpecs(results: ScenarioResults): { file: string; spec: vl.TopLevelSpec | undefined }[] {
  return [
    { file: CHART_FILES.throughput, spec: throughputSpec(results) },
    { file: CHART_FILES.overloadLatency, spec: overloadLatencySpec(results) },
    { file: CHART_FILES.soakRss, spec: soakRssSpec(results) },
  ];
}

/** Writes each chart that has data into dir (created if missing); returns the file names written. */
export async function writeCharts(results: ScenarioResults, dir: string): Promise<string[]> {
  const written: string[] = [];
  for (const { file, spec } of chartSpecs(results)) {
    if (spec === undefined) continue;
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, file), await renderSvg(spec));
    written.push(file);
  }
  return written;
}
