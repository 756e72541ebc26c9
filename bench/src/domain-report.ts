import { table } from './markdown.js';
import { LABELS } from './results.js';
import type { Summary } from './summary.js';
import { findSummary } from './targets.js';

// The domains case's own view: the two ways requests reach an application domain, side by side at each
// connection count, with B/A, and one line of notes saying which was faster. A reading, not a verdict: the
// harness asserts nothing.

const A = LABELS.domainTakes;
const B = LABELS.domainRelays;

interface Pair {
  connections: number;
  a: Summary | undefined;
  b: Summary | undefined;
}

function pairs(summaries: Summary[]): Pair[] {
  const counts = summaries
    .filter((s) => s.measurement.label === A || s.measurement.label === B)
    .map((s) => s.measurement.connections);
  return [...new Set(counts)].map((connections) => ({
    connections,
    a: findSummary(summaries, A, connections),
    b: findSummary(summaries, B, connections),
  }));
}

const fixed = (n: number | undefined, digits: number) =>
  n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(digits);
const rps = (s: Summary) => s.requestsPerSecond.median;
const cpuUs = (s: Summary, role: string) => s.cpu.get(role)?.usPerRequest;
const totalCpuUs = (s: Summary) => [...s.cpu.values()].reduce((sum, c) => sum + c.usPerRequest, 0);

function row(s: Summary, base: Summary | undefined): string[] {
  return [
    s.measurement.label,
    String(s.measurement.connections),
    Math.round(rps(s)).toLocaleString('en-US'),
    fixed(s.p50Ms, 2),
    fixed(s.p99Ms, 2),
    fixed(cpuUs(s, 'worker'), 1),
    fixed(cpuUs(s, 'listener'), 1),
    fixed(cpuUs(s, 'redis'), 1),
    fixed(s.redis?.usPerRequest, 2),
    fixed(s.redis?.callsPerRequest, 2),
    fixed(totalCpuUs(s), 1),
    base ? fixed(rps(s) / rps(base), 3) : '–',
  ];
}

/** The section, or '' when the domains case was not measured. */
export function domainsSection(summaries: Summary[]): string {
  const rows = pairs(summaries).flatMap(({ a, b }) =>
    [a, b].filter((s) => s !== undefined).map((s) => row(s, a)),
  );
  if (rows.length === 0) return '';
  const headers = [
    'variant',
    'conns',
    'req/s',
    'p50 ms',
    'p99 ms',
    'worker CPU µs/req',
    'listener CPU µs/req',
  ];
  const more = ['redis-server CPU µs/req', 'Redis commands µs/req', 'Redis calls/req', 'total CPU µs/req'];
  const text = `## Application domains: the domain takes (A) or the main thread relays batches (B)

The real Redis, WAS and listener; in place of the pool host, a bench worker process (\`bench/src/domain-hop\`) with one application domain thread answering hello. A: the thread owns the queue consumer and takes, answers and publishes itself. B: the process's main thread owns the same consumer, posts each batch it takes to the thread as one message (the structured-cloned jobs) and publishes the batch of answers the thread posts back once per turn. Same handler, encodings, capacity and Redis roles; a fresh Redis and system per variant. worker CPU is the whole bench worker process, both threads; × A is the ratio of medians, so B's row is B/A.

${table([...headers, ...more, '× A'], rows, ['left', ...Array<'right'>(11).fill('right')])}
`;
  return text;
}

/** One line per connection count measured for both: which variant was faster, and by how much. */
export function domainsNotes(summaries: Summary[]): string[] {
  return pairs(summaries).flatMap(({ connections, a, b }) => {
    if (!a || !b) return [];
    const ratio = rps(b) / rps(a);
    const [faster, slower] = ratio <= 1 ? [a, b] : [b, a];
    const gain = (rps(faster) / rps(slower) - 1) * 100;
    const worker = (s: Summary) => `${fixed(cpuUs(s, 'worker'), 1)} µs`;
    return [
      `domains case at ${connections} conns: **${faster.measurement.label} is faster**, ${Math.round(rps(faster)).toLocaleString('en-US')} req/s against ${Math.round(rps(slower)).toLocaleString('en-US')} for ${slower.measurement.label} (${gain.toFixed(0)} % more; B/A = ${ratio.toFixed(3)}); the worker process spent ${worker(a)} of CPU per request in A and ${worker(b)} in B.`,
    ];
  });
}
