import { createServer, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runOpenLoop } from './open-loop-client.js';
import { runOpenLoopProcess } from './run-open-loop.js';

// Real sockets: each test starts a node:http server on port 0 and loads it from this process (the CLI test
// from a child process). The servers are closed, their connections cut, after every test.
const servers: Server[] = [];
const cleanups: (() => void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  );
});

/** A server on a free loopback port; resolves to its base URL. */
async function serve(handler: RequestListener): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const answer: RequestListener = (_request, response) => response.end('ok');

describe('runOpenLoop', () => {
  it('sends exactly what the schedule says, at the rate asked', async () => {
    const { url } = await serve(answer);
    const result = await runOpenLoop({ url: `${url}/`, rate: 400, durationSeconds: 2 });
    expect(result).toMatchObject({
      rate: 400,
      durationSeconds: 2,
      sent: 800,
      completed: 800,
      timeouts: 0,
      errors: 0,
    });
    expect(result.byStatus).toEqual({ '200': 800 });
    expect(result.latency.count).toBe(800);
    expect(Math.abs(result.achievedRate - 400)).toBeLessThanOrEqual(40);
    expect(result.maxLagMs).toBeGreaterThanOrEqual(0);
    expect(result.percentiles.map(({ percentile }) => percentile)).toEqual([
      50, 75, 90, 95, 99, 99.9, 99.99, 100,
    ]);
    expect(result.percentiles.at(-1)!.ms).toBe(result.latency.maxMs);
  });

  it('charges a server stall to every request due during it (no coordinated omission)', async () => {
    // Every request arriving from 500 ms to 1000 ms after the first one is held, then all are answered.
    let first: number | undefined;
    let released = false;
    const held: ServerResponse[] = [];
    const { url } = await serve((_request, response) => {
      if (first === undefined) {
        first = performance.now();
        const release = setTimeout(() => {
          released = true;
          for (const waiting of held.splice(0)) waiting.end('ok');
        }, 1000);
        cleanups.push(() => clearTimeout(release));
      }
      if (!released && performance.now() - first >= 500) held.push(response);
      else response.end('ok');
    });
    // Two connections: during the stall both hold a request and the rest (about 98 of the 100 due in the
    // window) wait in undici's queue. A request due at D in the first 90 ms of the stall cannot complete
    // before the release, ≥ first + 1000 ms, so it takes ≥ 410 ms from its due time: ~18 requests, more than
    // the 4 above p99's rank (396 of 400), and ~60 due in its first 300 ms take ≥ 200 ms, more than the 40
    // above p90's. This holds on any host, however slow. A generator that timed requests from when they got
    // a connection (or, like wrk, sent only on a free connection) would see only the 2 held requests slow:
    // 0.5 % of 400, so its p99 and p90 would be the few milliseconds of the drain after the release.
    const result = await runOpenLoop({
      url: `${url}/`,
      rate: 200,
      durationSeconds: 2,
      connections: 2,
      timeoutMs: 5000,
    });
    expect(result).toMatchObject({ sent: 400, completed: 400, timeouts: 0, errors: 0 });
    expect(result.latency.p99Ms).toBeGreaterThanOrEqual(400);
    expect(result.latency.p90Ms).toBeGreaterThanOrEqual(200);
    expect(result.latency.maxMs).toBeGreaterThanOrEqual(400);
    // Three quarters of the requests were due outside the stall and its drain: the median stays small.
    expect(result.latency.p50Ms).toBeLessThan(100);
  });

  it('counts a request that is never answered as a timeout, not as a latency', async () => {
    const { url } = await serve((request, response) => {
      if (request.url !== '/hang') response.end('ok');
    });
    const result = await runOpenLoop({ url: `${url}/hang`, rate: 20, durationSeconds: 1, timeoutMs: 300 });
    expect(result).toMatchObject({ sent: 20, completed: 0, timeouts: 20, errors: 0, byStatus: {} });
    expect(result.latency.count).toBe(0);
    expect(result.latencyByStatus).toEqual({});
  });

  it('counts connection errors on a closed port without throwing', async () => {
    const { url, server } = await serve(answer);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const result = await runOpenLoop({ url: `${url}/`, rate: 20, durationSeconds: 0.5, timeoutMs: 2000 });
    expect(result).toMatchObject({ sent: 10, completed: 0, timeouts: 0, errors: 10 });
    expect(result.latency.count).toBe(0);
  });

  it('splits counts and latencies by status, reading whole bodies so connections are reused', async () => {
    // 256 KiB bodies, past the 128 KiB at which body.dump() would give up and close the connection.
    const big = Buffer.alloc(256 * 1024, 'b');
    let requests = 0;
    let connections = 0;
    const { url, server } = await serve((_request, response) => {
      const odd = requests++ % 2 === 1;
      response.statusCode = odd ? 503 : 200;
      response.end(odd ? 'busy' : big);
    });
    server.on('connection', () => connections++);
    const result = await runOpenLoop({ url: `${url}/`, rate: 100, durationSeconds: 1, connections: 16 });
    expect(result).toMatchObject({ sent: 100, completed: 100, timeouts: 0, errors: 0 });
    expect(result.byStatus).toEqual({ '200': 50, '503': 50 });
    expect(result.latencyByStatus['200']!.count).toBe(50);
    expect(result.latencyByStatus['503']!.count).toBe(50);
    // At most the pool's 16; a client that dropped each big response's connection would open 50 or more.
    expect(connections).toBeLessThanOrEqual(16);
  });
});

describe('runOpenLoopProcess', () => {
  it('runs the built CLI as a child process and reads its one line of JSON and its CPU', async () => {
    const { url } = await serve(answer);
    // The TypeScript sources run here; the child runs the build (pnpm build) from dist.
    const script = fileURLToPath(new URL('../../dist/open-loop/main.js', import.meta.url));
    const result = await runOpenLoopProcess({
      url: `${url}/`,
      rate: 100,
      durationSeconds: 1,
      timeoutMs: 2000,
      script,
    });
    expect(result).toMatchObject({ rate: 100, durationSeconds: 1, sent: 100, completed: 100, errors: 0 });
    expect(result.byStatus).toEqual({ '200': 100 });
    expect(Number.isFinite(result.cpuTicks)).toBe(true);
    expect(result.cpuTicks).toBeGreaterThanOrEqual(0);
  });
});
