import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestTls } from '@w3pool/protocol';
import { http2HeaderLines } from './job-builder.js';
import { cipherKeyBits, readTlsFacts, serialNumber, tlsFactsOf, x500Name } from './tls-facts.js';

const run = promisify(execFile);

interface Pem {
  cert: string;
  key: string;
}

let dir: string;
let authority: Pem;
let server: Pem;
let alice: Pem;
let stranger: Pem;
let lapsed: Pem;

/** openssl into the test's directory: a key and a certificate, self-signed or signed by `issuer`. */
async function certificate(name: string, subject: string, issuer?: Pem, extra: string[] = []): Promise<Pem> {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.crt`);
  const newKey = ['-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-subj', subject];
  if (!issuer) {
    await run('openssl', ['req', '-x509', ...newKey, '-days', '2', '-out', cert, ...extra]);
  } else {
    const csr = join(dir, `${name}.csr`);
    await run('openssl', ['req', '-new', ...newKey, '-out', csr]);
    const ca = ['-CA', join(dir, 'ca.crt'), '-CAkey', join(dir, 'ca.key'), '-CAcreateserial'];
    await run('openssl', ['x509', '-req', '-in', csr, ...ca, '-days', '2', '-out', cert]);
  }
  return { cert: await readFile(cert, 'utf8'), key: await readFile(key, 'utf8') };
}

/** A certificate `authority` signed for January 2020 only (`openssl ca` takes explicit dates). */
async function expired(name: string, subject: string): Promise<Pem> {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.crt`);
  const csr = join(dir, `${name}.csr`);
  await run('openssl', [
    'req',
    '-new',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    key,
    '-subj',
    subject,
    '-out',
    csr,
  ]);
  const conf = join(dir, 'ca.conf');
  await writeFile(join(dir, 'index.txt'), '');
  await writeFile(join(dir, 'serial'), '1000\n');
  const settings = [
    `database = ${join(dir, 'index.txt')}`,
    `new_certs_dir = ${dir}`,
    `serial = ${join(dir, 'serial')}`,
  ];
  await writeFile(
    conf,
    [
      '[ca]',
      'default_ca = test',
      '[test]',
      ...settings,
      'default_md = sha256',
      'policy = any',
      '[any]',
      'commonName = supplied',
      '',
    ].join('\n'),
  );
  await run('openssl', [
    ...[
      'ca',
      '-batch',
      '-notext',
      '-config',
      conf,
      '-cert',
      join(dir, 'ca.crt'),
      '-keyfile',
      join(dir, 'ca.key'),
    ],
    ...['-in', csr, '-out', cert, '-startdate', '20200101000000Z', '-enddate', '20200201000000Z'],
  ]);
  return { cert: await readFile(cert, 'utf8'), key: await readFile(key, 'utf8') };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'w3pool-tls-facts-'));
  authority = await certificate('ca', '/C=US/O=Contoso/CN=Contoso Test CA', undefined, [
    '-addext',
    'basicConstraints=critical,CA:TRUE',
  ]);
  server = await certificate('server', '/C=US/ST=Washington/O=Contoso, Ltd/CN=localhost', authority);
  alice = await certificate('alice', '/C=US/O=Contoso/CN=alice', authority);
  stranger = await certificate('stranger', '/CN=stranger');
  lapsed = await expired('lapsed', '/CN=lapsed');
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** One real handshake on 127.0.0.1: the facts the server side reads of it. */
async function handshake(client: Partial<Pem> = {}): Promise<RequestTls> {
  const listener = tls.createServer({
    ...server,
    ca: authority.cert,
    requestCert: true,
    rejectUnauthorized: false,
  });
  const facts = new Promise<RequestTls>((resolve) =>
    listener.once('secureConnection', (socket) => {
      resolve(readTlsFacts(socket));
      socket.end();
    }),
  );
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const socket = tls.connect({
    port: (listener.address() as AddressInfo).port,
    host: '127.0.0.1',
    servername: 'localhost',
    ca: authority.cert,
    ...client,
  });
  socket.on('error', () => undefined);
  try {
    return await facts;
  } finally {
    socket.destroy();
    await new Promise((resolve) => listener.close(resolve));
  }
}

