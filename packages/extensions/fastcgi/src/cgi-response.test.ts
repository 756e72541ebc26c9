import { describe, expect, it } from 'vitest';
import { CgiHeadParser, CgiResponseError, MAX_HEAD_BYTES, parseHead } from './cgi-response.js';

describe('the CGI response head', () => {
  it('ends at the first empty line, CRLF or bare LF, wherever the output is cut', () => {
    const output = Buffer.from('Status: 404 Not Found\r\nContent-Type: text/html\r\n\r\n<p>gone</p>');
    for (let cut = 1; cut < output.length; cut += 1) {
      const parser = new CgiHeadParser();
      const first = parser.push(output.subarray(0, cut));
      const done = first ?? parser.push(output.subarray(cut));
      expect(done, `cut at ${cut}`).toBeDefined();
      const body = first ? Buffer.concat([first.body, output.subarray(cut)]) : done!.body;
      expect(body.toString()).toBe('<p>gone</p>');
      expect(done!.head).toEqual({
        status: 404,
        headers: [['Content-Type', 'text/html']],
        kind: 'document',
        location: undefined,
      });
    }
    expect(new CgiHeadParser().push(Buffer.from('Content-Type: text/plain\n\nbody'))?.body.toString()).toBe(
      'body',
    );
  });

  it('tells a local redirect (a path, no Status) from a client redirect', () => {
    expect(parseHead('Location: /other.php?x=1')).toMatchObject({
      kind: 'local-redirect',
      location: '/other.php?x=1',
    });
    expect(parseHead('Location: https://example.com/')).toMatchObject({
      kind: 'client-redirect',
      status: 302,
    });
    expect(parseHead('Location: //example.com/')).toMatchObject({ kind: 'client-redirect' });
    expect(parseHead('Status: 301 Moved\r\nLocation: /new')).toMatchObject({ kind: 'document', status: 301 });
    expect(parseHead('Content-Type: text/plain')).toMatchObject({ kind: 'document', status: 200 });
  });

  it('refuses malformed heads', () => {
    expect(() => parseHead('no colon here')).toThrow(CgiResponseError);
    expect(() => parseHead('Status: abc')).toThrow(/malformed Status/);
    expect(() => parseHead('Status: 999')).toThrow(/out of range/);
    expect(() => parseHead('Bad Name: x')).toThrow(/malformed header name/);
    const parser = new CgiHeadParser();
    expect(() => parser.push(Buffer.alloc(MAX_HEAD_BYTES + 1, 0x61))).toThrow(/no end of the response head/);
  });
});
