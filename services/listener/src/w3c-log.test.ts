import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { validateConfig } from '@w3pool/config';
import { siteConfig } from '@w3pool/test/helpers';
import { HttpErrLog } from './httperr-log.js';
import { W3cLogs, formatLine, type AccessRecord } from './w3c-log.js';

const record = (at: string, extra: Partial<AccessRecord> = {}): AccessRecord => ({
  at: new Date(at).getTime(),
  serverIp: '::ffff:127.0.0.1',
  method: 'GET',
  uriStem: '/a b.html',
  uriQuery: '',
  serverPort: 80,
  clientIp: '10.0.0.2',
  protocolVersion: 'HTTP/1.1',
  userAgent: 'Mozilla/5.0 (X11)',
  referer: undefined,
  status: 200,
  substatus: 0,
  win32Status: 0,
  timeTakenMs: 12,
  ...extra,
});

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('W3C log', () => {
  it('formats IIS fields: UTC, spaces as +, empty as -, IPv4-mapped addresses as IPv4', () => {
    expect(formatLine(record('2026-03-04T05:06:07Z'))).toBe(
      '2026-03-04 05:06:07 127.0.0.1 GET /a+b.html - 80 - 10.0.0.2 HTTP/1.1 Mozilla/5.0+(X11) - 200 0 0 12',
    );
  });

  it('rolls over daily on UTC, writing the #Fields header at the top of each file', async () => {
    dir = await mkdtemp(join(tmpdir(), 'w3c-'));
    const raw = siteConfig(80, dir);
    const config = validateConfig(
      { ...raw, sites: [{ ...raw.sites[0]!, logFile: { directory: dir } }] },
      { source: 'test', baseDir: dir },
    );
    const logs = new W3cLogs((error) => {
      throw error;
    });
    logs.configure(config.sites);
    logs.record(1, record('2026-03-04T23:59:59Z'));
    logs.record(1, record('2026-03-05T00:00:01Z'));
    await logs.flush();
    const files = (await readdir(join(dir, 'W3SVC1'))).sort();
    expect(files).toEqual(['u_ex260304.log', 'u_ex260305.log']);
    for (const file of files) {
      const text = await readFile(join(dir, 'W3SVC1', file), 'utf8');
      expect(text.split('\r\n')[3]).toMatch(/^#Fields: date time s-ip/);
      expect(text.split('\r\n').filter((l) => l && !l.startsWith('#'))).toHaveLength(1);
    }
  });
});

describe('HTTPERR log', () => {
  it('rolls to the next httperrN.log past errorLogFileTruncateSize', async () => {
    dir = await mkdtemp(join(tmpdir(), 'httperr-'));
    const config = validateConfig(
      { ...siteConfig(80, dir), httpSys: { errorLoggingDir: dir, errorLogFileTruncateSize: 1048576 } },
      { source: 'test', baseDir: dir },
    );
    const log = new HttpErrLog((error) => {
      throw error;
    });
    log.configure(config);
    const uri = `/${'x'.repeat(1000)}`;
    for (let i = 0; i < 1200; i += 1) log.record({ reason: 'QueueFull', status: 503, uri, method: 'GET' });
    await log.flush();
    expect((await readdir(dir)).sort()).toEqual(['httperr1.log', 'httperr2.log']);
    const first = await readFile(join(dir, 'httperr1.log'), 'utf8');
    expect(first.length).toBeLessThanOrEqual(1048576 + 300);
    expect(first).toMatch(/^#Software/);
  });
});
