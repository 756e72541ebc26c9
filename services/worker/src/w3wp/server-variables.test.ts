import { describe, expect, it } from 'vitest';
import type { ClientCertificate, RequestJob, RequestTls } from '@w3pool/protocol';
import { handlerHeaders } from './request-headers.js';
import { serverVariable, type VariableSources } from './server-variables.js';

const job: RequestJob = {
  id: 'L.1',
  replyTo: 'L',
  enqueuedAt: 0,
  deadline: 0,
  siteId: 3,
  siteName: 'Shop',
  appPath: '/store',
  method: 'POST',
  rawUrl: '/store/index.php/cart/add?item=7&n=%20',
  path: '/store/index.php/cart/add',
  query: 'item=7&n=%20',
  httpVersion: '1.1',
  headers: [
    'Host',
    'shop.example:8080',
    'Content-Type',
    'text/plain',
    'X-Forwarded-For',
    '10.0.0.1',
    'Proxy',
    'evil',
  ],
  remoteAddress: '192.0.2.10',
  remotePort: 51000,
  localAddress: '127.0.0.1',
  localPort: 8080,
  body: new Uint8Array(),
  bodyLength: 5,
  bodyComplete: true,
};

const sources = (over: Partial<VariableSources> = {}): VariableSources => ({
  pool: 'ShopPool',
  site: { id: 3, name: 'Shop' },
  appPath: '/store',
  appRoot: '/srv/store',
  scriptName: '/store/index.php',
  pathInfo: '/cart/add',
  allowPathInfo: true,
  scriptPath: '/srv/store/index.php',
  headers: handlerHeaders(job.headers),
  user: { name: 'ann', authType: 'Basic', roles: [] },
  mapPath: (url) => `/srv${url}`,
  ...over,
});

const v = (name: string, over?: Partial<VariableSources>) => serverVariable(job, sources(over), name);

describe('serverVariable', () => {
  it('answers the request line and the application as IIS names them', () => {
    expect(v('REQUEST_METHOD')).toBe('POST');
    expect(v('QUERY_STRING')).toBe('item=7&n=%20');
    expect(v('UNENCODED_URL')).toBe('/store/index.php/cart/add?item=7&n=%20');
    expect(v('SERVER_PROTOCOL')).toBe('HTTP/1.1');
    expect(v('APPL_MD_PATH')).toBe('/LM/W3SVC/3/ROOT/store');
    expect(v('APPL_PHYSICAL_PATH')).toBe('/srv/store/');
    expect(v('APP_POOL_ID')).toBe('ShopPool');
    expect(v('INSTANCE_ID')).toBe('3');
    expect(v('SERVER_NAME')).toBe('shop.example');
    expect(v('SERVER_PORT')).toBe('8080');
    expect(v('REMOTE_ADDR')).toBe('192.0.2.10');
    expect(v('REMOTE_PORT')).toBe('51000');
    expect(v('HTTPS')).toBe('off');
    expect(v('CONTENT_LENGTH')).toBe('5');
    expect(v('CONTENT_TYPE')).toBe('text/plain');
    expect(v('LOGON_USER')).toBe('ann');
    expect(v('AUTH_TYPE')).toBe('Basic');
    expect(v('request_method')).toBe('POST');
  });

  it('splits SCRIPT_NAME and PATH_INFO for an allowPathInfo mapping, and reports the whole URL otherwise', () => {
    expect(v('SCRIPT_NAME')).toBe('/store/index.php');
    expect(v('PATH_INFO')).toBe('/cart/add');
    expect(v('PATH_TRANSLATED')).toBe('/srv/cart/add');
    expect(v('SCRIPT_FILENAME')).toBe('/srv/store/index.php');
    const whole = { allowPathInfo: false, pathInfo: '', scriptName: job.path };
    expect(v('PATH_INFO', whole)).toBe('/store/index.php/cart/add');
    expect(v('URL', whole)).toBe('/store/index.php/cart/add');
  });

  it('gives headers as HTTP_*, undefined for one not sent, and both ALL_HTTP and ALL_RAW', () => {
    expect(v('HTTP_X_FORWARDED_FOR')).toBe('10.0.0.1');
    expect(v('HTTP_REFERER')).toBeUndefined();
    expect(v('ALL_HTTP')).toContain('HTTP_HOST:shop.example:8080\n');
    expect(v('ALL_RAW')).toContain('X-Forwarded-For: 10.0.0.1\r\n');
    expect(v('NO_SUCH_VARIABLE')).toBeUndefined();
  });
});

