import { Command, InvalidArgumentError, Option } from 'commander';
import { runOpenLoop, type OpenLoopOptions } from './open-loop-client.js';

// `node bench/dist/open-loop/main.js --url U --rate R --duration S`: the open-loop generator as a process of
// its own, so the harness measures its CPU as it does wrk's and it shares no event loop with the servers.
// Prints the OpenLoopResult as one line of JSON on stdout.

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
}

function nonNegativeNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a number ≥ 0');
  return n;
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

function nonNegativeInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected an integer ≥ 0');
  return n;
}

interface RawOptions {
  url: string;
  rate: number;
  duration: number;
  connections?: number;
  timeout?: number;
  method: 'GET' | 'POST';
  bodyBytes?: number;
  warmup?: number;
}

function parseOpenLoopArgs(argv: string[]): OpenLoopOptions {
  const raw = new Command('open-loop')
    .description('Load a URL at a constant request rate; latencies count from each request’s due time.')
    .requiredOption('--url <url>', 'the URL to request')
    .requiredOption('--rate <n>', 'requests per second', positiveNumber)
    .requiredOption('--duration <s>', 'measured seconds', positiveNumber)
    .option('--connections <n>', 'connections (default 64)', positiveInteger)
    .option('--timeout <ms>', 'per-request timeout from its due time (default 10000)', positiveNumber)
    .addOption(new Option('--method <method>', 'HTTP method').choices(['GET', 'POST']).default('GET'))
    .option('--body-bytes <n>', 'request body of n bytes', nonNegativeInteger)
    .option('--warmup <s>', 'seconds at the same rate before the measured window', nonNegativeNumber)
    .parse(argv, { from: 'node' })
    .opts<RawOptions>();
  return {
    url: raw.url,
    rate: raw.rate,
    durationSeconds: raw.duration,
    connections: raw.connections,
    timeoutMs: raw.timeout,
    method: raw.method,
    body: raw.bodyBytes === undefined ? undefined : Buffer.alloc(raw.bodyBytes, 'x'),
    warmupSeconds: raw.warmup,
  };
}

const result = await runOpenLoop(parseOpenLoopArgs(process.argv));
process.stdout.write(`${JSON.stringify(result)}\n`);
