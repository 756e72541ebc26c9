import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

// Real certificates for the tests, made by openssl in a temporary folder (CI installs openssl).

function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A self-signed RSA certificate and its key, as `<name>.crt` and `<name>.key`; returns their paths. */
export function makeCertificate(
  dir: string,
  name: string,
  commonName = 'localhost',
): { cert: string; key: string } {
  openssl(
    dir,
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-sha256',
    '-days',
    '30',
    '-subj',
    `/CN=${commonName}`,
    '-addext',
    `subjectAltName=DNS:${commonName}`,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.crt`,
  );
  return { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
}

/** A PKCS#12 file of a certificate and key, under a password. */
export function makePfx(dir: string, cert: string, key: string, file: string, password: string): string {
  openssl(dir, 'pkcs12', '-export', '-in', cert, '-inkey', key, '-out', file, '-passout', `pass:${password}`);
  return join(dir, file);
}

/** A certificate that expired in 2020, and its key (openssl req cannot back-date; openssl ca can). */
export function makeExpiredCertificate(dir: string, name: string): { cert: string; key: string } {
  writeFileSync(
    join(dir, `${name}-ca.cnf`),
    `[ca]\ndefault_ca=CA\n[CA]\ndatabase=${name}-index.txt\nnew_certs_dir=.\nserial=${name}-serial\npolicy=p\ndefault_md=sha256\n[p]\ncommonName=supplied\n`,
  );
  writeFileSync(join(dir, `${name}-index.txt`), '');
  writeFileSync(join(dir, `${name}-serial`), '01\n');
  openssl(
    dir,
    'req',
    '-new',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=expired.test',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
  );
  openssl(
    dir,
    'ca',
    '-batch',
    '-notext',
    '-config',
    `${name}-ca.cnf`,
    '-selfsign',
    '-keyfile',
    `${name}.key`,
    '-in',
    `${name}.csr`,
    '-out',
    `${name}.crt`,
    '-startdate',
    '20200101000000Z',
    '-enddate',
    '20200102000000Z',
  );
  return { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
}

/** The SHA-1 thumbprint IIS shows (certificateHash) of a PEM certificate. */
export function thumbprintOf(cert: string): string {
  const out = execFileSync('openssl', ['x509', '-in', cert, '-noout', '-fingerprint', '-sha1'], {
    encoding: 'utf8',
  });
  return out.split('=')[1]!.trim().replaceAll(':', '').toUpperCase();
}
