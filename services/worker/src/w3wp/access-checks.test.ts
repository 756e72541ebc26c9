import { describe, expect, it } from 'vitest';
import { parseAccessSslFlags, type HandlerMapping } from '@w3pool/config';
import type { ClientCertificate, RequestTls } from '@w3pool/protocol';
import {
  checkAccess,
  checkRestriction,
  checkSslAccess,
  parseAccessPolicy,
  preConditionMet,
} from './access-checks.js';

const mapping = (over: Partial<HandlerMapping>): HandlerMapping => ({
  name: 'm',
  path: '*',
  verb: '*',
  modules: 'X',
  scriptProcessor: '',
  resourceType: 'Unspecified',
  requireAccess: 'Script',
  preCondition: '',
  allowPathInfo: false,
  responseBufferLimit: 4194304,
  ...over,
});

const restriction = (over: object = {}) => ({
  notListedIsapisAllowed: false,
  notListedCgisAllowed: false,
  list: [] as { path: string; allowed: boolean; groupId: string; description: string }[],
  ...over,
});

describe('checkAccess', () => {
  it('refuses a mapping whose requireAccess the policy does not grant, with 403.1, 403.2 or 403.3', () => {
    const readOnly = parseAccessPolicy('Read');
    expect(() => checkAccess(mapping({ requireAccess: 'Script' }), readOnly, false)).toThrow(
      expect.objectContaining({ status: 403, substatus: 1 }),
    );
    expect(() => checkAccess(mapping({ requireAccess: 'Write' }), readOnly, false)).toThrow(
      expect.objectContaining({ status: 403, substatus: 3 }),
    );
    expect(() => checkAccess(mapping({ requireAccess: 'Read' }), parseAccessPolicy('Script'), false)).toThrow(
      expect.objectContaining({ status: 403, substatus: 2 }),
    );
    expect(() => checkAccess(mapping({ requireAccess: 'None' }), parseAccessPolicy(''), true)).not.toThrow();
  });

  it('lets Execute stand for Script, and NoRemote flags keep a right to local clients', () => {
    expect(() => checkAccess(mapping({}), parseAccessPolicy('Read, Execute'), true)).not.toThrow();
    const localScript = parseAccessPolicy('Read, Script, NoRemoteScript');
    expect(() => checkAccess(mapping({}), localScript, false)).not.toThrow();
    expect(() => checkAccess(mapping({}), localScript, true)).toThrow(
      expect.objectContaining({ substatus: 1 }),
    );
  });
});

describe('checkRestriction', () => {
  const cgi = mapping({ modules: 'CgiModule', scriptProcessor: '/usr/bin/php-cgi %s' });

  it('refuses a CGI program that is not listed with 404.2, unless notListedCgisAllowed', () => {
    expect(() => checkRestriction(cgi, restriction(), '/srv/a.php')).toThrow(
      expect.objectContaining({ status: 404, substatus: 2 }),
    );
    expect(() =>
      checkRestriction(cgi, restriction({ notListedCgisAllowed: true }), '/srv/a.php'),
    ).not.toThrow();
  });

  it('follows the list entry for the program, or for the script itself without a scriptProcessor', () => {
    const entry = (path: string, allowed: boolean) => ({ path, allowed, groupId: '', description: '' });
    const listed = restriction({ list: [entry('/usr/bin/php-cgi', true)] });
    expect(() => checkRestriction(cgi, listed, '/srv/a.php')).not.toThrow();
    const denied = restriction({ list: [entry('/usr/bin/php-cgi', false)], notListedCgisAllowed: true });
    expect(() => checkRestriction(cgi, denied, '/srv/a.php')).toThrow(
      expect.objectContaining({ substatus: 2 }),
    );
    const script = mapping({ modules: 'CgiModule' });
    expect(() =>
      checkRestriction(script, restriction({ list: [entry('/srv/x.cgi', true)] }), '/srv/x.cgi'),
    ).not.toThrow();
  });

  it('governs IsapiModule extensions by notListedIsapisAllowed, and leaves `type` handlers alone', () => {
    const isapi = mapping({ modules: 'IsapiModule', scriptProcessor: '/ext/a.mjs' });
    expect(() => checkRestriction(isapi, restriction({ notListedCgisAllowed: true }), '')).toThrow();
    expect(() => checkRestriction(isapi, restriction({ notListedIsapisAllowed: true }), '')).not.toThrow();
    expect(() => checkRestriction(mapping({ type: '/ext/b.mjs' }), restriction(), '')).not.toThrow();
  });
});

