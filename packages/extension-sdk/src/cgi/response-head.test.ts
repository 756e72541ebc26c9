import { W3poolError as HttpError } from '@w3pool/protocol';
import { describe, expect, it } from 'vitest';
import { CgiResponseParser, MAX_HEADER_BYTES, type ParsedHead } from './response-head.js';
import { classifyCgiResponse } from './response-kind.js';

/** Feed the chunks in order; the parsed head and body, or the error the parser threw. */
function parse(...chunks: (string | Buffer)[]): ParsedHead | undefined {
  const parser = new CgiResponseParser('WORKER_CGI_BAD_HEADERS');
  for (const chunk of chunks) {
    const parsed = parser.push(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk);
    if (parsed) return parsed;
  }
  return undefined;
}

function parseError(...chunks: string[]): HttpError {
  try {
    parse(...chunks);
  } catch (error) {
    if (error instanceof HttpError) return error;
    throw error;
  }
  throw new Error('the parser accepted it');
}

describe('CgiResponseParser', () => {
  it('reads a CRLF header block and hands back the body bytes after it', () => {
    const parsed = parse('Content-Type: text/plain\r\nX-One: 1\r\n\r\nbody\r\nmore');
    expect(parsed?.head).toEqual({
      status: undefined,
      location: undefined,
      contentType: 'text/plain',
      fields: [['x-one', '1']],
    });
    expect(parsed?.rest.toString()).toBe('body\r\nmore');
  });

  it('reads LF-only and mixed line endings alike', () => {
    const lf = parse('Content-Type: text/html\nStatus: 201 Created\n\nhi');
    const mixed = parse('Content-Type: text/html\r\nStatus: 201 Created\n\r\nhi');
    for (const parsed of [lf, mixed]) {
      expect(parsed?.head.contentType).toBe('text/html');
      expect(parsed?.head.status).toEqual({ code: 201, reason: 'Created' });
      expect(parsed?.rest.toString()).toBe('hi');
    }
  });

  it('finds the same head and body wherever the output is split into chunks', () => {
    const output = 'Status: 404 Not Found\r\nContent-Type: text/plain\r\nSet-Cookie: a=1\r\n\r\nmissing';
    const whole = parse(output);
    const bodyStart = output.indexOf('missing');
    for (let at = 1; at < output.length; at += 1) {
      const split = parse(output.slice(0, at), output.slice(at));
      expect(split?.head, `split at ${at}`).toEqual(whole?.head);
      // The head completes in the first chunk or the second; what follows it in that chunk is the rest.
      const rest = at >= bodyStart ? output.slice(bodyStart, at) : 'missing';
      expect(split?.rest.toString(), `split at ${at}`).toBe(rest);
    }
    // One byte at a time: the blank line is recognised across a CR and an LF in different chunks.
    const parser = new CgiResponseParser('WORKER_CGI_BAD_HEADERS');
    const bytes = Buffer.from(output);
    let parsed: ParsedHead | undefined;
    for (let i = 0; i < bytes.length && !parsed; i += 1) parsed = parser.push(bytes.subarray(i, i + 1));
    expect(parsed?.head).toEqual(whole?.head);
  });

  it('ends at the first empty line, CRLF or bare LF, wherever the output is cut, and keeps the body', () => {
    const output = Buffer.from('Status: 404 Not Found\r\nContent-Type: text/html\r\n\r\n<p>gone</p>');
    for (let cut = 1; cut < output.length; cut += 1) {
      const parser = new CgiResponseParser('WORKER_CGI_BAD_HEADERS');
      const first = parser.push(output.subarray(0, cut));
      const done = first ?? parser.push(output.subarray(cut));
      expect(done, `cut at ${cut}`).toBeDefined();
      const body = first ? Buffer.concat([first.rest, output.subarray(cut)]) : done!.rest;
      expect(body.toString()).toBe('<p>gone</p>');
      expect(done!.head).toEqual({
        status: { code: 404, reason: 'Not Found' },
        location: undefined,
        contentType: 'text/html',
        fields: [],
      });
    }
    expect(parse('Content-Type: text/plain\n\nbody')?.rest.toString()).toBe('body');
  });

  it('waits while the blank line has not arrived', () => {
    const parser = new CgiResponseParser('WORKER_CGI_BAD_HEADERS');
    expect(parser.push(Buffer.from('Content-Type: text/plain\r\n'))).toBeUndefined();
    expect(parser.push(Buffer.from('\r'))).toBeUndefined();
    expect(parser.push(Buffer.from('\n'))?.head.contentType).toBe('text/plain');
  });

  it('keeps binary body bytes exactly, and repeated fields in order', () => {
    const body = Buffer.from([0, 1, 2, 0x0a, 0x0d, 0xff]);
    const parsed = parse(Buffer.concat([Buffer.from('Set-Cookie: a=1\nSet-Cookie: b=2\n\n'), body]));
    expect(parsed?.rest.equals(body)).toBe(true);
    expect(parsed?.head.fields).toEqual([
      ['set-cookie', 'a=1'],
      ['set-cookie', 'b=2'],
    ]);
  });

  it('joins an obsolete continuation line to the field above', () => {
    expect(parse('X-Long: one\r\n  two\r\n\r\n')?.head.fields).toEqual([['x-long', 'one two']]);
  });

  it('reads a Status with or without a reason phrase', () => {
    expect(parse('Status: 204\n\n')?.head.status).toEqual({ code: 204, reason: '' });
    expect(parse('Status:500 Internal Server Error\n\n')?.head.status).toEqual({
      code: 500,
      reason: 'Internal Server Error',
    });
  });

  it.each([
    ['a line without a colon (a script that forgot its headers)', '<html><body>hi</body></html>\n\n'],
    ['a field name with a space', 'Content Type: text/html\n\n'],
    ['an empty field name', ': value\n\n'],
    ['a control character in a value', 'X-Bad: a\x01b\n\n'],
    ['a Status that is not a number', 'Status: OK\n\n'],
    ['an interim 1xx Status', 'Status: 100 Continue\n\n'],
    ['a Status out of range', 'Status: 600 Nope\n\n'],
    ['a Status of four digits', 'Status: 9999\n\n'],
    ['a Status given twice', 'Status: 200\nStatus: 404\n\n'],
    ['two Locations', 'Location: /a\nLocation: /b\n\n'],
    ['an empty header block', '\r\nbody'],
  ])('answers 502.2 WORKER_CGI_BAD_HEADERS for %s', (_what, output) => {
    const error = parseError(output);
    expect([error.code, error.status, error.substatus]).toEqual(['WORKER_CGI_BAD_HEADERS', 502, 2]);
  });

  it("answers with the extension's own error code (FastCGI: 500 EXT_FASTCGI_BAD_RESPONSE)", () => {
    const parser = new CgiResponseParser('EXT_FASTCGI_BAD_RESPONSE');
    expect(() => parser.push(Buffer.from('no colon here\n'))).toThrow(
      expect.objectContaining({ code: 'EXT_FASTCGI_BAD_RESPONSE', status: 500 }),
    );
    const big = new CgiResponseParser('EXT_FASTCGI_BAD_RESPONSE');
    expect(() => big.push(Buffer.alloc(MAX_HEADER_BYTES + 1, 0x61))).toThrow(/no end of the header block/);
  });

  it('fails on the first line that cannot be a header field, without waiting for the blank line', () => {
    const parser = new CgiResponseParser('WORKER_CGI_BAD_HEADERS');
    expect(parser.push(Buffer.from('Content-Type: text/html\n'))).toBeUndefined();
    expect(() => parser.push(Buffer.from('<html><body>hi\n'))).toThrow(/WORKER_CGI_BAD_HEADERS/);
  });

  it('quotes the headers the program did return, as IIS does on its 502.2 page', () => {
    expect(parseError('Content-Type: text/html\nHello world\n\n').detail).toBe(
      'The headers it did return are "Content-Type: text/html\\nHello world": line 2 is not a header field.',
    );
  });

  it('refuses a header block that does not end within 64 KB, without buffering more', () => {
    const parser = new CgiResponseParser('WORKER_CGI_BAD_HEADERS');
    const line = Buffer.from(`X-Pad: ${'x'.repeat(1000)}\n`);
    let error: unknown;
    let fed = 0;
    try {
      for (; fed < 200; fed += 1) parser.push(line);
    } catch (caught) {
      error = caught;
    }
    expect((error as HttpError).code).toBe('WORKER_CGI_BAD_HEADERS');
    expect(fed * line.length).toBeLessThanOrEqual(MAX_HEADER_BYTES + line.length);
  });
});

