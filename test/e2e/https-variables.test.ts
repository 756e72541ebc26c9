import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { connect as http2Connect } from 'node:http2';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { STATIC_FILE_MAPPING } from '@w3pool/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printOutputOnFailure } from '../helpers/failure-output.js';
import { repoRoot } from '../helpers/service-process.js';
import { eventually, startSystem, type RunningSystem } from '../helpers/system.js';

const run = promisify(execFile);

// A request's TLS facts from the listener's handshake to the program: HTTPS and the certificate variables
// in a PHP page's $_SERVER through CgiModule and FastCgiModule, over HTTP/1.1 and HTTP/2, and
// security/access@sslFlags refusing what it must (403.4, 403.7, 403.16) and letting a trusted client in.

const FIXTURES = join(repoRoot, 'test/fixtures/cgi');
const PHP_CGI = ['/usr/bin/php-cgi', '/usr/local/bin/php-cgi'].find((p) => existsSync(p)) ?? 'php-cgi';
const FASTCGI_ARGS = '-d output_buffering=0';

interface Pem {
  cert: string;
  key: string;
}

/** openssl into `dir`: a key and a certificate for `subject`, self-signed or signed by `issuer`. */
async function certificate(dir: string, name: string, subject: string, issuer?: Pem, ext?: string) {
  const pem = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', pem.key];
  const extensions = join(dir, `${name}.ext`);
  await writeFile(extensions, ext ?? 'basicConstraints=critical,CA:TRUE\n');
  if (!issuer) {
    await run('openssl', ['req', '-x509', ...newKey, '-subj', subject, '-days', '2', '-out', pem.cert]);
    return pem;
  }
  const csr = join(dir, `${name}.csr`);
  await run('openssl', ['req', '-new', ...newKey, '-subj', subject, '-out', csr]);
  await run('openssl', [
    ...['x509', '-req', '-in', csr, '-CA', issuer.cert, '-CAkey', issuer.key, '-CAcreateserial'],
    ...['-days', '2', '-sha256', '-extfile', extensions, '-out', pem.cert],
  ]);
  return pem;
}

/**
 * A certificate `issuer` signed for January 2020 only: `openssl ca` is the one openssl 3.0 command that
 * takes explicit validity dates.
 */
