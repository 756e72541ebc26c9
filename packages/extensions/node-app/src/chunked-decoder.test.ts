import { describe, expect, it } from 'vitest';
import { ChunkedDecoder } from './chunked-decoder.js';

const framed = Buffer.from(
  '5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Checksum: abc\r\nX-Count: 2\r\n\r\n',
  'latin1',
);

describe('ChunkedDecoder', () => {
  it('returns the body without framing, and the trailers, however the input is split', () => {
    for (let split = 1; split < framed.length; split += 1) {
      const decoder = new ChunkedDecoder();
      const body = [...decoder.push(framed.subarray(0, split)), ...decoder.push(framed.subarray(split))];
      expect(Buffer.concat(body).toString(), `split at ${split}`).toBe('hello, world');
      expect(decoder.done).toBe(true);
      expect(decoder.trailers).toEqual(['X-Checksum', 'abc', 'X-Count', '2']);
    }
  });

  it('reads byte by byte, as Node writes size, CRLF, data and CRLF separately', () => {
    const decoder = new ChunkedDecoder();
    const body: Buffer[] = [];
    for (const byte of framed) body.push(...decoder.push(Buffer.from([byte])));
    expect(Buffer.concat(body).toString()).toBe('hello, world');
    expect(decoder.done).toBe(true);
  });

  it('is not done before the last chunk, and has no trailers without them', () => {
    const decoder = new ChunkedDecoder();
    decoder.push(Buffer.from('3\r\nabc\r\n'));
    expect(decoder.done).toBe(false);
    decoder.push(Buffer.from('0\r\n\r\n'));
    expect(decoder.done).toBe(true);
    expect(decoder.trailers).toEqual([]);
  });

  it('refuses a size line that is not hexadecimal', () => {
    expect(() => new ChunkedDecoder().push(Buffer.from('zz\r\n'))).toThrow(/malformed chunk size/);
  });
});
