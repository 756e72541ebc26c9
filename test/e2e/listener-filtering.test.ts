import { connect } from 'node:net';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest } from '../helpers/http-client.js';
import { eventually, siteConfig, startSystem, testHandlers, type RunningSystem } from '../helpers/system.js';

/** Send raw bytes and collect whatever comes back until the server closes (or the deadline). */
export function rawExchange(port: number, payload: string | Buffer, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    }, timeoutMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNRESET') return; // the answer, if any, is already collected
      clearTimeout(timer);
      reject(error);
    });
    socket.end(payload);
  });
}

// Request filtering and http.sys's own checks happen in the listener, before anything is queued: each
// rejection must carry IIS's status and substatus, and land in the right log.
describe('listener request limits and filtering', () => {
  let system: RunningSystem;
  beforeAll(async () => {
    system = await startSystem({
      config: ([port]) => ({
        ...siteConfig(port!),
        webServer: {
          handlers: testHandlers(),
          requestFiltering: {
            allowHighBitCharacters: false,
            verbs: { list: [{ verb: 'TRACE', allowed: false }] },
          },
        },
      }),
    });
  });
  afterAll(async () => {
    await system?.stop();
  });

  const get = (path: string, init: Parameters<typeof httpRequest>[1] = {}) =>
    httpRequest(`${system.baseUrl}${path}`, init);

  it.each([
    ['/web.config', '/web.config', 404, '404.8'],
    ['/bin/app.dll', '/bin/app.dll', 404, '404.8'],
    ['/.git/config', '/.git/config', 404, '404.8'],
    ['/App_Data/db.mdf', '/App_Data/db.mdf', 404, '404.8'],
    ['/.env', '/.env', 404, '404.8'],
    ['/site.cs', '/site.cs', 404, '404.7'],
    ['/Global.asax', '/Global.asax', 404, '404.7'],
    ['/a%252e%252e/index.html', '/a%252e%252e/index.html', 404, '404.11'],
    ['/a+b.html', '/a+b.html', 404, '404.11'],
    ['/caf%C3%A9.html', '/caf%C3%A9.html', 404, '404.12'],
    ['query of 2049 bytes', `/index.html?${'q'.repeat(2049)}`, 404, '404.15'],
    ['URL of 4097 bytes', `/${'a'.repeat(4097)}`, 414, '404.14'],
    ['33 URL segments', `/${Array.from({ length: 33 }, () => 'x').join('/')}`, 404, '404.20'],
  ])('%s → %i (%s), never queued', async (_name, path, status, label) => {
    const res = await get(path);
    expect(res.status).toBe(status);
    expect(res.body).toContain(`HTTP Error ${label}`);
    expect(res.headers['x-w3pool-worker']).toBeUndefined();
  });

  it('denies a verb listed as not allowed with 404.6', async () => {
    const res = await get('/index.html', { method: 'TRACE' });
    expect(res.status).toBe(404);
    expect(res.body).toContain('HTTP Error 404.6');
  });

  it('keeps .. and encoded traversal inside the site root', async () => {
    for (const path of [
      '/docs/../../../etc/passwd',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/docs/..%5c..%5cetc/passwd',
    ]) {
      const res = await rawExchange(
        system.port,
        `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      );
      expect(res).toMatch(/^HTTP\/1\.1 (400|404)/);
      expect(res).not.toContain('root:');
    }
  });

  it('refuses a declared body over maxAllowedContentLength with 413 before reading it', async () => {
    const res = await rawExchange(
      system.port,
      'POST /echo.test HTTP/1.1\r\nHost: x\r\nContent-Length: 30000001\r\n\r\n',
    );
    expect(res).toMatch(/^HTTP\/1\.1 413/);
    expect(res).toContain('HTTP Error 404.13');
  });

  it('answers a header block over 16 KB with 431 and a request line over 16 KB with 414', async () => {
    const bigHeader = await rawExchange(
      system.port,
      `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(17000)}\r\n\r\n`,
    );
    expect(bigHeader).toMatch(/^HTTP\/1\.1 431/);
    const bigLine = await rawExchange(system.port, `GET /${'a'.repeat(17000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(bigLine).toMatch(/^HTTP\/1\.1 414/);
  });

  it('answers malformed HTTP with 400 and closes the connection', async () => {
    const res = await rawExchange(system.port, 'GARBAGE\r\n\r\n');
    expect(res).toMatch(/^HTTP\/1\.1 400/);
    expect(res.toLowerCase()).toContain('connection: close');
    const version = await rawExchange(system.port, 'GET / HTTP/3.0\r\nHost: x\r\n\r\n');
    expect(version).toMatch(/^HTTP\/1\.1 505/);
  });

  it('tells a malformed request line from an unsupported version, and refuses a second Host header (RFC 9112)', async () => {
    const bareLf = await rawExchange(system.port, 'GET / HTTP/1.1\nHost: x\r\n\r\n');
    expect(bareLf).toMatch(/^HTTP\/1\.1 400/);
    expect(bareLf).toContain('LISTENER_LINE_ENDING_INVALID');
    const http2 = await rawExchange(system.port, 'GET / HTTP/2.0\r\nHost: x\r\n\r\n');
    expect(http2).toMatch(/^HTTP\/1\.1 505/);
    const twoHosts = await rawExchange(system.port, 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n');
    expect(twoHosts).toMatch(/^HTTP\/1\.1 400/);
    expect(twoHosts).toContain('LISTENER_HOST_INVALID');
    expect(twoHosts.toLowerCase()).toContain('connection: close');
    const errLog = join(system.dir, 'logs/HTTPERR/httperr1.log');
    const httperr = await eventually(async () => {
      const text = await readFile(errLog, 'utf8').catch(() => '');
      return text.includes('400 - Invalid_CR/LF') && text.includes('400 - Hostname') ? text : undefined;
    }, 'HTTPERR lines for the bare LF and the second Host');
    expect(httperr).toMatch(/ 505 - Version_N\/S /);
  });

  it('writes filtering denials to the site W3C log with their substatus, and http.sys rejections to HTTPERR', async () => {
    await get('/web.config', { headers: { 'user-agent': 'filter test agent' } });
    await rawExchange(system.port, 'GARBAGE\r\n\r\n');
    const w3cDir = join(system.dir, 'logs/LogFiles/W3SVC1');
    const w3c = await eventually(async () => {
      const files = await readdir(w3cDir).catch(() => []);
      const text = (await Promise.all(files.map((f) => readFile(join(w3cDir, f), 'utf8')))).join('');
      return text.includes('filter+test+agent') ? text : undefined;
    }, 'the W3C log line');
    expect(w3c).toMatch(/^#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port/m);
    expect(w3c).toMatch(
      / GET \/web\.config - \d+ - 127\.0\.0\.1 HTTP\/1\.1 filter\+test\+agent - 404 8 0 \d+/,
    );

    const errDir = join(system.dir, 'logs/HTTPERR');
    const httperr = await eventually(async () => {
      const text = await readFile(join(errDir, 'httperr1.log'), 'utf8').catch(() => '');
      return /400 - (BadRequest|Verb)/.test(text) ? text : undefined;
    }, 'the HTTPERR line');
    expect(httperr).toMatch(
      /^#Fields: date time c-ip c-port s-ip s-port cs-version cs-method cs-uri sc-status s-siteid s-reason s-queuename/m,
    );
    expect(httperr).toMatch(/FieldLength/);
    expect(httperr).toMatch(/URL_Length/);
  });
});
