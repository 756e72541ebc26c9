import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCertificate, validateConfig, type W3poolConfig } from '@w3pool/config';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeSelfSignedCertificates, missingCertificates } from './self-signed-certificate.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'w3pool-self-signed-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A config with these https bindings, its paths resolved against `dir`, its files not read. */
function config(bindings: Record<string, unknown>[]): W3poolConfig {
  const raw = {
    applicationPools: [{ name: 'DefaultAppPool' }],
    sites: [
      {
        name: 'S',
        id: 1,
        bindings: bindings.map((b, i) => ({ protocol: 'https', bindingInformation: `*:${8443 + i}:`, ...b })),
        applications: [{ path: '/', virtualDirectories: [{ path: '/', physicalPath: 'www' }] }],
      },
    ],
  };
  return validateConfig(raw, { source: 't', baseDir: dir, readCertificates: false });
}

describe('the self-signed certificate of a first run', () => {
  it('is RSA 2048 signed with SHA-256, names localhost and 127.0.0.1, and its key matches', async () => {
    const lines: string[] = [];
    const c = config([
      { certificateFile: '.w3pool/localhost.crt', certificateKeyFile: '.w3pool/localhost.key' },
    ]);
    expect(await makeSelfSignedCertificates(c, (l) => lines.push(l))).toEqual([
      join(dir, '.w3pool/localhost.crt'),
    ]);
    const material = readCertificate({
      certFile: join(dir, '.w3pool/localhost.crt'),
      keyFile: join(dir, '.w3pool/localhost.key'),
    });
    expect(material.certificate.subjectAltName).toBe(
      'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1',
    );
    expect(material.certificate.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    const text = execFileSync(
      'openssl',
      ['x509', '-in', join(dir, '.w3pool/localhost.crt'), '-noout', '-text'],
      {
        encoding: 'utf8',
      },
    );
    expect(text).toContain('Signature Algorithm: sha256WithRSAEncryption');
    expect(statSync(join(dir, '.w3pool/localhost.key')).mode & 0o777).toBe(0o600);
    expect(lines).toEqual([
      expect.stringMatching(
        /^wrote a self-signed certificate for DNS:localhost, IP:127.0.0.1.* to .*localhost.crt/,
      ),
    ]);
    // The configuration now validates, files read.
    expect(() =>
      validateConfig(
        {
          applicationPools: [{ name: 'DefaultAppPool' }],
          sites: [
            {
              name: 'S',
              id: 1,
              bindings: [
                {
                  protocol: 'https',
                  bindingInformation: '*:8443:',
                  certificateFile: '.w3pool/localhost.crt',
                  certificateKeyFile: '.w3pool/localhost.key',
                },
              ],
              applications: [{ path: '/', virtualDirectories: [{ path: '/', physicalPath: 'www' }] }],
            },
          ],
        },
        { source: 't', baseDir: dir },
      ),
    ).not.toThrow();
  });

  it('goes in one PEM file with its key when the binding names no key file', async () => {
    await makeSelfSignedCertificates(config([{ certificateFile: 'both.pem' }]), () => {});
    expect(() => readCertificate({ certFile: join(dir, 'both.pem') })).not.toThrow();
  });

  it('is made once: a second run, or an existing certificate or key, is left as it is', async () => {
    const c = config([{ certificateFile: 'a.crt', certificateKeyFile: 'a.key' }]);
    await makeSelfSignedCertificates(c, () => {});
    const first = readFileSync(join(dir, 'a.crt'), 'utf8');
    expect(await makeSelfSignedCertificates(c, () => {})).toEqual([]);
    expect(readFileSync(join(dir, 'a.crt'), 'utf8')).toBe(first);
    writeFileSync(join(dir, 'own.key'), 'mine');
    const ownKey = config([{ certificateFile: 'own.crt', certificateKeyFile: 'own.key' }]);
    expect(missingCertificates(ownKey)).toEqual([]);
    expect(readFileSync(join(dir, 'own.key'), 'utf8')).toBe('mine');
  });

  it('is not made for a .pfx, a password, certificateHash or the central store', () => {
    const c = config([
      { certificateFile: 'x.pfx' },
      { certificateFile: 'y.pem', certificatePassword: 'p' },
      { certificateHash: 'AB'.repeat(20) },
    ]);
    expect(missingCertificates(c)).toEqual([]);
  });
});