describe('serverVariable over TLS', () => {
  const tls: RequestTls = {
    protocol: 'TLSv1.3',
    cipher: 'TLS_AES_256_GCM_SHA384',
    keySize: 256,
    secretKeySize: 2048,
    serverSubject: 'C=US, O=Contoso, CN=www.contoso.com',
    serverIssuer: 'C=US, O=Contoso, CN=Contoso CA',
  };
  const client: ClientCertificate = {
    subject: 'C=US, O=Contoso, CN=alice',
    issuer: 'C=US, O=Contoso, CN=Contoso CA',
    serialNumber: '04-67-F3-02',
    validFrom: Date.UTC(2026, 0, 1),
    validTo: Date.UTC(2027, 0, 1),
    fingerprint256: 'ab'.repeat(32),
    authorized: true,
    authorizationError: '',
    der: 'A'.repeat(100),
  };
  const over = (connection: RequestTls | undefined, name: string) =>
    serverVariable({ ...job, tls: connection }, sources(), name);

  it('reports the connection: HTTPS on, port secure, key sizes, the server certificate, SChannel’s ids', () => {
    expect(over(tls, 'HTTPS')).toBe('on');
    expect(over(tls, 'SERVER_PORT_SECURE')).toBe('1');
    expect(over(tls, 'HTTPS_KEYSIZE')).toBe('256');
    expect(over(tls, 'CERT_KEYSIZE')).toBe('256');
    expect(over(tls, 'HTTPS_SECRETKEYSIZE')).toBe('2048');
    expect(over(tls, 'CERT_SECRETKEYSIZE')).toBe('2048');
    expect(over(tls, 'HTTPS_SERVER_SUBJECT')).toBe('C=US, O=Contoso, CN=www.contoso.com');
    expect(over(tls, 'CERT_SERVER_SUBJECT')).toBe('C=US, O=Contoso, CN=www.contoso.com');
    expect(over(tls, 'HTTPS_SERVER_ISSUER')).toBe('C=US, O=Contoso, CN=Contoso CA');
    expect(over(tls, 'CERT_SERVER_ISSUER')).toBe('C=US, O=Contoso, CN=Contoso CA');
    expect(over(tls, 'CRYPT_PROTOCOL')).toBe('1000');
    expect(over({ ...tls, protocol: 'TLSv1.2' }, 'CRYPT_PROTOCOL')).toBe('400');
    expect(over(tls, 'CRYPT_CIPHER_ALG_ID')).toBe('6610');
    expect(over(tls, 'CRYPT_HASH_ALG_ID')).toBe('800d');
    expect(over(tls, 'CRYPT_KEYEXCHANGE_ALG_ID')).toBe('ae06');
  });

  it('has no client certificate variables without one, and CERT_FLAGS 0', () => {
    expect(over(tls, 'CERT_FLAGS')).toBe('0');
    expect(over(tls, 'CERT_SUBJECT')).toBe('');
    expect(over(tls, 'CERT_COOKIE')).toBe('');
    expect(over(tls, 'SSL_CLIENT_CERT')).toBe('');
  });

  it('describes the client certificate, with CERT_FLAGS bit 1 when its authority is not trusted', () => {
    const trusted = { ...tls, clientCertificate: client };
    expect(over(trusted, 'CERT_FLAGS')).toBe('1');
    expect(over(trusted, 'CERT_SUBJECT')).toBe('C=US, O=Contoso, CN=alice');
    expect(over(trusted, 'CERT_ISSUER')).toBe('C=US, O=Contoso, CN=Contoso CA');
    expect(over(trusted, 'CERT_SERIALNUMBER')).toBe('04-67-F3-02');
    expect(over(trusted, 'CERT_COOKIE')).toBe('ab'.repeat(32));
    expect(over(trusted, 'SSL_CLIENT_CERT')).toBe(
      `-----BEGIN CERTIFICATE-----\n${'A'.repeat(64)}\n${'A'.repeat(36)}\n-----END CERTIFICATE-----\n`,
    );
    const untrusted = (authorizationError: string) => ({
      ...tls,
      clientCertificate: { ...client, authorized: false, authorizationError },
    });
    expect(over(untrusted('DEPTH_ZERO_SELF_SIGNED_CERT'), 'CERT_FLAGS')).toBe('3');
    // An expired certificate's issuer may well be trusted: bit 1 is about the issuer only.
    expect(over(untrusted('CERT_HAS_EXPIRED'), 'CERT_FLAGS')).toBe('1');
  });

  it('leaves them all empty over plain HTTP, with HTTPS off', () => {
    expect(over(undefined, 'HTTPS')).toBe('off');
    expect(over(undefined, 'SERVER_PORT_SECURE')).toBe('0');
    for (const name of ['HTTPS_KEYSIZE', 'CERT_FLAGS', 'CERT_SUBJECT', 'CRYPT_PROTOCOL', 'cert_cookie'])
      expect(over(undefined, name)).toBe('');
  });
});
