import { execFile } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest } from '../helpers/http-client.js';
import { eventually, startSystem, type RunningSystem } from '../helpers/system.js';

const run = promisify(execFile);

/** The site log's #Fields as goaccess specifiers: `%H` is cs-version, `%^` a field it skips. */
const GOACCESS_W3C = [
  '--log-format=%d %t %^ %m %U %q %^ %^ %h %H %u %R %s %^ %^ %L',
  '--date-format=%Y-%m-%d',
  '--time-format=%T',
];

// The site log is a real W3C Extended log: goaccess, the tool an admin would point at it, must read it.
describe('W3C access log', () => {
  let system: RunningSystem;
  beforeAll(async () => {
    system = await startSystem();
  });
  afterAll(async () => {
    await system?.stop();
  });

  it('is read by goaccess in its W3C format, with every request counted', async () => {
    const paths = ['/index.html', '/style.css', '/missing.html', '/docs/', '/range.txt'];
    const count = 40;
    for (let i = 0; i < count; i += 1) {
      const path = paths[i % paths.length]!;
      await httpRequest(`${system.baseUrl}${path}${i % 3 === 0 ? `?n=${i}` : ''}`, {
        headers: { 'user-agent': `Mozilla/5.0 (w3pool test ${i})`, referer: 'http://referrer.example/page' },
      });
    }
    const dir = join(system.dir, 'logs/LogFiles/W3SVC1');
    const file = await eventually(async () => {
      const [name] = await readdir(dir).catch(() => []);
      if (!name) return undefined;
      const text = await readFile(join(dir, name), 'utf8');
      const lines = text.split('\r\n').filter((l) => l !== '' && !l.startsWith('#'));
      return lines.length >= count ? join(dir, name) : undefined;
    }, 'all the W3C lines');
    expect(file).toMatch(/u_ex\d{6}\.log$/);

    // goaccess's W3C preset is IIS's default fields by position; w3pool's line adds cs-version after c-ip,
    // so goaccess is given the same fields as a format (docs/listener.md shows the command).
    const { stdout } = await run('goaccess', [file, ...GOACCESS_W3C, '--no-global-config', '-o', 'json']);
    const report = JSON.parse(stdout) as {
      general: { total_requests: number; failed_requests: number };
      requests: { data: { protocol: string }[] };
    };
    expect(report.general.total_requests).toBe(count);
    expect(report.general.failed_requests).toBe(0);
    expect(new Set(report.requests.data.map((r) => r.protocol))).toEqual(new Set(['HTTP/1.1']));
  });
});
