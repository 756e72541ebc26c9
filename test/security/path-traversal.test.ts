import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printOutputOnFailure } from '../helpers/failure-output.js';
import { httpRequest } from '../helpers/http-client.js';
import { startSystem, type RunningSystem } from '../helpers/system.js';
import { hostileSiteConfig, makeHostileSite, type HostileSite } from './hostile-site.js';
import { rawExchange } from './raw-exchange.js';
import { traversalTargets } from './traversal-corpus.js';

/** The bytes as sent and with chunk-size lines taken out, so a marker split across two chunks still shows. */
function searchable(bytes: Buffer): string {
  const text = bytes.toString('latin1');
  return `${text}\n${text.replace(/\r\n[0-9a-fA-F]+\r\n/g, '')}`;
}

// No request-target, however encoded, returns a byte of a file outside the site's root: through the
// StaticFile handler, a CGI program (php-cgi, sh) or a FastCGI one. The test looks for the secret's unique
// marker in the bytes of every response, whatever its status.
describe('security: path traversal corpus against static, CGI and FastCGI mappings', () => {
  let system: RunningSystem;
  let site: HostileSite;
  printOutputOnFailure(() => system);
  beforeAll(async () => {
    site = await makeHostileSite();
    system = await startSystem({ config: ([port]) => hostileSiteConfig(port!, site) });
  });
  afterAll(async () => {
    await system?.stop();
    await site?.remove();
  });

  /** The request line as given, Connection: close, and the socket kept open until the listener closes it. */
  const request = (line: string) =>
    rawExchange(
      system.port,
      `${line} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
      10_000,
      false,
    );

  it('serves the site itself through each mapping (the corpus below is not refused wholesale)', async () => {
    expect((await httpRequest(`${system.baseUrl}/index.html`)).body).toContain('index');
    const inside = await request('GET /sub/../sub/./inside.txt');
    expect(searchable(inside.bytes)).toContain(site.inside);
    expect((await httpRequest(`${system.baseUrl}/hello.cgi`)).body).toContain('Hello from sh');
    const cgi = JSON.parse((await httpRequest(`${system.baseUrl}/info.php`)).body) as { sapi: string };
    const fcgi = JSON.parse((await httpRequest(`${system.baseUrl}/fcgi/info.php`)).body) as { sapi: string };
    expect([cgi.sapi, fcgi.sapi]).toEqual(['cgi-fcgi', 'cgi-fcgi']);
  });

  it(
    'never returns a byte of a file outside the root, for any of the corpus',
    { timeout: 120_000 },
    async () => {
      const targets = traversalTargets(site.base);
      expect(targets.length).toBeGreaterThanOrEqual(60);
      const leaks: string[] = [];
      const statuses = new Map<string, number>();
      const unanswered: string[] = [];
      const check = async (line: string) => {
        const answer = await request(line);
        const text = searchable(answer.bytes);
        if (text.includes(site.secret) || /root:[^:\r\n]*:0:0:/.test(text)) leaks.push(line);
        const status = /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1];
        if (status) statuses.set(status, (statuses.get(status) ?? 0) + 1);
        else unanswered.push(line);
      };
      const lines = targets.flatMap((target) => [`GET ${target}`, `POST ${target}`]);
      let next = 0;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next < lines.length) await check(lines[next++]!);
        }),
      );
      // Each target is judged on the bytes of a real answer: a close without one would prove nothing.
      expect(unanswered).toEqual([]);
      expect(leaks).toEqual([]);
      expect(system.listener.running).toBe(true);
      process.stdout.write(
        `security traversal: ${targets.length} targets × GET/POST, 0 leaks; ` +
          `statuses ${JSON.stringify([...statuses].sort())}\n`,
      );
    },
  );
});