describe('preConditionMet', () => {
  const pool = {
    managedPipelineMode: 'Integrated' as const,
    managedRuntimeVersion: 'v4.0',
    enable32BitAppOnWin64: false,
  };
  it('holds for integratedMode and bitness64 here, and compares the runtime version with the pool’s', () => {
    expect(preConditionMet('integratedMode,bitness64', pool)).toBe(true);
    expect(preConditionMet('ISAPIMode', pool)).toBe(false);
    expect(preConditionMet('bitness32', pool)).toBe(false);
    expect(preConditionMet('runtimeVersionv4.0', pool)).toBe(true);
    expect(preConditionMet('runtimeVersionv2.0', pool)).toBe(false);
    expect(preConditionMet('', pool)).toBe(true);
  });
});

describe('checkSslAccess', () => {
  const now = Date.UTC(2026, 5, 1);
  const certificate = (over: Partial<ClientCertificate> = {}): ClientCertificate => ({
    subject: 'CN=alice',
    issuer: 'CN=Test CA',
    serialNumber: '01',
    validFrom: Date.UTC(2026, 0, 1),
    validTo: Date.UTC(2027, 0, 1),
    fingerprint256: 'ab'.repeat(32),
    authorized: true,
    authorizationError: '',
    der: '',
    ...over,
  });
  const tls = (over: Partial<RequestTls> = {}): RequestTls => ({
    protocol: 'TLSv1.3',
    cipher: 'TLS_AES_256_GCM_SHA384',
    keySize: 256,
    secretKeySize: 256,
    serverSubject: 'CN=localhost',
    serverIssuer: 'CN=localhost',
    ...over,
  });
  const check = (flags: string, connection: RequestTls | undefined) => () =>
    checkSslAccess(parseAccessSslFlags(flags), connection, now);
  const refused = (substatus: number, code: string): unknown =>
    expect.objectContaining({ status: 403, substatus, code });

  it('lets everything through with None', () => {
    expect(check('None', undefined)).not.toThrow();
    expect(check('None', tls({ keySize: 56 }))).not.toThrow();
  });

  it('refuses plain HTTP with 403.4 under Ssl or Ssl128', () => {
    expect(check('Ssl', undefined)).toThrow(refused(4, 'WORKER_SSL_REQUIRED'));
    expect(check('Ssl128', undefined)).toThrow(refused(4, 'WORKER_SSL_REQUIRED'));
    expect(check('Ssl', tls())).not.toThrow();
  });

  it('refuses a key under 128 bits with 403.5 under Ssl128 only', () => {
    const weak = tls({ cipher: 'EXP-RC4-MD5', keySize: 40 });
    expect(check('Ssl, Ssl128', weak)).toThrow(refused(5, 'WORKER_SSL_128_REQUIRED'));
    expect(check('Ssl', weak)).not.toThrow();
    expect(check('Ssl, Ssl128', tls({ cipher: 'TLS_AES_128_GCM_SHA256', keySize: 128 }))).not.toThrow();
  });

  it('refuses a request without a client certificate with 403.7 under SslRequireCert, not SslNegotiateCert', () => {
    expect(check('Ssl, SslNegotiateCert, SslRequireCert', tls())).toThrow(
      refused(7, 'WORKER_CLIENT_CERTIFICATE_REQUIRED'),
    );
    expect(check('SslRequireCert', undefined)).toThrow(refused(7, 'WORKER_CLIENT_CERTIFICATE_REQUIRED'));
    expect(check('Ssl, SslNegotiateCert', tls())).not.toThrow();
    expect(check('SslRequireCert', tls({ clientCertificate: certificate() }))).not.toThrow();
  });

  it('refuses an untrusted certificate with 403.16, and takes it under SslNegotiateCert alone', () => {
    const selfSigned = tls({
      clientCertificate: certificate({
        authorized: false,
        authorizationError: 'DEPTH_ZERO_SELF_SIGNED_CERT',
      }),
    });
    expect(check('SslNegotiateCert, SslRequireCert', selfSigned)).toThrow(
      refused(16, 'WORKER_CLIENT_CERTIFICATE_UNTRUSTED'),
    );
    expect(check('SslNegotiateCert', selfSigned)).not.toThrow();
  });

  it('refuses an expired or not yet valid certificate with 403.17, by the handshake or by the clock', () => {
    const verdict = (authorizationError: string) =>
      tls({ clientCertificate: certificate({ authorized: false, authorizationError }) });
    expect(check('SslRequireCert', verdict('CERT_HAS_EXPIRED'))).toThrow(
      refused(17, 'WORKER_CLIENT_CERTIFICATE_EXPIRED'),
    );
    expect(check('SslRequireCert', verdict('CERT_NOT_YET_VALID'))).toThrow(
      refused(17, 'WORKER_CLIENT_CERTIFICATE_EXPIRED'),
    );
    // Trusted at the handshake, but the connection outlived it.
    const lapsed = tls({ clientCertificate: certificate({ validTo: now - 1 }) });
    expect(check('SslRequireCert', lapsed)).toThrow(refused(17, 'WORKER_CLIENT_CERTIFICATE_EXPIRED'));
  });
});
