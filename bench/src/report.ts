import { domainsNotes, domainsSection } from './domain-report.js';
import type { Machine } from './machine.js';
import { table } from './markdown.js';
import type { BenchOptions } from './options.js';
import { LABELS, type BenchResults, type Label } from './results.js';
import { summarize, type Summary } from './summary.js';
import { evaluateTargets, findSummary } from './targets.js';

export interface ReportInput {
  options: BenchOptions;
  machine: Machine;
  startedAt: Date;
  results: BenchResults;
}

/** CPU columns, in the order of the request path. The node:http server and the raw listener count as listener. */
const ROLES = ['listener', 'worker', 'pool host', 'WAS', 'redis', 'wrk'] as const;

const fixed = (n: number | undefined, digits: number) =>
  n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(digits);
const thousands = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
/** Enough digits to tell small per-request figures apart (0.004 calls/req), few for large ones. */
const figure = (n: number) => fixed(n, n >= 10 ? 1 : n >= 0.1 ? 2 : 3);
const ratio = (value: Summary, base: Summary | undefined) =>
  base ? fixed(value.requestsPerSecond.median / base.requestsPerSecond.median, 3) : '–';

function casesTable(summaries: Summary[]): string {
  const rows = summaries.map((s) => {
    const at = (label: Label) => findSummary(summaries, label, s.measurement.connections);
    const is4k = s.measurement.label === LABELS.cache || s.measurement.label === LABELS.node4k;
    return [
      s.measurement.label,
      String(s.measurement.connections),
      thousands(s.requestsPerSecond.median),
      thousands(s.requestsPerSecond.min),
      thousands(s.requestsPerSecond.max),
      fixed(s.p50Ms, 2),
      fixed(s.p99Ms, 2),
      fixed(s.maxMs, 1),
      String(s.non2xx),
      String(s.socketErrors),
      ratio(s, at(LABELS.nodeHello)),
      ratio(s, at(LABELS.raw)),
      is4k ? ratio(s, at(LABELS.node4k)) : '–',
    ];
  });
  const headers = [
    'case',
    'conns',
    'req/s',
    'min',
    'max',
    'p50 ms',
    'p99 ms',
    'slowest ms',
    'non-2xx',
    'socket errors',
  ];
  return table([...headers, '× node hello', '× raw hop', '× node 4 KB'], rows, [
    'left',
    ...Array<'right'>(12).fill('right'),
  ]);
}

function cpuTable(summaries: Summary[], cell: (cpu: { percent: number; usPerRequest: number }) => string) {
  const rows = summaries.map((s) => {
    const cells = ROLES.map((role) => {
      const cpu = s.cpu.get(role);
      return cpu ? cell(cpu) : '–';
    });
    const total = [...s.cpu.values()].reduce(
      (sum, c) => ({ percent: sum.percent + c.percent, usPerRequest: sum.usPerRequest + c.usPerRequest }),
      { percent: 0, usPerRequest: 0 },
    );
    return [s.measurement.label, String(s.measurement.connections), ...cells, cell(total)];
  });
  return table(['case', 'conns', ...ROLES, 'total'], rows, ['left', ...Array<'right'>(8).fill('right')]);
}

/** Redis command names as Redis's documentation writes them: `PUBSUB NUMSUB`, not `pubsub|numsub`. */
const commandName = (name: string) => name.toUpperCase().replaceAll('|', ' ');

function redisTable(summaries: Summary[]): string {
  const rows = summaries.flatMap((s) => {
    if (!s.redis) return [];
    const top = s.redis.top
      .map((c) => `${commandName(c.name)} ${figure(c.callsPerRequest)}/req ${figure(c.usPerRequest)} µs`)
      .join('; ');
    return [
      [
        s.measurement.label,
        String(s.measurement.connections),
        figure(s.redis.usPerRequest),
        figure(s.cpu.get('redis')?.usPerRequest ?? Number.NaN),
        figure(s.redis.callsPerRequest),
        top || '–',
      ],
    ];
  });
  const headers = ['case', 'conns', 'commands µs/req', 'redis-server CPU µs/req', 'calls/req'];
  return table([...headers, 'top 5 commands by time: calls/req, µs/req'], rows, [
    'left',
    'right',
    'right',
    'right',
    'right',
    'left',
  ]);
}

function targetsTable(summaries: Summary[]): string {
  const rows = evaluateTargets(summaries).map((t) => [
    t.target,
    t.measured,
    t.bar,
    t.met === undefined ? '–' : t.met ? 'met' : 'NOT met',
  ]);
  return table(['target', 'measured', 'bar', 'result'], rows, ['left', 'right', 'right', 'left']);
}

