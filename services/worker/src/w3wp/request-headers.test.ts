import { describe, expect, it } from 'vitest';
import { handlerHeaders } from './request-headers.js';

describe('handlerHeaders', () => {
  it('lower-cases the names the client sent and joins repeated headers, cookies with a semicolon', () => {
    const headers = handlerHeaders([
      'Host',
      'example.test',
      'Accept',
      'text/html',
      'ACCEPT',
      'image/png',
      'Cookie',
      'a=1',
      'cookie',
      'b=2',
    ]);
    expect([...headers]).toEqual([
      ['host', 'example.test'],
      ['accept', 'text/html, image/png'],
      ['cookie', 'a=1; b=2'],
    ]);
  });

  it('is empty for no headers', () => {
    expect(handlerHeaders([]).size).toBe(0);
  });
});
