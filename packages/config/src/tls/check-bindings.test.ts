import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, type ConfigIssue } from '../config-error.js';
import { validateConfig } from '../load-config.js';
import type { W3poolConfig } from '../schema/w3pool-config.js';
import { readCertificate } from './read-certificate.js';
import { makeCertificate, makeExpiredCertificate, makePfx, thumbprintOf } from './test-certificates.js';

// Real certificates made by openssl; configs validated the way WAS validates them (validateConfig).
let dir: string;
let a: { cert: string; key: string };
let b: { cert: string; key: string };
let expired: { cert: string; key: string };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'w3pool-tls-'));
  a = makeCertificate(dir, 'a', 'localhost');
  b = makeCertificate(dir, 'b', 'other.test');
  expired = makeExpiredCertificate(dir, 'expired');
  makePfx(dir, a.cert, a.key, 'a.pfx', 'secret');
  writeFileSync(join(dir, 'both.pem'), readFileSync(a.cert, 'utf8') + readFileSync(a.key, 'utf8'));
  writeFileSync(join(dir, 'not-a-cert.pem'), 'hello\n');
  writeFileSync(join(dir, 'other.pem'), readFileSync(b.cert, 'utf8') + readFileSync(b.key, 'utf8'));
  // The stand-in for the Windows "My" store: certificateHash names <store>/<HASH>.pfx.
  mkdirSync(join(dir, 'certs/My'), { recursive: true });
  makePfx(dir, a.cert, a.key, `certs/My/${thumbprintOf(a.cert)}.pfx`, '');
  // A file named with b's thumbprint that holds a: the thumbprint check must catch it.
  makePfx(dir, a.cert, a.key, `certs/My/${thumbprintOf(b.cert)}.pfx`, '');
  // The central certificate store: one file per host name.
  mkdirSync(join(dir, 'central'), { recursive: true });
  makePfx(dir, a.cert, a.key, 'central/pfx.example.org.pfx', 'ccs');
  copyFileSync(b.cert, join(dir, 'central/pem.example.org.pem'));
  copyFileSync(b.key, join(dir, 'central/pem.example.org.key'));
  makePfx(dir, b.cert, b.key, 'central/_.example.com.pfx', 'ccs');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type RawBinding = Record<string, unknown>;

function config(bindings: RawBinding[], extra: Record<string, unknown> = {}) {
  return {
    applicationPools: [{ name: 'DefaultAppPool' }],
    sites: [
      {
        name: 'Default Web Site',
        id: 1,
        bindings,
        applications: [{ path: '/', virtualDirectories: [{ path: '/', physicalPath: 'www' }] }],
      },
    ],
    ...extra,
  };
}

function validate(bindings: RawBinding[], extra: Record<string, unknown> = {}): W3poolConfig {
  return validateConfig(config(bindings, extra), { source: 'test.yaml', baseDir: dir });
}

function issues(bindings: RawBinding[], extra: Record<string, unknown> = {}): ConfigIssue[] {
  try {
    validate(bindings, extra);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).issues];
  }
  return [];
}

const https = (more: RawBinding): RawBinding => ({
  protocol: 'https',
  bindingInformation: '*:8443:',
  ...more,
});
const central = {
  centralCertProvider: { enabled: true, certStoreLocation: 'central', privateKeyPassword: 'ccs' },
};

