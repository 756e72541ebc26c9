import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest } from '../helpers/http-client.js';
import { siteConfig, startSystem, testHandlers, type RunningSystem } from '../helpers/system.js';

/** mulberry32: a small seeded PRNG, so a failing case can be replayed from the printed seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEEDS = [
  'GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n',
  'GET /docs/?a=1&b=%20 HTTP/1.1\r\nHost: x\r\nUser-Agent: fuzz\r\nAccept: */*\r\n\r\n',
  'POST /echo.test HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello',
  'POST /upload.test HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
  'HEAD /style.css HTTP/1.0\r\n\r\n',
  'GET /range.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=0-3\r\nIf-None-Match: "x"\r\n\r\n',
];
const TOKENS = [
  '\r\n',
  '\r',
  '\n',
  '\0',
  ':',
  ' ',
  '%',
  '%00',
  '%2e%2e/',
  '..\\',
  '\u00ff',
  'HTTP/9.9',
  'Content-Length: -1\r\n',
  'Transfer-Encoding: chunked\r\n',
  'Host: \r\n',
  'Content-Length: 99999999999999999999\r\n',
  'ffffffffffffffff\r\n',
  '\t',
  '?',
  '#',
];

function mutate(random: () => number): Buffer {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  let text = pick(SEEDS);
  const rounds = 1 + Math.floor(random() * 4);
  for (let r = 0; r < rounds; r += 1) {
    const at = Math.floor(random() * (text.length + 1));
    switch (Math.floor(random() * 6)) {
      case 0: // insert a token
        text = text.slice(0, at) + pick(TOKENS) + text.slice(at);
        break;
      case 1: // delete a span
        text = text.slice(0, at) + text.slice(at + 1 + Math.floor(random() * 8));
        break;
      case 2: // flip a character
        text = text.slice(0, at) + String.fromCharCode(Math.floor(random() * 256)) + text.slice(at + 1);
        break;
      case 3: // repeat a span many times
        text =
          text.slice(0, at) + text.slice(at, at + 4).repeat(1 + Math.floor(random() * 3000)) + text.slice(at);
        break;
      case 4: // truncate
        text = text.slice(0, at);
        break;
      default: // pure noise
        text = Array.from({ length: Math.floor(random() * 200) }, () =>
          String.fromCharCode(Math.floor(random() * 256)),
        ).join('');
    }
  }
  return Buffer.from(text, 'latin1');
}

/** Send bytes, half-close, and return the status codes of whatever responses came back. */
function exchange(port: number, payload: Buffer): Promise<number[]> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      resolve([...text.matchAll(/HTTP\/1\.[01] (\d{3})/g)].map((m) => Number(m[1])));
    };
    const timer = setTimeout(finish, 1500);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', finish);
    socket.on('error', () => undefined);
    socket.end(payload);
  });
}

// Random and mutated raw requests over real sockets: the listener answers each with a status or closes the
// connection, never with a 500 of its own, and keeps running.
describe('listener fuzzing', () => {
  let system: RunningSystem;
  beforeAll(async () => {
    system = await startSystem({
      config: ([port]) => ({ ...siteConfig(port!), webServer: { handlers: testHandlers() } }),
    });
  });
  afterAll(async () => {
    await system?.stop();
  });

  it('survives 1500 mutated requests and still serves a valid one', async () => {
    const seed = Number(process.env.W3POOL_FUZZ_SEED ?? Date.now() % 1_000_000);
    const random = prng(seed);
    const cases = Array.from({ length: 1500 }, () => mutate(random));
    const statuses: number[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < cases.length) statuses.push(...(await exchange(system.port, cases[next++]!)));
      }),
    );
    expect(system.listener.running, `listener died (seed ${seed})`).toBe(true);
    expect(
      statuses.filter((s) => s === 500),
      `500s (seed ${seed})`,
    ).toEqual([]);
    expect(statuses.some((s) => s >= 400 && s < 500)).toBe(true);
    const after = await httpRequest(`${system.baseUrl}/index.html`);
    expect(after.status).toBe(200);
    expect(system.listener.output()).not.toMatch(/uncaught|unhandled/i);
  });
});
