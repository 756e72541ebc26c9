import { readdir } from 'node:fs/promises';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printOutputOnFailure } from '../helpers/failure-output.js';
import { httpRequest } from '../helpers/http-client.js';
import { rssBytes } from '../helpers/process-memory.js';
import { eventually, siteConfig, startSystem, testHandlers, type RunningSystem } from '../helpers/system.js';
import { parseResponses, rawExchange } from './raw-exchange.js';
import { FULL_FORM, scaled } from './security-form.js';

// Well-formed requests the mutations start from: each reaches a different part of the listener (static
// file, cache, range, the worker's test app with a body, chunked upload, HTTP/1.0).
const SEEDS = [
  'GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n',
  'GET /docs/?a=1&b=%20 HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n',
  'POST /echo.test HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello',
  'POST /upload.test HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
  'HEAD /style.css HTTP/1.0\r\n\r\n',
  'GET /range.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=0-3,5-\r\nIf-None-Match: "x"\r\n\r\n',
];
// Fragments that have broken HTTP parsers before: line ends, NUL, overflowing numbers, encodings.
const TOKENS = [
  '\r\n',
  '\r',
  '\n',
  '\0',
  ':',
  ' ',
  '\t',
  '%',
  '%00',
  '%2e%2e/',
  '..\\',
  '\u00ff',
  'HTTP/9.9',
  '?',
  '#',
  'Content-Length: -1\r\n',
  'Content-Length: 99999999999999999999\r\n',
  'Transfer-Encoding: chunked\r\n',
  'Host: \r\n',
  'ffffffffffffffff\r\n',
  'Expect: 100-continue\r\n',
  'Connection: keep-alive, Upgrade\r\n',
];

type Mutation =
  | { kind: 'insert'; at: number; token: string }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'flip'; at: number; code: number }
  | { kind: 'repeat'; at: number; times: number }
  | { kind: 'truncate'; at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), token: fc.constantFrom(...TOKENS) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), code: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('repeat' as const), at: fc.nat(), times: fc.integer({ min: 1, max: 3000 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);

function apply(text: string, m: Mutation): string {
  const at = m.at % (text.length + 1);
  switch (m.kind) {
    case 'insert':
      return text.slice(0, at) + m.token + text.slice(at);
    case 'delete':
      return text.slice(0, at) + text.slice(at + m.length);
    case 'flip':
      return text.slice(0, at) + String.fromCharCode(m.code) + text.slice(at + 1);
    case 'repeat':
      return text.slice(0, at) + text.slice(at, at + 4).repeat(m.times) + text.slice(at);
    case 'truncate':
      return text.slice(0, at);
  }
}

const mutated = fc
  .tuple(fc.constantFrom(...SEEDS), fc.array(mutation, { minLength: 1, maxLength: 4 }))
  .map(([seed, steps]) => steps.reduce(apply, seed));

// Generated from the grammar's parts, each part sometimes valid and sometimes hostile.
const token = fc.stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,12}$/);
const anyLatin1 = fc.string({
  unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)),
  maxLength: 40,
});
const generated = fc
  .record({
    method: fc.oneof(
      fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'OPTIONS', 'TRACE', 'CONNECT', 'PRI'),
      token,
      anyLatin1,
    ),
    target: fc.oneof(
      fc.constantFrom('/', '/index.html', '/echo.test', '*', 'http://x/index.html', 'x:1'),
      fc.webPath().map((p) => `/${p}`),
      anyLatin1,
    ),
    version: fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/1.10', 'http/1.1', ''),
    headers: fc.array(
      fc.tuple(fc.oneof(token, anyLatin1), fc.oneof(fc.string({ maxLength: 30 }), anyLatin1)),
      {
        maxLength: 8,
      },
    ),
    body: fc.oneof(fc.constant(''), anyLatin1),
    lineEnd: fc.constantFrom('\r\n', '\r\n', '\n', '\r'),
  })
  .map(
    (r) =>
      `${r.method} ${r.target} ${r.version}${r.lineEnd}` +
      r.headers.map(([n, v]) => `${n}: ${v}${r.lineEnd}`).join('') +
      r.lineEnd +
      r.body,
  );

// Well-formed in shape (a real method, path, version and header names, odd values): these get past the parser
// to routing, request filtering, the cache and the worker. They ask for the close themselves, and the client
// keeps its side open: a half-close would tell the listener the client left before its worker answered.
const wellFormed = fc
  .record({
    method: fc.constantFrom('GET', 'HEAD', 'POST', 'OPTIONS', 'DELETE', 'PUT'),
    path: fc.oneof(
      fc.constantFrom('/', '/index.html', '/echo.test', '/docs/', '/range.txt', '/style.css', '/mark.test'),
      fc.webPath().map((p) => `/${p}`),
    ),
    query: fc.oneof(
      fc.constant(''),
      fc.webQueryParameters().map((q) => `?${q}`),
    ),
    headers: fc.array(
      fc.tuple(
        fc.constantFrom(
          'Accept',
          'Range',
          'If-None-Match',
          'If-Modified-Since',
          'Cookie',
          'Accept-Encoding',
          'X-Test',
        ),
        fc.string({
          unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
          maxLength: 60,
        }),
      ),
      { maxLength: 5 },
    ),
    body: fc.string({ maxLength: 64 }),
  })
  .map(
    (r) =>
      `${r.method} ${r.path}${r.query} HTTP/1.1\r\nHost: x\r\n` +
      r.headers.map(([n, v]) => `${n}: ${v}\r\n`).join('') +
      `Content-Length: ${Buffer.byteLength(r.body)}\r\nConnection: close\r\n\r\n${r.body}`,
  );

