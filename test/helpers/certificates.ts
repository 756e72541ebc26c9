import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A self-signed certificate for `host` (CN and subjectAltName), made by openssl into `dir` as
 * `<name>.crt` and `<name>.key`. P-256 keys: as real as RSA for TLS, and quick to make.
 */
export async function makeCertificate(
  dir: string,
  name: string,
  host: string,
): Promise<{ cert: string; key: string }> {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-sha256',
    '-days',
    '30',
    '-subj',
    `/CN=${host}`,
    '-addext',
    `subjectAltName=DNS:${host}`,
    '-keyout',
    key,
    '-out',
    cert,
  ]);
  return { cert, key };
}

/** What `openssl s_client -servername` is served on a port: the certificate's subject CN and its SHA-256. */
export async function servedCertificate(
  port: number,
  serverName: string,
): Promise<{ subject: string; fingerprint: string }> {
  const client = run('openssl', [
    's_client',
    '-connect',
    `127.0.0.1:${port}`,
    '-servername',
    serverName,
    '-showcerts',
  ]);
  client.child.stdin?.end();
  const { stdout } = await client;
  const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(stdout)?.[0];
  if (!pem) throw new Error(`openssl s_client got no certificate from ${serverName}:\n${stdout}`);
  const { X509Certificate } = await import('node:crypto');
  const x509 = new X509Certificate(pem);
  return { subject: x509.subject, fingerprint: x509.fingerprint256 };
}

/** A certificate authority: `<name>.crt` and `<name>.key`. */
export async function makeAuthority(dir: string, name: string): Promise<{ cert: string; key: string }> {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  await run('openssl', [
    ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-sha256'],
    ...['-days', '30', '-subj', `/CN=${name}`, '-keyout', key, '-out', cert],
    ...[
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=keyCertSign,cRLSign,digitalSignature',
    ],
  ]);
  return { cert, key };
}

/** A certificate for `host` signed by `authority`. */
export async function makeSignedCertificate(
  dir: string,
  name: string,
  host: string,
  authority: { cert: string; key: string },
): Promise<{ cert: string; key: string }> {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  await writeFile(ext, `subjectAltName=DNS:${host}\n`);
  await run('openssl', [
    ...['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'],
    ...['-subj', `/CN=${host}`, '-keyout', key, '-out', csr],
  ]);
  await run('openssl', [
    ...['x509', '-req', '-in', csr, '-CA', authority.cert, '-CAkey', authority.key, '-CAcreateserial'],
    ...['-out', cert, '-days', '30', '-sha256', '-extfile', ext],
  ]);
  return { cert, key };
}

/**
 * A signed OCSP response saying `certificate` is good, as its authority's responder would answer, made with
 * `openssl ocsp` from a one-line certificate index (no responder runs): what a binding's ocspResponseFile holds.
 */
export async function makeOcspResponse(
  dir: string,
  certificate: string,
  authority: { cert: string; key: string },
): Promise<string> {
  const { stdout } = await run('openssl', ['x509', '-in', certificate, '-noout', '-serial', '-subject']);
  const serial = /serial=([0-9A-F]+)/i.exec(stdout)![1]!;
  const index = join(dir, 'ocsp-index.txt');
  await writeFile(index, `V\t301231000000Z\t\t${serial}\tunknown\t/CN=ocsp\n`);
  const request = join(dir, 'ocsp-request.der');
  const response = join(dir, 'ocsp-response.der');
  await run('openssl', [
    'ocsp',
    '-issuer',
    authority.cert,
    '-cert',
    certificate,
    '-reqout',
    request,
    '-no_nonce',
  ]);
  await run('openssl', [
    ...['ocsp', '-index', index, '-rsigner', authority.cert, '-rkey', authority.key, '-CA', authority.cert],
    ...['-reqin', request, '-respout', response, '-ndays', '1'],
  ]);
  return response;
}

/** A PKCS#12 file of a certificate and its key under a password, as IIS's central certificate store holds them. */
export async function makePfx(
  file: string,
  certificate: { cert: string; key: string },
  password: string,
): Promise<string> {
  await run('openssl', [
    ...['pkcs12', '-export', '-in', certificate.cert, '-inkey', certificate.key],
    ...['-out', file, '-passout', `pass:${password}`],
  ]);
  return file;
}

/** `openssl s_client -status`: what the handshake stapled, as openssl prints it. */
export async function stapledStatus(port: number, serverName: string): Promise<string> {
  const client = run('openssl', [
    's_client',
    '-connect',
    `127.0.0.1:${port}`,
    '-servername',
    serverName,
    '-status',
  ]);
  client.child.stdin?.end();
  const { stdout } = await client;
  return stdout;
}