describe('classifyCgiResponse (RFC 3875 section 6.2)', () => {
  const head = (output: string) => parse(output)!.head;

  it('a document: 200 unless Status says otherwise', () => {
    expect(classifyCgiResponse(head('Content-Type: text/html\n\n'))).toMatchObject({
      kind: 'document',
      status: 200,
    });
    expect(classifyCgiResponse(head('Status: 418 Teapot\nContent-Type: text/plain\n\n'))).toMatchObject({
      kind: 'document',
      status: 418,
    });
  });

  it('a local redirect: a path of this server, alone in the header block', () => {
    expect(classifyCgiResponse(head('Location: /next.html?x=1\n\n'))).toEqual({
      kind: 'local-redirect',
      url: '/next.html?x=1',
    });
  });

  it('a client redirect: an absolute URL, a path with other fields, or a network-path reference; 302 unless Status', () => {
    expect(classifyCgiResponse(head('Location: http://example.com/\n\n'))).toMatchObject({
      kind: 'client-redirect',
      status: 302,
    });
    // PHP's header('Location: /x') comes with Status: 302 and X-Powered-By: the client is redirected.
    expect(classifyCgiResponse(head('X-Powered-By: PHP\nLocation: /x\n\n'))).toMatchObject({
      kind: 'client-redirect',
      status: 302,
    });
    expect(classifyCgiResponse(head('Status: 301 Moved\nLocation: /x\n\n'))).toMatchObject({
      kind: 'client-redirect',
      status: 301,
    });
    expect(classifyCgiResponse(head('Location: //evil.example/x\n\n'))).toMatchObject({
      kind: 'client-redirect',
    });
  });

  it("a FastCGI responder's local redirect: a path without Status, whatever fields PHP adds", () => {
    const php = head('Location: /index.php\r\nContent-type: text/html; charset=UTF-8\r\n\r\n');
    expect(classifyCgiResponse(php, 'without-status')).toEqual({ kind: 'local-redirect', url: '/index.php' });
    // The CGI handler keeps to RFC 3875: with other fields the client follows it.
    expect(classifyCgiResponse(php)).toMatchObject({ kind: 'client-redirect', status: 302 });
    expect(classifyCgiResponse(head('Location: /other.php?x=1\n\n'), 'without-status')).toEqual({
      kind: 'local-redirect',
      url: '/other.php?x=1',
    });
    for (const [output, status] of [
      ['Location: https://example.com/\n\n', 302],
      ['Location: //example.com/\n\n', 302],
      ['Status: 301 Moved\r\nLocation: /new\r\n\r\n', 301],
    ] as const) {
      expect(classifyCgiResponse(head(output), 'without-status')).toMatchObject({
        kind: 'client-redirect',
        status,
      });
    }
  });
});