describe('https bindings: the certificate files', () => {
  it('accepts a PEM certificate with its key file, and one PEM holding both (paths relative to the config)', () => {
    expect(issues([https({ certificateFile: 'a.crt', certificateKeyFile: 'a.key' })])).toEqual([]);
    expect(issues([https({ certificateFile: 'both.pem' })])).toEqual([]);
  });

  it('points at certificateFile when the file does not exist or is not a certificate', () => {
    expect(issues([https({ certificateFile: 'missing.crt', certificateKeyFile: 'a.key' })])).toEqual([
      {
        pointer: '/sites/0/bindings/0/certificateFile',
        reason: `the file does not exist: ${join(dir, 'missing.crt')}`,
      },
    ]);
    const [issue] = issues([https({ certificateFile: 'not-a-cert.pem', certificateKeyFile: 'a.key' })]);
    expect(issue).toMatchObject({ pointer: '/sites/0/bindings/0/certificateFile' });
    expect(issue!.reason).toMatch(/not a PEM certificate/);
  });

  it('points at certificateKeyFile when the key belongs to another certificate', () => {
    const [issue, ...rest] = issues([https({ certificateFile: 'a.crt', certificateKeyFile: 'b.key' })]);
    expect(rest).toEqual([]);
    expect(issue).toMatchObject({ pointer: '/sites/0/bindings/0/certificateKeyFile' });
    expect(issue!.reason).toMatch(/private key does not belong to the certificate \(CN=localhost\)/);
  });

  it('points at certificateKeyFile when the PEM file holds no key and none is named', () => {
    const [issue] = issues([https({ certificateFile: 'a.crt' })]);
    expect(issue).toMatchObject({ pointer: '/sites/0/bindings/0/certificateFile' });
    expect(issue!.reason).toMatch(/holds no private key/);
  });

  it('reads a .pfx with the right password and points at certificatePassword with a wrong one', () => {
    expect(issues([https({ certificateFile: 'a.pfx', certificatePassword: 'secret' })])).toEqual([]);
    const [issue] = issues([https({ certificateFile: 'a.pfx', certificatePassword: 'wrong' })]);
    expect(issue).toMatchObject({ pointer: '/sites/0/bindings/0/certificatePassword' });
    expect(issue!.reason).toMatch(/password is wrong/);
  });

  it('needs one of certificateFile, certificateHash or the central store', () => {
    expect(issues([https({})])).toEqual([
      {
        pointer: '/sites/0/bindings/0',
        reason:
          'an https binding needs certificateFile, certificateHash, or sslFlags 2 (central certificate store)',
      },
    ]);
  });

  it('accepts an expired certificate (IIS serves it too) and tells when it expired', () => {
    expect(issues([https({ certificateFile: expired.cert, certificateKeyFile: expired.key })])).toEqual([]);
    expect(readCertificate({ certFile: expired.cert, keyFile: expired.key }).notAfter.toISOString()).toBe(
      '2020-01-02T00:00:00.000Z',
    );
  });

  it('checks that the client certificate authorities and the OCSP response files exist', () => {
    const found = issues([
      https({
        certificateFile: 'both.pem',
        clientCertificateAuthorities: 'ca.pem',
        ocspResponseFile: 'a.ocsp',
      }),
    ]);
    expect(found.map((i) => i.pointer)).toEqual([
      '/sites/0/bindings/0/clientCertificateAuthorities',
      '/sites/0/bindings/0/ocspResponseFile',
    ]);
  });

  it('does not read the files when asked not to (the launcher, before it makes the missing certificate)', () => {
    const raw = config([https({ certificateFile: 'missing.crt', certificateKeyFile: 'missing.key' })]);
    const loaded = validateConfig(raw, { source: 't', baseDir: dir, readCertificates: false });
    expect(loaded.sites[0]!.bindings[0]!.certificateFile).toBe(join(dir, 'missing.crt'));
  });
});

describe('https bindings: certificateHash, IIS thumbprints mapped to files', () => {
  it('finds <certificateStoreDirectory>/My/<HASH>.pfx and checks its thumbprint', () => {
    expect(issues([https({ certificateHash: thumbprintOf(a.cert) })])).toEqual([]);
    expect(issues([https({ certificateHash: thumbprintOf(a.cert).toLowerCase() })])).toEqual([]);
  });

  it('points at certificateHash when the file holds another certificate', () => {
    const [issue] = issues([https({ certificateHash: thumbprintOf(b.cert) })]);
    expect(issue).toMatchObject({ pointer: '/sites/0/bindings/0/certificateHash' });
    expect(issue!.reason).toContain(
      `the certificate's thumbprint is ${thumbprintOf(a.cert)}, not the certificateHash ${thumbprintOf(b.cert)}`,
    );
  });

  it('points at certificateHash when no file has that name, saying where it looked', () => {
    const [issue] = issues([https({ certificateHash: 'AB'.repeat(20), certificateStoreName: 'WebHosting' })]);
    expect(issue).toMatchObject({ pointer: '/sites/0/bindings/0/certificateHash' });
    expect(issue!.reason).toContain(join(dir, 'certs/WebHosting', `${'AB'.repeat(20)}.pfx`));
  });
});

