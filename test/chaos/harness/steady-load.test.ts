import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recoveryTime, SteadyLoad } from './steady-load.js';

// The harness's accounting, against a tiny local server that fails on purpose: every request ends as
// answered, a connection error or unanswered, never twice and never not at all.
describe('steady-load accounting', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      const path = req.url ?? '/';
      if (path === '/ok') return void res.setHeader('x-w3pool-worker', 'P:1').end('ok');
      if (path === '/fail')
        return void res
          .writeHead(503)
          .end(
            '<h1>HTTP Error 503.2 - Service Unavailable</h1><p>Error code: <code>POOL_QUEUE_FULL</code></p>',
          );
      if (path === '/reset') return void req.socket.destroy();
      // '/hang': never answers.
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('counts answers, failures by substatus and code, connection errors and unanswered requests', async () => {
    const paths = ['/ok', '/fail', '/reset', '/hang'];
    const load = new SteadyLoad({
      url: (client, sequence) => `${base}${paths[(client + sequence) % paths.length]}`,
      clients: 4,
      durationMs: 60_000,
      maxRequestsPerClient: 4,
      requestTimeoutMs: 300,
    }).start();
    await load.finish();
    const s = load.summary('accounting');
    expect(s.sent).toBe(16);
    expect(s.ok).toBe(4);
    expect(s.failures).toEqual({ '503.2': 4 });
    expect(s.codes).toEqual({ POOL_QUEUE_FULL: 4 });
    expect(s.connectionErrors).toBe(4);
    expect(s.unanswered).toBe(4);
    expect(s.answered + s.connectionErrors + s.unanswered).toBe(s.sent);
    expect(s.workers).toBe(1);
  });

  it('stops within the time bound and waits for every request it sent', async () => {
    const load = new SteadyLoad({
      url: `${base}/ok`,
      clients: 3,
      durationMs: 200,
      requestTimeoutMs: 1000,
    }).start();
    await load.finish();
    const s = load.summary('time-bound');
    expect(s.sent).toBeGreaterThan(0);
    expect(s.ok).toBe(s.sent);
    expect(load.records.every((r) => r.endedAt !== undefined)).toBe(true);
  });

  it('measures recovery from each fault to the end of the last failure it caused', () => {
    const ok = (startedAt: number) => ({ startedAt, endedAt: startedAt + 1, status: 200 });
    const failed = (startedAt: number, endedAt: number) => ({
      startedAt,
      endedAt,
      status: 502,
      label: '502.3',
    });
    const records = [
      ok(0),
      failed(100, 150),
      ok(160),
      failed(250, 400),
      ok(500),
      failed(1100, 1300),
      ok(1400),
    ];
    expect(recoveryTime(records, [90, 1000])).toBe(310);
    expect(recoveryTime([ok(0), ok(10)], [5])).toBe(0);
  });
});
