// The head of a CGI response (RFC 3875 section 6), which is what a CGI program writes on stdout and a
// FastCGI responder on STDOUT: header fields, a blank line, then the body. Shared by the CGI and FastCGI
// extensions (`@w3pool/extension-sdk/cgi`).
import { W3poolError as HttpError, type ErrorCode } from '@w3pool/protocol';

/** A header block larger than this is not a header block: 502.2 rather than unbounded buffering. */
export const MAX_HEADER_BYTES = 64 * 1024;

/** The CGI header block, as the script wrote it (RFC 3875 section 6.2). Names are lower-cased. */
export interface CgiHead {
  /** The Status field: code and reason phrase. */
  readonly status: { readonly code: number; readonly reason: string } | undefined;
  readonly location: string | undefined;
  readonly contentType: string | undefined;
  /** Every other field, in order; a repeated name (Set-Cookie) appears once per line. */
  readonly fields: readonly (readonly [name: string, value: string])[];
}

export interface ParsedHead {
  readonly head: CgiHead;
  /** The bytes after the blank line: the start of the body. */
  readonly rest: Buffer;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const FIELD_START = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+:/;
// Field content as HTTP allows it: visible ASCII, space, tab and obs-text (bytes kept as latin1).
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const STATUS = /^([1-9]\d\d)(?:[ \t]+(.*))?$/;

/**
 * Reads a CGI program's stdout up to the end of its header block, chunk by chunk, whatever the chunk
 * boundaries: lines end with LF or CRLF (scripts write both), and a CR at the end of one chunk waits for
 * the LF of the next. A malformed block throws an HttpError with the code the extension answers it with
 * (CGI: WORKER_CGI_BAD_HEADERS, 502.2), whose detail quotes the lines read.
 */
export class CgiResponseParser {
  /** What has arrived so far; at most MAX_HEADER_BYTES plus one chunk. */
  private data: Buffer = Buffer.alloc(0);
  /** Where the next line starts in `data`. */
  private lineStart = 0;
  private readonly lines: string[] = [];

  constructor(private readonly errorCode: ErrorCode) {}

  /** Feed the next chunk of stdout; the head once the blank line has arrived, else undefined. */
  push(chunk: Buffer): ParsedHead | undefined {
    const data = this.data.length === 0 ? chunk : Buffer.concat([this.data, chunk]);
    this.data = data;
    for (;;) {
      const end = data.indexOf(0x0a, this.lineStart);
      if (end === -1) break;
      const lineEnd = end > this.lineStart && data[end - 1] === 0x0d ? end - 1 : end;
      const line = data.toString('latin1', this.lineStart, lineEnd);
      this.lineStart = end + 1;
      if (this.lineStart > MAX_HEADER_BYTES) break;
      if (line === '') return { head: this.finish(), rest: data.subarray(this.lineStart) };
      // A line that cannot start a field fails at once: a script that forgot its headers and wrote
      // HTML gets its 502.2 now, not when it exits.
      if (!FIELD_START.test(line) && !(this.lines.length > 0 && /^[ \t]/.test(line))) {
        throw badHeaders(this.errorCode, `line ${this.lines.length + 1} is not a header field`, [
          ...this.lines,
          line,
        ]);
      }
      this.lines.push(line);
    }
    if (data.length > MAX_HEADER_BYTES) {
      throw badHeaders(
        this.errorCode,
        `no end of the header block within ${MAX_HEADER_BYTES} bytes`,
        this.lines,
      );
    }
    return undefined;
  }

  /** Bytes read so far while the header block has not ended (0: the program wrote nothing). */
  get pendingBytes(): number {
    return this.data.length;
  }

  /** What the script wrote before its output ended, for the error that says the block never ended. */
  get partial(): string | undefined {
    return this.lines.length > 0 ? quoteLines(this.lines) : undefined;
  }

  private finish(): CgiHead {
    const lines = unfold(this.lines);
    try {
      if (lines.length === 0) throw new BadField('the header block is empty');
      return interpretFields(lines);
    } catch (error) {
      if (error instanceof BadField) throw badHeaders(this.errorCode, error.message, lines);
      throw error;
    }
  }
}

/** What is wrong with a field of a complete block; finish() turns it into the extension's HttpError. */
class BadField extends Error {}

/** An obsolete continuation line (leading space or tab) belongs to the field above it. */
function unfold(lines: readonly string[]): string[] {
  const fields: string[] = [];
  for (const line of lines) {
    if ((line.startsWith(' ') || line.startsWith('\t')) && fields.length > 0) {
      fields[fields.length - 1] += ` ${line.replace(/^[ \t]+/, '')}`;
    } else {
      fields.push(line);
    }
  }
  return fields;
}

function interpretFields(lines: readonly string[]): CgiHead {
  let status: CgiHead['status'];
  let location: string | undefined;
  let contentType: string | undefined;
  const fields: [string, string][] = [];
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon).toLowerCase() : '';
    const value = colon > 0 ? line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '') : '';
    if (!TOKEN.test(name)) throw new BadField(`"${clip(line)}" is not a header field`);
    if (!FIELD_VALUE.test(value)) throw new BadField(`the ${name} field has control characters`);
    if (name === 'status') {
      if (status) throw new BadField('Status appears twice');
      status = parseStatus(value);
    } else if (name === 'location') {
      if (location !== undefined) throw new BadField('Location appears twice');
      if (value === '') throw new BadField('Location is empty');
      location = value;
    } else if (name === 'content-type') {
      contentType = value;
    } else {
      fields.push([name, value]);
    }
  }
  return { status, location, contentType, fields };
}

function parseStatus(value: string): NonNullable<CgiHead['status']> {
  const match = STATUS.exec(value);
  const code = Number(match?.[1]);
  // 1xx are interim answers of the server's own protocol handling, not a script's final status.
  if (!match || code < 200 || code > 599) throw new BadField(`"Status: ${clip(value)}" is not a status`);
  return { code, reason: match[2] ?? '' };
}

function badHeaders(code: ErrorCode, why: string, lines: readonly string[]): HttpError {
  // IIS's 502.2 page quotes the headers the program did return: the fastest way to see the bug.
  return new HttpError(code, `The headers it did return are ${quoteLines(lines)}: ${why}.`);
}

function quoteLines(lines: readonly string[]): string {
  return `"${clip(lines.join('\\n'), 400)}"`;
}

function clip(text: string, max = 120): string {
  return text.length > max ? `${text.slice(0, max)}...` : text;
}