describe('https bindings: SNI and the central certificate store', () => {
  it('finds <host>.pfx, <host>.pem with <host>.key, and the _.example.com.pfx wildcard', () => {
    const bindings = [
      https({ bindingInformation: '*:8443:pfx.example.org', sslFlags: 3 }),
      https({ bindingInformation: '*:8443:pem.example.org', sslFlags: 3 }),
      https({ bindingInformation: '*:8443:www.example.com', sslFlags: 3 }),
      https({ bindingInformation: '*:8443:*.example.com', sslFlags: 3 }),
    ];
    expect(issues(bindings, central)).toEqual([]);
  });

  it('names the files it looked for when the store has no certificate for the host', () => {
    const [issue] = issues(
      [https({ bindingInformation: '*:8443:nothing.example.org', sslFlags: 3 })],
      central,
    );
    expect(issue).toMatchObject({ pointer: '/sites/0/bindings/0/bindingInformation' });
    expect(issue!.reason).toContain(`${join(dir, 'central')}/nothing.example.org.pfx`);
  });

  it('points at privateKeyPassword when the store password is wrong', () => {
    const wrong = { centralCertProvider: { ...central.centralCertProvider, privateKeyPassword: 'nope' } };
    const [issue] = issues([https({ bindingInformation: '*:8443:pfx.example.org', sslFlags: 3 })], wrong);
    expect(issue).toMatchObject({ pointer: '/centralCertProvider/privateKeyPassword' });
  });

  it('refuses sslFlags 2 while the central store is off, without SNI, or without a host name', () => {
    expect(issues([https({ bindingInformation: '*:8443:a.example.org', sslFlags: 3 })])).toEqual([
      expect.objectContaining({
        pointer: '/sites/0/bindings/0/sslFlags',
        reason: expect.stringMatching(/centralCertProvider.enabled/),
      }),
    ]);
    expect(issues([https({ bindingInformation: '*:8443:pfx.example.org', sslFlags: 2 })], central)).toEqual([
      expect.objectContaining({
        pointer: '/sites/0/bindings/0/sslFlags',
        reason: expect.stringMatching(/IIS requires sslFlags 1 with 2: use 3/),
      }),
    ]);
    expect(issues([https({ bindingInformation: '*:8443:', sslFlags: 3 })], central)).toEqual([
      expect.objectContaining({
        pointer: '/sites/0/bindings/0/bindingInformation',
        reason: expect.stringMatching(/needs a host name/),
      }),
    ]);
  });

  it('refuses SNI (sslFlags 1) without a host name', () => {
    expect(issues([https({ sslFlags: 1, certificateFile: 'both.pem' })])).toEqual([
      expect.objectContaining({
        pointer: '/sites/0/bindings/0/bindingInformation',
        reason: expect.stringMatching(/SNI binding \(sslFlags 1\)/),
      }),
    ]);
  });
});

describe('bindings sharing a port', () => {
  it('are all http or all https: a port speaks TLS or it does not', () => {
    const found = issues([
      { protocol: 'http', bindingInformation: '*:8443:a.test' },
      https({ bindingInformation: '127.0.0.1:8443:b.test', certificateFile: 'both.pem' }),
    ]);
    expect(found).toEqual([
      expect.objectContaining({
        pointer: '/sites/0/bindings/1/protocol',
        reason: expect.stringMatching(/port 8443 is http for \/sites\/0\/bindings\/0/),
      }),
    ]);
  });

  it('may differ in protocol on different addresses', () => {
    const found = issues([
      { protocol: 'http', bindingInformation: '127.0.0.1:8443:' },
      https({ bindingInformation: '127.0.0.2:8443:', certificateFile: 'both.pem' }),
    ]);
    expect(found).toEqual([]);
  });

  it('agree on the TLS version flags without SNI, and may differ with it', () => {
    const found = issues([
      https({ bindingInformation: '*:8443:a.test', certificateFile: 'both.pem', sslFlags: 32 }),
      https({ bindingInformation: '*:8443:b.test', certificateFile: 'both.pem', sslFlags: 0 }),
    ]);
    expect(found).toEqual([
      expect.objectContaining({
        pointer: '/sites/0/bindings/1/sslFlags',
        reason: expect.stringMatching(/one handshake serves both before the host is known/),
      }),
    ]);
    const sni = [
      https({ bindingInformation: '*:8443:a.test', certificateFile: 'both.pem', sslFlags: 33 }),
      https({ bindingInformation: '*:8443:b.test', certificateFile: 'both.pem', sslFlags: 65 }),
    ];
    expect(issues(sni)).toEqual([]);
  });

  it('name one certificate without SNI (http.sys keeps one per IP:port), and may differ with it', () => {
    const found = issues([
      https({ bindingInformation: '*:8443:a.test', certificateFile: 'both.pem' }),
      https({ bindingInformation: '*:8443:b.test', certificateFile: 'other.pem' }),
    ]);
    expect(found).toEqual([
      expect.objectContaining({
        pointer: '/sites/0/bindings/1/certificateFile',
        reason: expect.stringMatching(/one certificate per IP:port/),
      }),
    ]);
  });
});

describe('http bindings', () => {
  it('refuse certificate fields and sslFlags, which they would ignore', () => {
    const found = issues([
      { protocol: 'http', bindingInformation: '*:8080:', certificateFile: 'both.pem', sslFlags: 4 },
    ]);
    expect(found.map((i) => i.pointer)).toEqual([
      '/sites/0/bindings/0/certificateFile',
      '/sites/0/bindings/0/sslFlags',
    ]);
    expect(found[0]!.reason).toMatch(/would be ignored/);
  });
});
