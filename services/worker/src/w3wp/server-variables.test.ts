import { describe, expect, it } from 'vitest';
import type { RequestJob } from '@w3pool/protocol';
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
