import { printOutputOnFailure } from '../helpers/failure-output.js';
import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { request } from 'node:http';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peakWhile, rssBytes } from '../helpers/process-memory.js';
import { eventually, siteConfig, startSystem, testHandlers, type RunningSystem } from '../helpers/system.js';

const MB = 1024 * 1024;

/** Upload `total` bytes of a deterministic pattern, honouring backpressure; resolves with status and body. */
function upload(
  url: string,
  total: number,
  options: { chunked?: boolean } = {},
): Promise<{ status: number; body: string; sha256: string }> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    const req = request(url, {
      method: 'POST',
      agent: false,
      headers: options.chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': total },
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString(),
          sha256: hash.digest('hex'),
        }),
      );
    });
    req.on('error', reject);
    const block = Buffer.alloc(256 * 1024);
    for (let i = 0; i < block.length; i += 1) block[i] = (i * 31) & 0xff;
    let sent = 0;
    const pump = () => {
      while (sent < total) {
        const piece = block.subarray(0, Math.min(block.length, total - sent));
        sent += piece.length;
        hash.update(piece);
        if (!req.write(piece)) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

/** Read a response as a stream, counting bytes; records when the first byte arrived. */
function download(url: string): Promise<{
  status: number;
  bytes: number;
  firstByteAt: number;
  endAt: number;
  text: string;
  full: string;
}> {
  return new Promise((resolve, reject) => {
    request(url, { agent: false }, (res) => {
      let bytes = 0;
      let firstByteAt = 0;
      const head: Buffer[] = [];
      // Small responses are kept whole for inspection; big ones only counted.
      const small: Buffer[] = [];
      res.on('data', (c: Buffer) => {
        firstByteAt ||= Date.now();
        bytes += c.length;
        if (head.length < 16) head.push(c);
        if (bytes < 65536) small.push(c);
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          bytes,
          firstByteAt,
          endAt: Date.now(),
          text: Buffer.concat(head).toString(),
          full: Buffer.concat(small).toString(),
        }),
      );
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

// Bodies both ways without buffering them whole: a request body streams to the worker as it reads it
// (ReadClient), a response streams to the client as the handler writes it (WriteClient).
describe('listener request and response bodies', () => {
  let system: RunningSystem;
  printOutputOnFailure(() => system);
  let redis: Redis;
  beforeAll(async () => {
    system = await startSystem({
      config: ([port]) => {
        const config = siteConfig(port!, undefined, { pool: { startMode: 'AlwaysRunning' } });
        return {
          ...config,
          // A short idle timeout proves that a slow but active response is not cut off by it.
          sites: config.sites.map((s) => ({ ...s, limits: { connectionTimeout: '00:00:01' } })),
          webServer: {
            handlers: testHandlers(),
            requestFiltering: { requestLimits: { maxAllowedContentLength: 150 * MB } },
          },
        };
      },
    });
    redis = new Redis(system.redis.url);
    // The queue deadline here is the 1 s connectionTimeout: start measuring with a warm worker.
    await system.worker.waitForLine(/worker process ready/);
  });
  afterAll(async () => {
    redis?.disconnect();
    await system?.stop();
  });
  const url = (path: string) => `${system.baseUrl}${path}`;
  const redisMemory = async () => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0);

  it('streams a 100 MB upload to the handler with the listener growing by less than 50 MB', async () => {
    // Warm up first (JIT, heap, connection buffers), so the figure is what the body itself costs.
    expect((await upload(url('/upload.test'), 32 * MB)).status).toBe(200);
    const before = await rssBytes(system.listener.pid);
    const { result, peak } = await peakWhile(
      () => rssBytes(system.listener.pid),
      upload(url('/upload.test'), 100 * MB),
    );
    expect(result.status).toBe(200);
    const answer = JSON.parse(result.body) as { bytes: number; sha256: string; declared: number };
    expect(answer).toEqual({ bytes: 100 * MB, sha256: result.sha256, declared: 100 * MB });
    console.log(`listener RSS growth during a 100 MB upload: ${((peak - before) / MB).toFixed(1)} MB`);
    expect(peak - before).toBeLessThan(50 * MB);
  });

  it('streams a chunked upload of unknown length, and refuses one past maxAllowedContentLength with 413', async () => {
    const small = await upload(url('/upload.test'), 3 * MB + 17, { chunked: true });
    expect(JSON.parse(small.body)).toMatchObject({ bytes: 3 * MB + 17, sha256: small.sha256, declared: -1 });
    const big = await upload(url('/upload.test'), 151 * MB, { chunked: true }).catch((error: Error) => error);
    // Either the 413 arrives, or the listener closed the connection on the oversized body first.
    if (big instanceof Error) expect(big.message).toMatch(/EPIPE|ECONNRESET|socket hang up/);
    else expect(big.status).toBe(413);
    // Either way the refusal is the listener's, logged as IIS logs it: 404.13 in the site log.
    const logDir = join(system.dir, 'logs/LogFiles/W3SVC1');
    await eventually(async () => {
      const files = await readdir(logDir).catch(() => []);
      const text = (await Promise.all(files.map((f) => readFile(join(logDir, f), 'utf8')))).join('');
      return / POST \/upload\.test - \d+ - \S+ HTTP\/1\.1 - - 404 13 /.test(text) ? true : undefined;
    }, 'the 404.13 line in the W3C log');
  });

  it('streams a 1 GB download with listener and Redis memory bounded', async () => {
    const rssBefore = await rssBytes(system.listener.pid);
    const redisBefore = await redisMemory();
    const rss = await peakWhile(
      () => rssBytes(system.listener.pid),
      peakWhile(redisMemory, download(url(`/download.test?bytes=${1024 * MB}`))),
    );
    const { result, peak: redisPeak } = rss.result;
    if (result.status !== 200)
      console.log(result.text, system.listener.output().slice(-6000), system.worker.output().slice(-6000));
    expect(result.status).toBe(200);
    expect(result.bytes).toBe(1024 * MB);
    expect(result.text.startsWith('w3pool-w3pool-')).toBe(true);
    console.log(
      `1 GB download: listener RSS growth ${((rss.peak - rssBefore) / MB).toFixed(1)} MB, Redis ${((redisPeak - redisBefore) / MB).toFixed(1)} MB`,
    );
    expect(rss.peak - rssBefore).toBeLessThan(64 * MB);
    expect(redisPeak - redisBefore).toBeLessThan(32 * MB);
    // 15-20 s alone on two cores; over a minute beside the rest of the suite on a slow day.
  }, 240_000);

  it('delivers the first byte of a slow handler long before it finishes, past the idle timeout', async () => {
    const res = await download(url('/slow.test?chunks=5&interval=500'));
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/^chunk 0 at/);
    // The handler stamps each line with the time it wrote it: the client had the first byte before the
    // handler even wrote its last line, and the handler wrote for longer than the 1 s connectionTimeout.
    const stamps = [...res.full.matchAll(/chunk \d+ at (\d+)/g)].map((m) => Number(m[1]));
    expect(stamps).toHaveLength(5);
    expect(res.firstByteAt).toBeLessThan(stamps[4]!);
    expect(stamps[4]! - stamps[0]!).toBeGreaterThan(1000);
  });

  it('resets the connection when the handler fails after its head went out', async () => {
    await expect(download(url('/fail-midway.test'))).rejects.toThrow(/aborted|ECONNRESET|socket hang up/);
    // The worker and listener carry on.
    expect((await download(url('/slow.test?chunks=1&interval=1'))).status).toBe(200);
  });
});