interface FuzzRequest {
  bytes: Buffer;
  halfClose: boolean;
}

const request: fc.Arbitrary<FuzzRequest> = fc.oneof(
  fc.oneof(mutated, generated).map((text) => ({ bytes: Buffer.from(text, 'latin1'), halfClose: true })),
  wellFormed.map((text) => ({ bytes: Buffer.from(text, 'utf8'), halfClose: false })),
);

async function openDescriptors(pid: number): Promise<number> {
  return (await readdir(`/proc/${pid}/fd`)).length;
}

// The listener under raw, generated and mutated bytes: it never crashes nor leaks (same pid, bounded RSS,
// its descriptors back to where they were), and whatever it sends is valid HTTP, or it closes the socket.
describe('security: raw-socket fuzzing of the listener (fast-check)', () => {
  let system: RunningSystem;
  printOutputOnFailure(() => system);
  beforeAll(async () => {
    system = await startSystem({
      config: ([port]) => ({ ...siteConfig(port!), webServer: { handlers: testHandlers() } }),
    });
  });
  afterAll(async () => {
    await system?.stop();
  });

  it(
    `answers ${FULL_FORM ? '10,000' : '~1,000'} hostile requests with valid HTTP or a close, and leaks nothing`,
    { timeout: FULL_FORM ? 1_800_000 : 120_000 },
    async () => {
      const pid = system.listener.pid;
      // Warm up first: the first requests load code and fill caches, which is not a leak.
      for (const seed of SEEDS) await rawExchange(system.port, seed);
      const rssBefore = await rssBytes(pid);
      const fdsBefore = await openDescriptors(pid);
      const BATCH = 16;
      const total = scaled(1000, 10_000);
      const seed = Number(process.env.W3POOL_FUZZ_SEED ?? Date.now() % 1_000_000);
      let sent = 0;
      let closedOnly = 0;
      const statuses = new Map<number, number>();
      const started = Date.now();
      // A batch of requests at once on separate sockets: the listener sees concurrency, and a failing batch
      // shrinks to the one request (and the smallest mutation of it) that breaks the property.
      const property = fc.asyncProperty(
        fc.array(request, { minLength: 1, maxLength: BATCH }),
        async (batch) => {
          const answers = await Promise.all(
            batch.map((r) => rawExchange(system.port, r.bytes, 5000, r.halfClose)),
          );
          sent += batch.length;
          for (const answer of answers) {
            const parsed = parseResponses(answer.bytes);
            if (parsed.length === 0) closedOnly += 1;
            for (const status of parsed) {
              statuses.set(status, (statuses.get(status) ?? 0) + 1);
              // A 500 is the listener's own failure to handle what it was sent.
              if (status === 500) throw new Error('the listener answered 500');
            }
          }
          if (!system.listener.running) throw new Error('the listener died');
        },
      );
      // fast-check favours short arrays, so the count of requests a run sends is not known ahead: rounds of
      // the property (each with the next seed, printed on failure) until the form's count has been sent.
      for (let round = 0; sent < total; round += 1)
        await fc.assert(property, { numRuns: Math.ceil((total - sent) / 6), seed: seed + round });
      const seconds = (Date.now() - started) / 1000;
      expect(system.listener.running).toBe(true);
      expect(system.listener.pid).toBe(pid);
      // Still serving, and every socket the fuzzing opened is closed again.
      expect((await httpRequest(`${system.baseUrl}/index.html`)).status).toBe(200);
      const fdsAfter = await eventually(
        async () => ((await openDescriptors(pid)) <= fdsBefore + 2 ? openDescriptors(pid) : undefined),
        `the listener's descriptors back to ${fdsBefore}`,
      );
      const rssAfter = await rssBytes(pid);
      // Bounded, not equal: V8 grows its heap under load and gives it back lazily.
      expect(rssAfter).toBeLessThan(rssBefore + 128 * 1024 * 1024);
      expect(system.listener.output()).not.toMatch(/uncaught|unhandled/i);
      process.stdout.write(
        `security fuzz: ${sent} requests (seed ${seed}) in ${seconds.toFixed(1)} s; closed without an answer ` +
          `${closedOnly}; statuses ${JSON.stringify([...statuses].sort((a, b) => a[0] - b[0]))}; ` +
          `RSS ${(rssBefore / 2 ** 20).toFixed(1)} → ${(rssAfter / 2 ** 20).toFixed(1)} MiB; fds ${fdsBefore} → ${fdsAfter}\n`,
      );
    },
  );
});