async function expiredCertificate(dir: string, name: string, subject: string, issuer: Pem) {
  const pem = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  const csr = join(dir, `${name}.csr`);
  await run('openssl', [
    ...['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'],
    ...['-keyout', pem.key, '-subj', subject, '-out', csr],
  ]);
  const conf = join(dir, `${name}-ca.conf`);
  await writeFile(join(dir, `${name}-index.txt`), '');
  await writeFile(join(dir, `${name}-serial`), '1000\n');
  await writeFile(
    conf,
    [
      '[ca]',
      'default_ca = test',
      '[test]',
      `database = ${join(dir, `${name}-index.txt`)}`,
      `new_certs_dir = ${dir}`,
      `serial = ${join(dir, `${name}-serial`)}`,
      'default_md = sha256',
      'policy = any',
      '[any]',
      'commonName = supplied',
      '',
    ].join('\n'),
  );
  await run('openssl', [
    ...['ca', '-batch', '-notext', '-config', conf, '-cert', issuer.cert, '-keyfile', issuer.key],
    ...['-in', csr, '-out', pem.cert, '-startdate', '20200101000000Z', '-enddate', '20200201000000Z'],
  ]);
  return pem;
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

describe('https server variables and access@sslFlags', () => {
  let system: RunningSystem;
  let certs: string;
  let authority: Pem;
  let server: Pem;
  let alice: Pem;
  let mallory: Pem;
  let bob: Pem;
  printOutputOnFailure(() => system);

  const app = (path: string, webServer?: object) => ({
    path,
    applicationPool: 'DefaultAppPool',
    virtualDirectories: [{ path: '/', physicalPath: FIXTURES }],
    ...(webServer ? { webServer } : {}),
  });
  const sslFlags = (flags: string) => ({ security: { access: { sslFlags: flags } } });

  beforeAll(async () => {
    certs = await mkdtemp(join(tmpdir(), 'w3pool-https-variables-'));
    authority = await certificate(certs, 'ca', '/O=Contoso/CN=Contoso Test CA');
    server = await certificate(
      certs,
      'server',
      '/C=US/O=Contoso/CN=localhost',
      authority,
      'subjectAltName=DNS:localhost\n',
    );
    alice = await certificate(
      certs,
      'alice',
      '/O=Contoso/CN=alice',
      authority,
      'extendedKeyUsage=clientAuth\n',
    );
    mallory = await certificate(certs, 'mallory', '/CN=mallory');
    bob = await expiredCertificate(certs, 'bob', '/CN=bob', authority);
    system = await startSystem({
      portCount: 2,
      config: ([httpsPort, httpPort]) => ({
        applicationPools: [{ name: 'DefaultAppPool' }],
        sites: [
          {
            name: 'Secure',
            id: 1,
            bindings: [
              {
                protocol: 'https',
                bindingInformation: `127.0.0.1:${httpsPort}:`,
                sslFlags: 0,
                certificateFile: server.cert,
                certificateKeyFile: server.key,
                clientCertificateAuthorities: authority.cert,
              },
              { protocol: 'http', bindingInformation: `127.0.0.1:${httpPort}:` },
            ],
            applications: [
              app('/'),
              app('/ssl', sslFlags('Ssl')),
              app('/certs', sslFlags('Ssl, SslNegotiateCert, SslRequireCert')),
              // The same page through FastCgiModule: this application's mapping comes before the server's.
              app('/fcgi', {
                handlers: {
                  list: [
                    {
                      name: 'PHP-FastCGI',
                      path: '*.php',
                      verb: 'GET,HEAD,POST',
                      modules: 'FastCgiModule',
                      scriptProcessor: `${PHP_CGI}|${FASTCGI_ARGS}`,
                      resourceType: 'File',
                    },
                  ],
                },
              }),
            ],
          },
        ],
        webServer: {
          security: { isapiCgiRestriction: { notListedCgisAllowed: true } },
          handlers: {
            accessPolicy: 'Read, Script',
            list: [
              {
                name: 'PHP-CGI',
                path: '*.php',
                verb: 'GET,HEAD,POST',
                modules: 'CgiModule',
                scriptProcessor: PHP_CGI,
                resourceType: 'File',
                requireAccess: 'Script',
              },
              STATIC_FILE_MAPPING,
            ],
          },
          fastCgi: { applications: [{ fullPath: PHP_CGI, arguments: FASTCGI_ARGS, maxInstances: 1 }] },
        },
      }),
    });
  });
  afterAll(async () => {
    await system?.stop();
    if (certs) await rm(certs, { recursive: true, force: true });
  });

  const httpsPort = () => system.ports[0]!;
  const httpPort = () => system.ports[1]!;

  /** GET over https (HTTP/1.1), trusting the test authority, with a client certificate when given. */
  const getTls = async (path: string, client?: Pem): Promise<Answer> => {
    const options = {
      host: '127.0.0.1',
      port: httpsPort(),
      path,
      servername: 'localhost',
      ca: await readFile(authority.cert),
      agent: false as const,
      ...(client ? { cert: await readFile(client.cert), key: await readFile(client.key) } : {}),
    };
    return new Promise((resolve, reject) => {
      const req = httpsRequest(options, (res) => collect(res, resolve, reject));
      req.on('error', reject).end();
    });
  };

  const getPlain = (path: string): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: httpPort(), path, agent: false }, (res) =>
        collect(res, resolve, reject),
      );
      req.on('error', reject).end();
    });

  const server$ = (answer: Answer) => {
    expect(answer.status, answer.body).toBe(200);
    return (JSON.parse(answer.body) as { server: Record<string, string> }).server;
  };

  it('gives a CGI program HTTPS on and the connection’s variables, and plain HTTP none of them', async () => {
    const x509 = new X509Certificate(await readFile(server.cert));
    const env = server$(await getTls('/info.php'));
    expect(env).toMatchObject({
      HTTPS: 'on',
      SERVER_PORT_SECURE: '1',
      SERVER_PORT: String(httpsPort()),
      HTTPS_SERVER_SUBJECT: 'C=US, O=Contoso, CN=localhost',
      HTTPS_SERVER_ISSUER: 'O=Contoso, CN=Contoso Test CA',
      HTTPS_SECRETKEYSIZE: '256',
      CERT_FLAGS: '0',
    });
    expect(['128', '256']).toContain(env.HTTPS_KEYSIZE);
    expect(x509.subject).toBe('C=US\nO=Contoso\nCN=localhost');
    expect(env).not.toHaveProperty('CERT_SUBJECT', expect.stringMatching(/./));

    const plain = server$(await getPlain('/info.php'));
    expect(plain.HTTPS).toBeUndefined();
    expect(plain).not.toHaveProperty('HTTPS_SERVER_SUBJECT');
  });

  it('gives PHP under FastCGI $_SERVER[HTTPS] on and the server certificate, and off over plain HTTP', async () => {
    expect(server$(await getTls('/fcgi/info.php'))).toMatchObject({
      HTTPS: 'on',
      SERVER_PORT_SECURE: '1',
      HTTPS_SERVER_SUBJECT: 'C=US, O=Contoso, CN=localhost',
      CERT_FLAGS: '0',
    });
    expect(server$(await getPlain('/fcgi/info.php')).HTTPS).toBe('off');
  });

  it('refuses plain HTTP with 403.4 where access@sslFlags has Ssl', async () => {
    const answer = await getPlain('/ssl/info.php');
    expect(answer.status).toBe(403);
    expect(answer.body).toContain('403.4');
    expect(server$(await getTls('/ssl/info.php')).HTTPS).toBe('on');
  });

  it('keeps responses under access@sslFlags out of the listener’s cache, which would answer plain HTTP', async () => {
    // A static file is a frequent hit from its second request: under sslFlags None it would be cached.
    for (let i = 0; i < 4; i += 1) expect((await getTls('/ssl/target.html')).status).toBe(200);
    const plain = await getPlain('/ssl/target.html');
    expect(plain.status).toBe(403);
    expect(plain.body).toContain('403.4');
    // The same file outside the restricted application is cached and served over either binding.
    for (let i = 0; i < 4; i += 1) expect((await getTls('/target.html')).status).toBe(200);
    expect((await getPlain('/target.html')).status).toBe(200);
  });

  it('answers SslRequireCert with 403.7 without a client certificate', async () => {
    const none = await getTls('/certs/info.php');
    expect(none.status).toBe(403);
    expect(none.body).toContain('403.7');
  });

  it('answers SslRequireCert with 403.16 untrusted, 403.17 expired, 200 trusted', async () => {
    const untrusted = await getTls('/certs/info.php', mallory);
    expect(untrusted.status).toBe(403);
    expect(untrusted.body).toContain('403.16');
    const expired = await getTls('/certs/info.php', bob);
    expect(expired.status).toBe(403);
    expect(expired.body).toContain('403.17');
    const trusted = server$(await getTls('/certs/info.php', alice));
    expect(trusted.CERT_SUBJECT).toBe('O=Contoso, CN=alice');
  });

  it('gives PHP under FastCGI the client certificate it was sent', async () => {
    const env = server$(await getTls('/fcgi/info.php', alice));
    const x509 = new X509Certificate(await readFile(alice.cert));
    expect(env).toMatchObject({
      HTTPS: 'on',
      CERT_SUBJECT: 'O=Contoso, CN=alice',
      CERT_ISSUER: 'O=Contoso, CN=Contoso Test CA',
      CERT_FLAGS: '1',
      CERT_COOKIE: x509.fingerprint256.replaceAll(':', '').toLowerCase(),
      CERT_SERIALNUMBER: x509.serialNumber.match(/../g)!.join('-'),
    });
  });

  it('hands an HTTP/2 request to the program as ordinary header lines, and logs its version', async () => {
    const session = http2Connect(`https://127.0.0.1:${httpsPort()}`, {
      ca: await readFile(authority.cert),
      servername: 'localhost',
    });
    try {
      const answer = await new Promise<Answer>((resolve, reject) => {
        const stream = session.request({
          ':path': '/info.php?h2=1',
          ':authority': `localhost:${httpsPort()}`,
          'x-test': 'h2',
        });
        let status = 0;
        let headers: IncomingHttpHeaders = {};
        const chunks: Buffer[] = [];
        stream.on('response', (head) => {
          status = Number(head[':status']);
          headers = head;
        });
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => resolve({ status, headers, body: Buffer.concat(chunks).toString() }));
        stream.on('error', reject);
      });
      const env = server$(answer);
      expect(env).toMatchObject({
        HTTPS: 'on',
        HTTP_HOST: `localhost:${httpsPort()}`,
        SERVER_NAME: 'localhost',
        HTTP_X_TEST: 'h2',
        QUERY_STRING: 'h2=1',
      });
      expect(Object.keys(env).filter((name) => name.includes(':'))).toEqual([]);
    } finally {
      session.close();
    }
    const dir = join(system.dir, 'logs/LogFiles/W3SVC1');
    const line = await eventually(async () => {
      const [name] = await readdir(dir).catch(() => []);
      const text = name ? await readFile(join(dir, name), 'utf8') : '';
      return text.split('\r\n').find((l) => l.includes(' /info.php h2=1 '));
    }, 'the HTTP/2 request in the W3C log');
    expect(line).toContain(` ${httpsPort()} - 127.0.0.1 HTTP/2 `);
  });
});

function collect(
  res: IncomingMessage,
  resolve: (answer: Answer) => void,
  reject: (error: Error) => void,
): void {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () =>
    resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }),
  );
  res.on('error', reject);
}
