import { connect, type Socket } from 'node:net';
import { request } from 'node:http';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest } from '../helpers/http-client.js';
import { eventually, startSystem, testHandlers, type RunningSystem } from '../helpers/system.js';

const MB = 1024 * 1024;
/** minBytesPerSecond for this suite: high enough that a stalled client is judged in one 10 s window. */
const MIN_RATE = 20_000;
const BANDWIDTH = 200_000;
const CACHE_SITE_BANDWIDTH = 20_000;
const ENTITY_LIMIT = 4_000_000;

function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.on('error', reject);
  });
}

/** Send one request on `socket` and resolve with the head and body text once a whole response is in. */
function exchange(socket: Socket, path: string): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString('latin1');
      const length = /content-length: (\d+)/i.exec(text)?.[1];
      const headEnd = text.indexOf('\r\n\r\n');
      if (length !== undefined && headEnd !== -1 && text.length >= headEnd + 4 + Number(length)) {
        socket.off('data', onData);
        resolve(text);
      }
    };
    socket.on('data', onData);
    socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
  });
}

/** Resolves when the server closes the socket, with how many bytes it sent. */
function closed(socket: Socket): Promise<number> {
  return new Promise((resolve) => {
    let bytes = 0;
    socket.on('data', (c: Buffer) => (bytes += c.length));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(bytes));
  });
}

/** `promise`, or a failure naming `what` once `ms` have passed. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** A GET read as fast as it comes, timed from the request to its last byte. */
function timedGet(url: string): Promise<{ status: number; bytes: number; elapsedMs: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    request(url, { agent: false }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, bytes, elapsedMs: performance.now() - started }),
      );
    })
      .on('error', reject)
      .end();
  });
}

