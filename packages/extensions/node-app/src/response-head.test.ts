import { describe, expect, it } from 'vitest';
import { parseResponseHead } from './response-head.js';

describe('parseResponseHead', () => {
  it('reads the status and headers Node wrote, keeping repeated ones and dropping connection headers', () => {
    const head = parseResponseHead(
      'HTTP/1.1 302 Found\r\nLocation: /next\r\nSet-Cookie: a=1; Path=/\r\nSet-Cookie: b=2\r\n' +
        'Connection: keep-alive\r\nKeep-Alive: timeout=5\r\nTransfer-Encoding: chunked\r\nX-Note: a: b\r\n\r\n',
    );
    expect(head.status).toBe(302);
    expect([...head.headers]).toEqual([
      ['location', ['/next']],
      ['set-cookie', ['a=1; Path=/', 'b=2']],
      ['x-note', ['a: b']],
    ]);
  });

  it('refuses what is not a response head', () => {
    expect(() => parseResponseHead('hello\r\n\r\n')).toThrow(/not a response head/);
  });
});