/** Warnings the figures themselves raise: errors during a run, a cache case that still goes to Redis. */
function observations(summaries: Summary[]): string[] {
  const notes: string[] = [];
  for (const s of summaries) {
    const name = `${s.measurement.label} at ${s.measurement.connections} conns`;
    if (s.non2xx + s.socketErrors > 0)
      notes.push(`${name}: ${s.non2xx} non-2xx responses and ${s.socketErrors} socket errors over the runs.`);
    if (s.measurement.label === LABELS.cache && (s.redis?.callsPerRequest ?? 0) > 0.5)
      notes.push(
        `${name}: ${fixed(s.redis?.callsPerRequest, 2)} Redis calls per request: hits are not coming from the cache.`,
      );
  }
  return notes;
}

function notesSection(input: ReportInput, summaries: Summary[]): string {
  const failures = input.results.failures.map(
    (f) => `- **${f.caseName} case failed** in round ${f.round}: \`${f.error}\``,
  );
  const notes = [...input.results.notes, ...domainsNotes(summaries), ...observations(summaries)].map(
    (n) => `- ${n}`,
  );
  const lines = [...failures, ...notes];
  return lines.length === 0 ? '' : `## Notes\n\n${lines.join('\n')}\n`;
}

/** The tables of the run, in markdown: printed to the terminal and, with --write, the body of the page. */
export function renderTables(input: ReportInput): string {
  const summaries = input.results.measurements.map(summarize);
  const { options } = input;
  const setup = `wrk -t1 --latency, ${options.runs} round(s); in each, every case starts, makes one run of ${options.seconds} s per connection count after a ${options.warmupSeconds} s warm-up, and stops, so the cases are measured interleaved and a host whose speed drifts slows them alike.`;
  return [
    `## Cases\n\n${setup} req/s is the median over the runs, with min and max; p50 and p99 are medians, slowest is the slowest request of any run; errors are totals; ratios compare medians at the same connection count.\n\n${casesTable(summaries)}\n`,
    `## CPU, % of one core\n\nFrom \`/proc/<pid>/stat\` (utime + stime) at the start and end of each run, over all runs. worker is every w3wp child of the pool host (the raw hop's worker, and the domains case's bench worker, for those cases); listener is the node:http server in the node cases.\n\n${cpuTable(summaries, (c) => fixed(c.percent, 0))}\n`,
    `## CPU µs per request\n\nCPU time over all runs divided by the requests wrk completed; total includes wrk.\n\n${cpuTable(summaries, (c) => fixed(c.usPerRequest, 1))}\n`,
    `## Redis time per request\n\nThe redis-server CPU per request (from /proc) is everything Redis did for the hop, counted once: commands, scripts, networking and its event loop; the target uses it. \`INFO commandstats\` (after a \`CONFIG RESETSTAT\` before each run) breaks it down by command; its sum of every command but INFO and CONFIG over-counts scripted work, because an EVALSHA's time already includes the commands the script runs, and those are listed again under their own names.\n\n${redisTable(summaries)}\n`,
    domainsSection(summaries),
    `## Targets\n\n${targetsTable(summaries)}\n`,
    notesSection(input, summaries),
  ]
    .filter((section) => section !== '')
    .join('\n');
}

/** The generated docs/performance.md: when, on what, how, then the tables. */
export function renderPage(input: ReportInput): string {
  const { machine, options, startedAt } = input;
  const when = `${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const concurrency =
    options.concurrency === undefined ? 'the configuration default' : String(options.concurrency);
  return `# Performance

Generated by \`pnpm bench\` on ${when}. Do not edit by hand: regenerate with
\`pnpm bench -- --write docs/performance.md\` (about twenty minutes; the harness is in \`bench/src\`).

Every case ran in this one run on this machine; wrk shares the cores with the processes it measures, so
compare ratios within this page, not absolute figures across pages.

- Date: ${when}
- Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.ramGiB.toFixed(1)} GiB RAM
- Node ${machine.node}; ${machine.redis}; ${machine.wrk}
- Command: \`${options.commandLine}\`
- w3pool workerConcurrency: ${concurrency}

The cases:

- **${LABELS.nodeHello}**, **${LABELS.node4k}**: one node:http process answering from memory, the ceiling.
- **${LABELS.raw}**: a minimal listener (LPUSH a small JSON request, wait for the reply on its own channel)
  and a minimal worker (BLMPOP RIGHT, so first in first out, up to 64 at a time; one PUBLISH per reply), two processes and Redis: the least a hop
  through Redis costs (\`bench/src/raw-hop\`).
- **${LABELS.w3pool}**: Redis, WAS, the listener and a pool host with its w3wp child, as \`npm start\` runs
  them; \`/hello\` is mapped to a tiny extension, so every request crosses the whole dynamic path.
- **${LABELS.domainTakes}**, **${LABELS.domainRelays}**: the real Redis, WAS and listener with a bench worker
  process in place of the pool host, its one application domain thread answering hello; A takes from the pool
  queue itself, B is fed by the process's main thread one message per batch each way (\`bench/src/domain-hop\`).
- **${LABELS.cache}**: the same system serving a 4,096-byte \`.txt\` through the StaticFile mapping, from the
  listener's response cache after the warm-up.

${renderTables(input)}`;
}