/** Upload `total` bytes as fast as the listener takes them; resolves with the response. */
function upload(url: string, total: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent: false, headers: { 'content-length': total } });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    const block = Buffer.alloc(64 * 1024, 7);
    let sent = 0;
    const pump = () => {
      while (sent < total) {
        const piece = block.subarray(0, Math.min(block.length, total - sent));
        sent += piece.length;
        if (!req.write(piece)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

function site(id: number, port: number, root: string, limits: Record<string, unknown> = {}) {
  return {
    name: `Site ${id}`,
    id,
    bindings: [{ protocol: 'http', bindingInformation: `127.0.0.1:${port}:` }],
    limits,
    applications: [
      {
        path: '/',
        applicationPool: 'DefaultAppPool',
        virtualDirectories: [{ path: '/', physicalPath: root }],
      },
    ],
  };
}

// http.sys's connection limits: connections per site (ConnLimit), the minimum transfer rate both ways
// (Timer_MinBytesPerSecond), bandwidth per site, and serverRuntime's largest request entity.
describe('listener limits', () => {
  let system: RunningSystem;
  let root: string;
  let limitedPort: number;
  let plainPort: number;
  let throttledPort: number;
  let cachePort: number;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'w3pool-limits-site-'));
    await writeFile(join(root, 'index.html'), '<p>hello</p>');
    await writeFile(join(root, 'big.txt'), Buffer.alloc(32 * MB, 'a'));
    await writeFile(join(root, 'mb.txt'), Buffer.alloc(1_000_000, 'b'));
    // One read chunk of the static handler: sent as one message, so the response cache can keep it.
    await writeFile(join(root, 'small.txt'), Buffer.alloc(60_000, 'c'));
    system = await startSystem({
      portCount: 4,
      config: (ports) => {
        [limitedPort, plainPort, throttledPort, cachePort] = ports as [number, number, number, number];
        return {
          applicationPools: [{ name: 'DefaultAppPool' }],
          sites: [
            site(1, limitedPort, root, { maxConnections: 2 }),
            site(2, plainPort, root),
            site(3, throttledPort, root, { maxBandwidth: BANDWIDTH }),
            site(4, cachePort, root, { maxBandwidth: CACHE_SITE_BANDWIDTH }),
          ],
          webLimits: { minBytesPerSecond: MIN_RATE },
          webServer: {
            handlers: testHandlers(),
            serverRuntime: { maxRequestEntityAllowed: ENTITY_LIMIT },
          },
        };
      },
    });
  });
  afterAll(async () => {
    await system?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });
  const httperr = () => readFile(join(system.dir, 'logs/HTTPERR/httperr1.log'), 'utf8').catch(() => '');
  const httperrCount = async (reason: string) =>
    (await httperr()).split('\n').filter((line) => line.split(' ')[11] === reason).length;
  const listenerCounters = async () =>
    (
      JSON.parse(
        (await httpRequest(`${system.wasUrl}/api/listeners`, { headers: system.adminHeaders() })).body,
      ) as { siteConnections: Record<string, number>; uriCacheHits: number }[]
    )[0]!;

  it('answers 503 ConnLimit past a site maxConnections, and accepts a connection again once one closes', async () => {
    const first = await openSocket(limitedPort);
    const second = await openSocket(limitedPort);
    expect(await exchange(first, '/index.html')).toMatch(/^HTTP\/1\.1 200/);
    expect(await exchange(second, '/index.html')).toMatch(/^HTTP\/1\.1 200/);
    // The other sites have their own counts.
    expect((await httpRequest(`http://127.0.0.1:${plainPort}/index.html`)).status).toBe(200);

    const third = await openSocket(limitedPort);
    const thirdClosed = closed(third);
    const refused = await exchange(third, '/index.html');
    expect(refused).toMatch(/^HTTP\/1\.1 503/);
    expect(refused).toContain('LISTENER_CONNECTION_LIMIT');
    expect(refused.toLowerCase()).toContain('connection: close');
    await thirdClosed;
    await eventually(async () => ((await httperrCount('ConnLimit')) >= 1 ? true : undefined), 'ConnLimit');
    const line = (await httperr()).split('\n').find((l) => l.includes(' ConnLimit '))!;
    expect(line.split(' ').slice(9, 12)).toEqual(['503', '1', 'ConnLimit']);
    await eventually(
      async () => ((await listenerCounters()).siteConnections['1'] === 2 ? true : undefined),
      'site 1 shows 2 open connections',
    );

    // The two held connections still work; once one closes, a new connection is accepted.
    expect(await exchange(second, '/index.html')).toMatch(/^HTTP\/1\.1 200/);
    first.destroy();
    await eventually(async () => {
      const status = (await httpRequest(`http://127.0.0.1:${limitedPort}/index.html`)).status;
      return status === 200 ? true : undefined;
    }, 'a connection accepted after one closed');
    second.destroy();
  });

  it('cuts off a client that reads the response far below minBytesPerSecond (Timer_MinBytesPerSecond)', async () => {
    const before = await httperrCount('Timer_MinBytesPerSecond');
    const socket = await openSocket(plainPort);
    socket.pause();
    let received = 0;
    // About 1 KB a second from the socket's buffer: the kernel's buffers fill, then the response stalls.
    const reader = setInterval(() => {
      const piece = socket.read(1024) as Buffer | null;
      received += piece?.length ?? 0;
    }, 1000);
    socket.write('GET /big.txt HTTP/1.1\r\nHost: x\r\n\r\n');
    await eventually(
      async () => ((await httperrCount('Timer_MinBytesPerSecond')) > before ? true : undefined),
      'Timer_MinBytesPerSecond logged',
      40_000,
    );
    clearInterval(reader);
    // A paused socket notices nothing; reading on, it finds the connection reset before the end of the file.
    const rest = closed(socket);
    socket.resume();
    received += await within(rest, 10_000, 'the slow reader to see its connection closed');
    expect(received).toBeLessThan(32 * MB);
  });

  it('lets a normal client download the whole large file', async () => {
    const result = await timedGet(`http://127.0.0.1:${plainPort}/big.txt`);
    expect(result.status).toBe(200);
    expect(result.bytes).toBe(32 * MB);
  });

  it('cuts off a client that sends the body far below minBytesPerSecond, and not a normal upload', async () => {
    const before = await httperrCount('Timer_MinBytesPerSecond');
    const socket = await openSocket(plainPort);
    const gone = closed(socket);
    socket.write('POST /upload.test HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n');
    // 100 bytes every half second: well under the rate, but never idle long enough for Timer_EntityBody.
    const trickle = setInterval(() => socket.writable && socket.write(Buffer.alloc(100, 1)), 500);
    const answered = await within(gone, 40_000, 'the slow sender cut off');
    clearInterval(trickle);
    expect(answered).toBe(0); // dropped without an answer, as http.sys does
    await eventually(
      async () => ((await httperrCount('Timer_MinBytesPerSecond')) > before ? true : undefined),
      'Timer_MinBytesPerSecond logged for the sender',
    );

    const normal = await upload(`http://127.0.0.1:${plainPort}/upload.test`, 3_000_000);
    expect(normal.status).toBe(200);
    expect(JSON.parse(normal.body)).toMatchObject({ bytes: 3_000_000 });
  });

  it('refuses a body over maxRequestEntityAllowed with 413, declared or counted', async () => {
    // Declared: refused before any of the body is read, and the connection closes.
    const socket = await openSocket(plainPort);
    const text = new Promise<string>((resolve) => {
      let all = '';
      socket.on('data', (c: Buffer) => (all += c.toString('latin1')));
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(all));
    });
    socket.write(`POST /upload.test HTTP/1.1\r\nHost: x\r\nContent-Length: ${ENTITY_LIMIT + 1}\r\n\r\n`);
    const answer = await within(text, 10_000, 'the 413');
    expect(answer).toMatch(/^HTTP\/1\.1 413/);
    expect(answer).toContain('LISTENER_ENTITY_TOO_LARGE');

    // Chunked: counted as it streams, refused once past the limit.
    const counted = await within(
      new Promise<string>((resolve) => {
        const req = request(`http://127.0.0.1:${plainPort}/upload.test`, {
          method: 'POST',
          agent: false,
          headers: { 'transfer-encoding': 'chunked' },
        });
        req.on('response', (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve(`${res.statusCode} ${body}`));
          res.on('error', () => resolve(`${res.statusCode} ${body}`));
        });
        req.on('error', () => undefined);
        const block = Buffer.alloc(64 * 1024, 3);
        let sent = 0;
        const pump = () => {
          while (sent < ENTITY_LIMIT * 2 && !req.destroyed) {
            sent += block.length;
            if (!req.write(block)) return void req.once('drain', pump);
          }
          req.end();
        };
        pump();
      }),
      20_000,
      'the counted 413',
    );
    expect(counted).toMatch(/^413 /);
    expect(counted).toContain('LISTENER_ENTITY_TOO_LARGE');
  });

  it('throttles a download to the site maxBandwidth (within 20 %)', async () => {
    const result = await timedGet(`http://127.0.0.1:${throttledPort}/mb.txt`);
    expect(result.bytes).toBe(1_000_000);
    const rate = (result.bytes * 1000) / result.elapsedMs;
    console.log(`throttled download: ${Math.round(rate)} B/s for a limit of ${BANDWIDTH} B/s`);
    expect(rate).toBeGreaterThan(BANDWIDTH * 0.8);
    expect(rate).toBeLessThan(BANDWIDTH * 1.2);
  });

  it('throttles a response-cache hit too', async () => {
    const url = `http://127.0.0.1:${cachePort}/small.txt`;
    const hitsBefore = (await listenerCounters()).uriCacheHits;
    // Two hits make the URL frequent (frequentHitThreshold); the third is answered from the cache.
    await timedGet(url);
    await timedGet(url);
    const hit = await timedGet(url);
    await eventually(
      async () => ((await listenerCounters()).uriCacheHits > hitsBefore ? true : undefined),
      'a cache hit counted',
    );
    expect(hit.bytes).toBe(60_000);
    const rate = (hit.bytes * 1000) / hit.elapsedMs;
    console.log(`throttled cache hit: ${Math.round(rate)} B/s for a limit of ${CACHE_SITE_BANDWIDTH} B/s`);
    expect(rate).toBeGreaterThan(CACHE_SITE_BANDWIDTH * 0.8);
    expect(rate).toBeLessThan(CACHE_SITE_BANDWIDTH * 1.2);
  });
});