describe('TLS facts of a real connection', () => {
  it('name the protocol, the cipher and its strength, and the server certificate as IIS writes it', async () => {
    const facts = await handshake();
    expect(facts.protocol).toBe('TLSv1.3');
    expect(facts.cipher).toMatch(/^TLS_/);
    expect(facts.keySize).toBe(cipherKeyBits(facts.cipher));
    expect([128, 256]).toContain(facts.keySize);
    expect(facts.secretKeySize).toBe(2048);
    expect(facts.serverSubject).toBe('C=US, S=Washington, O="Contoso, Ltd", CN=localhost');
    expect(facts.serverIssuer).toBe('C=US, O=Contoso, CN=Contoso Test CA');
    expect(facts.clientCertificate).toBeUndefined();
  });

  it('describe a client certificate the authorities trust', async () => {
    const facts = await handshake(alice);
    const x509 = new X509Certificate(alice.cert);
    expect(facts.clientCertificate).toEqual({
      subject: 'C=US, O=Contoso, CN=alice',
      issuer: 'C=US, O=Contoso, CN=Contoso Test CA',
      serialNumber: serialNumber(x509.serialNumber),
      validFrom: Date.parse(x509.validFrom),
      validTo: Date.parse(x509.validTo),
      fingerprint256: x509.fingerprint256.replaceAll(':', '').toLowerCase(),
      authorized: true,
      authorizationError: '',
      der: x509.raw.toString('base64'),
    });
    expect(facts.clientCertificate!.serialNumber).toMatch(/^[0-9A-F]{2}(-[0-9A-F]{2})+$/);
    expect(facts.clientCertificate!.validTo - facts.clientCertificate!.validFrom).toBe(2 * 86_400_000);
  });

  it('keep OpenSSL’s verdict on a self-signed client certificate', async () => {
    const facts = await handshake(stranger);
    expect(facts.clientCertificate).toMatchObject({
      subject: 'CN=stranger',
      issuer: 'CN=stranger',
      authorized: false,
      authorizationError: 'DEPTH_ZERO_SELF_SIGNED_CERT',
    });
  });

  it('keep OpenSSL’s verdict on an expired certificate of a trusted authority, and its dates', async () => {
    const facts = await handshake(lapsed);
    expect(facts.clientCertificate).toMatchObject({
      subject: 'CN=lapsed',
      authorized: false,
      authorizationError: 'CERT_HAS_EXPIRED',
      validFrom: Date.UTC(2020, 0, 1),
      validTo: Date.UTC(2020, 1, 1),
    });
  });

  it('are read once per HTTP/2 connection, through the session’s socket, and not at all over plain HTTP', async () => {
    const seen: { facts: RequestTls | undefined; headers: string[] }[] = [];
    const secure = http2.createSecureServer({ ...server, allowHTTP1: true }, (request, response) => {
      const message = request as unknown as IncomingMessage;
      seen.push({ facts: tlsFactsOf(message), headers: http2HeaderLines(message.rawHeaders) });
      response.end('ok');
    });
    await new Promise<void>((resolve) => secure.listen(0, '127.0.0.1', resolve));
    const session = http2.connect(`https://127.0.0.1:${(secure.address() as AddressInfo).port}`, {
      ca: authority.cert,
      servername: 'localhost',
    });
    const get = (path: string) =>
      new Promise<void>((resolve, reject) => {
        const stream = session.request({ ':path': path, 'x-test': path });
        stream.on('error', reject).on('end', resolve).resume();
      });
    try {
      await get('/one');
      await get('/two');
    } finally {
      session.close();
      await new Promise((resolve) => secure.close(resolve));
    }
    expect(seen).toHaveLength(2);
    expect(seen[0]!.facts).toMatchObject({
      protocol: 'TLSv1.3',
      serverSubject: expect.stringContaining('CN=localhost'),
    });
    expect(seen[1]!.facts).toBe(seen[0]!.facts);
    // Ordinary header lines for the worker: no pseudo-headers, Host from :authority.
    expect(seen[0]!.headers).toEqual(['Host', expect.stringMatching(/^localhost:\d+$/), 'x-test', '/one']);

    const plain = { httpVersionMajor: 1, socket: { encrypted: undefined } } as unknown as IncomingMessage;
    expect(tlsFactsOf(plain)).toBeUndefined();
  });
});

describe('IIS’s formats', () => {
  it('write names as CryptoAPI does: S for ST, E for emailAddress, quoted when they hold a separator', () => {
    expect(x500Name('C=US\nST=Washington\nO=Contoso\\, Ltd\nCN=www.contoso.com')).toBe(
      'C=US, S=Washington, O="Contoso, Ltd", CN=www.contoso.com',
    );
    expect(x500Name('CN=a \\"b\\"\nemailAddress=a@example.com')).toBe('CN="a ""b""", E=a@example.com');
    expect(x500Name('OU=x + CN=y')).toBe('OU=x, CN=y');
    expect(x500Name('CN=caf\\C3\\A9')).toBe('CN=café');
  });

  it('write serial numbers as dash-separated hex bytes and know each cipher’s key size', () => {
    expect(serialNumber('4D8905')).toBe('4D-89-05');
    expect(serialNumber('abc')).toBe('0A-BC');
    expect(cipherKeyBits('TLS_AES_128_GCM_SHA256')).toBe(128);
    expect(cipherKeyBits('TLS_CHACHA20_POLY1305_SHA256')).toBe(256);
    expect(cipherKeyBits('ECDHE-RSA-AES256-GCM-SHA384')).toBe(256);
    expect(cipherKeyBits('DES-CBC3-SHA')).toBe(168);
    expect(cipherKeyBits('NULL-SHA')).toBe(0);
  });
});
