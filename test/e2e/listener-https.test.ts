import { execFile } from 'node:child_process';
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, rename, mkdtemp, rm } from 'node:fs/promises';
import { connect as http2Connect, constants, type ClientHttp2Session } from 'node:http2';
import { request as httpsRequest, Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  makeAuthority,
  makeCertificate,
  makeOcspResponse,
  makePfx,
  makeSignedCertificate,
  servedCertificate,
  stapledStatus,
} from '../helpers/certificates.js';
import { printOutputOnFailure } from '../helpers/failure-output.js';
import { httpRequest } from '../helpers/http-client.js';
import { eventually, fixtureSite, startSystem, testHandlers, type RunningSystem } from '../helpers/system.js';

const run = promisify(execFile);

// https as http.sys serves it: one port, a certificate per host name by SNI (sslFlags 1) and one for
// clients that send no name (sslFlags 0), HTTP/2 by ALPN unless a binding turns it off (sslFlags 4),
// HTTP/1.1 on the same port, and certificates renewed on disk without a restart.
describe('listener https', () => {
  let system: RunningSystem;
  let certs: string;
  let a: { cert: string; key: string };
  let b: { cert: string; key: string };
  let fallback: { cert: string; key: string };
  let d: { cert: string; key: string };
  let ocsp: string;
  let central: { cert: string; key: string };
  printOutputOnFailure(() => system);

  beforeAll(async () => {
    certs = await mkdtemp(join(tmpdir(), 'w3pool-certs-'));
    [a, b, fallback] = await Promise.all([
      makeCertificate(certs, 'a', 'a.test'),
      makeCertificate(certs, 'b', 'b.test'),
      makeCertificate(certs, 'fallback', 'localhost'),
    ]);
    const authority = await makeAuthority(certs, 'TestCA');
    d = await makeSignedCertificate(certs, 'd', 'd.test', authority);
    ocsp = await makeOcspResponse(certs, d.cert, authority);
    // The central certificate store: <host>.pfx under one password.
    await mkdir(join(certs, 'central'));
    central = await makeCertificate(certs, 'central', 'c.test');
    await makePfx(join(certs, 'central', 'c.test.pfx'), central, 'store-secret');
    const app = (path: string, pool: string) => ({
      path,
      applicationPool: pool,
      virtualDirectories: [{ path: '/', physicalPath: fixtureSite }],
    });
    system = await startSystem({
      config: ([port]) => ({
        applicationPools: [{ name: 'DefaultAppPool' }, { name: 'Parked' }],
        sites: [
          {
            name: 'A',
            id: 1,
            bindings: [https(`127.0.0.1:${port}:a.test`, 1, a), https(`127.0.0.1:${port}:`, 0, fallback)],
            applications: [app('/', 'DefaultAppPool'), app('/parked', 'Parked')],
          },
          {
            name: 'B',
            id: 2,
            // SNI, and HTTP/2 off for this host name only.
            // OCSP stapling off (sslFlags 8), though a response is configured.
            bindings: [{ ...https(`127.0.0.1:${port}:b.test`, 1 + 4 + 8, b), ocspResponseFile: ocsp }],
            applications: [app('/', 'DefaultAppPool')],
          },
          {
            name: 'D',
            id: 3,
            bindings: [
              { ...https(`127.0.0.1:${port}:d.test`, 1, d), ocspResponseFile: ocsp },
              // SNI + central certificate store: the certificate is <certStoreLocation>/c.test.pfx.
              { protocol: 'https', bindingInformation: `127.0.0.1:${port}:c.test`, sslFlags: 1 + 2 },
            ],
            applications: [app('/', 'DefaultAppPool')],
          },
        ],
        centralCertProvider: {
          enabled: true,
          certStoreLocation: join(certs, 'central'),
          privateKeyPassword: 'store-secret',
        },
        webLimits: { headerWaitTimeout: '00:00:01' },
        webServer: { handlers: testHandlers() },
      }),
    });
  });
  afterAll(async () => {
    await system?.stop();
    if (certs) await rm(certs, { recursive: true, force: true });
  });

  const port = () => system.port;
  const httperr = () => readFile(join(system.dir, 'logs/HTTPERR/httperr1.log'), 'utf8').catch(() => '');
  /** curl through the whole architecture, resolving the host name to the listener's address. */
  const curl = async (host: string, path: string, ...flags: string[]) => {
    const { stdout } = await run('curl', [
      '-s',
      '--resolve',
      `${host}:${port()}:127.0.0.1`,
      '--cacert',
      host === 'a.test' ? a.cert : b.cert,
      '-D',
      '-',
      '-w',
      '\n%{http_code} %{http_version}',
      ...flags,
      `https://${host}:${port()}${path}`,
    ]);
    return stdout;
  };
  const h2 = (host = 'a.test'): Promise<ClientHttp2Session> =>
    new Promise((resolve, reject) => {
      const session = http2Connect(`https://127.0.0.1:${port()}`, {
        servername: host,
        ca: [readFileSync(a.cert, 'utf8')],
      });
      session.once('connect', () => resolve(session));
      session.once('error', reject);
    });
  const h2Request = (
    session: ClientHttp2Session,
    path: string,
    options: { method?: string; body?: Buffer } = {},
  ): Promise<{ status: number; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const stream = session.request({
        ':method': options.method ?? 'GET',
        ':path': path,
        ':authority': `a.test:${port()}`,
      });
      let status = 0;
      const chunks: Buffer[] = [];
      stream.on('response', (headers) => (status = Number(headers[':status'])));
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => resolve({ status, body: Buffer.concat(chunks) }));
      stream.on('error', reject);
      stream.end(options.body);
    });

  it('serves each host name its own certificate on one port (openssl s_client -servername)', async () => {
    expect((await servedCertificate(port(), 'a.test')).subject).toBe('CN=a.test');
    expect((await servedCertificate(port(), 'b.test')).subject).toBe('CN=b.test');
    // A name no SNI binding has gets the port's own certificate (the sslFlags 0 binding).
    expect((await servedCertificate(port(), 'other.test')).subject).toBe('CN=localhost');
  });

  it('answers through the whole architecture, HTTP/2 by ALPN and HTTP/1.1 on the same port (curl --resolve)', async () => {
    const page = await readFile(join(fixtureSite, 'index.html'), 'utf8');
    const overH2 = await curl('a.test', '/index.html', '--http2');
    expect(overH2).toMatch(/\n200 2$/);
    expect(overH2).toMatch(/x-w3pool-worker: DefaultAppPool\/\d+/);
    expect(overH2).toContain(page);
    const overH1 = await curl('a.test', '/index.html', '--http1.1');
    expect(overH1).toMatch(/\n200 1\.1$/);
    expect(overH1).toContain(page);
    // sslFlags 4 on b.test's binding: ALPN agrees HTTP/1.1 even when the client offers h2.
    expect(await curl('b.test', '/index.html', '--http2')).toMatch(/\n200 1\.1$/);
  });

  it('multiplexes 20 concurrent streams on one connection, each answered with its own body', async () => {
    const session = await h2();
    try {
      const bodies = Array.from({ length: 20 }, (_, i) =>
        Buffer.from(`stream ${i} ${randomBytes(8).toString('hex')}`),
      );
      const answers = await Promise.all(
        bodies.map((body) => h2Request(session, '/echo.test', { method: 'POST', body })),
      );
      answers.forEach((answer, i) => {
        expect(answer.status).toBe(200);
        expect(answer.body.toString()).toBe(bodies[i]!.toString());
      });
    } finally {
      session.close();
    }
  });

  it('multiplexes with nghttp: 20 requests on one connection, all 200', async () => {
    const { stdout } = await run('nghttp', [
      '-nv',
      '-m',
      '20',
      '-H',
      `:authority: a.test:${port()}`,
      `https://127.0.0.1:${port()}/index.html`,
    ]);
    expect(stdout.match(/recv HEADERS frame/g)?.length).toBe(20);
    expect(stdout.match(/:status: 200/g)?.length).toBe(20);
    // One connection: a single SETTINGS exchange at its start.
    expect(stdout.match(/send SETTINGS frame <length=\d+, flags=0x00/g)?.length).toBe(1);
  });

  it('streams an upload over HTTP/2 to the worker', async () => {
    const session = await h2();
    try {
      const body = randomBytes(3 * 1024 * 1024);
      const answer = await h2Request(session, '/upload.test', { method: 'POST', body });
      expect(answer.status).toBe(200);
      const result = JSON.parse(answer.body.toString()) as { bytes: number; sha256: string };
      expect(result.bytes).toBe(body.length);
      expect(result.sha256).toBe(createHash('sha256').update(body).digest('hex'));
    } finally {
      session.close();
    }
  });

  it('cuts an HTTP/2 upload slower than minBytesPerSecond (Timer_MinBytesPerSecond)', async () => {
    const session = await h2();
    session.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => session.on('close', () => resolve()));
    const stream = session.request({
      ':method': 'POST',
      ':path': '/upload.test',
      ':authority': `a.test:${port()}`,
    });
    stream.on('error', () => undefined);
    // 10 bytes a second, far under the default 240: the listener reads a body that hardly comes.
    const trickle = setInterval(() => stream.writable && stream.write(Buffer.alloc(10, 0x61)), 1000);
    try {
      await closed;
    } finally {
      clearInterval(trickle);
    }
    await eventually(
      async () => ((await httperr()).includes('Timer_MinBytesPerSecond') ? true : undefined),
      'Timer_MinBytesPerSecond',
    );
  }, 30_000);

  it('withdraws a queued request whose client sends RST_STREAM (Client_Reset)', async () => {
    const session = await h2();
    try {
      const stream = session.request({
        ':path': '/parked/mark.test?id=gone',
        ':authority': `a.test:${port()}`,
      });
      stream.on('error', () => undefined);
      stream.end();
      await waitQueued('Parked', 1);
      stream.close(constants.NGHTTP2_CANCEL);
      await waitQueued('Parked', 0);
      await eventually(
        async () => ((await httperr()).includes('Client_Reset') ? true : undefined),
        'Client_Reset',
      );
      // The connection's other streams carry on.
      expect((await h2Request(session, '/index.html')).status).toBe(200);
    } finally {
      session.close();
    }
  });

  it('serves a certificate renewed on disk to the next connection; an open connection keeps its own', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: [readFileSync(a.cert, 'utf8')] });
    const get = () =>
      new Promise<{ status: number; fingerprint: string }>((resolve, reject) => {
        const req = httpsRequest(
          {
            host: '127.0.0.1',
            port: port(),
            servername: 'a.test',
            path: '/index.html',
            headers: { host: 'a.test' },
            agent,
          },
          (res) => {
            const fingerprint = (res.socket as TLSSocket).getPeerCertificate().fingerprint256;
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode ?? 0, fingerprint }));
          },
        );
        req.on('error', reject);
        req.end();
      });
    try {
      const before = await get();
      expect(before.status).toBe(200);
      const renewed = await makeCertificate(certs, 'a-renewed', 'a.test');
      // Renewed the way certbot and most tools do it: a new file renamed over the old one.
      await rename(renewed.key, a.key);
      await rename(renewed.cert, a.cert);
      const wanted = new X509Certificate(await readFile(a.cert)).fingerprint256;
      await eventually(
        async () => ((await servedCertificate(port(), 'a.test')).fingerprint === wanted ? true : undefined),
        'the renewed certificate served',
      );
      const after = await get();
      expect(after.status).toBe(200);
      expect(after.fingerprint).toBe(before.fingerprint);
    } finally {
      agent.destroy();
    }
  });

  it('staples the OCSP response configured for a certificate, unless the binding has sslFlags 8', async () => {
    const stapled = await stapledStatus(port(), 'd.test');
    expect(stapled).toContain('OCSP Response Status: successful');
    expect(stapled).toContain('Cert Status: good');
    expect(await stapledStatus(port(), 'b.test')).toContain('OCSP response: no response sent');
  });

  it('serves a host name from the central certificate store (sslFlags 2)', async () => {
    const served = await servedCertificate(port(), 'c.test');
    expect(served.subject).toBe('CN=c.test');
    expect(served.fingerprint).toBe(new X509Certificate(readFileSync(central.cert)).fingerprint256);
  });

  it('drops a TLS client that never completes its headers at headerWaitTimeout (Timer_HeaderWait)', async () => {
    const socket = tlsConnect({
      host: '127.0.0.1',
      port: port(),
      servername: 'a.test',
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
    });
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => undefined);
    socket.once('secureConnect', () => socket.write('GET / HTTP/1.1\r\nHost: a.test\r\n'));
    await closed;
    await eventually(
      async () => ((await httperr()).includes('Timer_HeaderWait') ? true : undefined),
      'Timer_HeaderWait',
    );
  });

  it('refuses TLS below 1.2 and logs the failed handshake in HTTPERR', async () => {
    await expect(
      run('curl', ['-s', '-k', '--tlsv1.0', '--tls-max', '1.1', `https://127.0.0.1:${port()}/`]),
    ).rejects.toThrow();
    await eventually(
      async () => ((await httperr()).includes('Ssl_Handshake') ? true : undefined),
      'Ssl_Handshake',
    );
    // The listener carries on.
    expect(await curl('a.test', '/index.html')).toMatch(/\n200 2$/);
  });

  const queued = async (pool: string): Promise<number> => {
    const res = await httpRequest(`${system.wasUrl}/api/apppools`, { headers: system.adminHeaders() });
    const pools = JSON.parse(res.body) as { name: string; CurrentQueueSize: number }[];
    return pools.find((p) => p.name === pool)?.CurrentQueueSize ?? -1;
  };
  const waitQueued = (pool: string, count: number) =>
    eventually(async () => ((await queued(pool)) === count ? true : undefined), `${count} queued in ${pool}`);
});

function https(bindingInformation: string, sslFlags: number, cert: { cert: string; key: string }) {
  return {
    protocol: 'https',
    bindingInformation,
    sslFlags,
    certificateFile: cert.cert,
    certificateKeyFile: cert.key,
  };
}
