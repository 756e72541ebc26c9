// The FastCGI 1.0 record layer (fastcgi.com spec, section 3 and 8): constants, encoders and an incremental
// decoder. Pure functions over bytes, so it is tested without sockets.

export const FCGI_VERSION_1 = 1;
export const FCGI_HEADER_LEN = 8;
/** The largest content one record carries (contentLength is 16 bits). */
export const FCGI_MAX_CONTENT = 0xffff;
/** Streams are cut at this size: the largest multiple of 8 that fits, so no padding is needed. */
const STREAM_PIECE = 0xfff8;
/** Management records (GET_VALUES, UNKNOWN_TYPE) use request id 0. */
export const FCGI_NULL_REQUEST_ID = 0;

export const RecordType = {
  BeginRequest: 1,
  AbortRequest: 2,
  EndRequest: 3,
  Params: 4,
  Stdin: 5,
  Stdout: 6,
  Stderr: 7,
  Data: 8,
  GetValues: 9,
  GetValuesResult: 10,
  UnknownType: 11,
} as const;
export type RecordTypeCode = (typeof RecordType)[keyof typeof RecordType];

export const Role = { Responder: 1, Authorizer: 2, Filter: 3 } as const;
/** FCGI_KEEP_CONN: the application keeps the connection open after the request. */
export const FCGI_KEEP_CONN = 1;

export const ProtocolStatus = {
  RequestComplete: 0,
  CantMpxConn: 1,
  Overloaded: 2,
  UnknownRole: 3,
} as const;

/** The management variables a web server asks for with FCGI_GET_VALUES. */
export const FCGI_MAX_CONNS = 'FCGI_MAX_CONNS';
export const FCGI_MAX_REQS = 'FCGI_MAX_REQS';
export const FCGI_MPXS_CONNS = 'FCGI_MPXS_CONNS';

export interface FcgiRecord {
  readonly type: number;
  readonly requestId: number;
  readonly content: Buffer;
}

export interface EndRequestBody {
  readonly appStatus: number;
  readonly protocolStatus: number;
}

export class FcgiProtocolError extends Error {
  override readonly name = 'FcgiProtocolError';
}

/**
 * One record: the 8-byte header, the content, and padding to a multiple of 8 (the spec recommends
 * aligned records; servers accept any padding).
 */
export function encodeRecord(type: number, requestId: number, content: Uint8Array = EMPTY): Buffer {
  if (content.byteLength > FCGI_MAX_CONTENT)
    throw new RangeError(`record content of ${content.byteLength} bytes exceeds ${FCGI_MAX_CONTENT}`);
  const padding = (8 - (content.byteLength % 8)) % 8;
  const record = Buffer.alloc(FCGI_HEADER_LEN + content.byteLength + padding);
  writeHeader(record, 0, type, requestId, content.byteLength, padding);
  record.set(content, FCGI_HEADER_LEN);
  return record;
}

function writeHeader(
  target: Buffer,
  at: number,
  type: number,
  requestId: number,
  length: number,
  padding: number,
): void {
  target[at] = FCGI_VERSION_1;
  target[at + 1] = type;
  target.writeUInt16BE(requestId, at + 2);
  target.writeUInt16BE(length, at + 4);
  target[at + 6] = padding;
  target[at + 7] = 0;
}

/**
 * A stream's bytes (PARAMS, STDIN, STDOUT, ...) as records of at most 64 KB each. An empty input gives the
 * empty record that ends the stream.
 */
export function encodeStream(type: number, requestId: number, data: Uint8Array): Buffer[] {
  if (data.byteLength === 0) return [encodeRecord(type, requestId)];
  const records: Buffer[] = [];
  for (let offset = 0; offset < data.byteLength; offset += STREAM_PIECE)
    records.push(encodeRecord(type, requestId, data.subarray(offset, offset + STREAM_PIECE)));
  return records;
}

export function encodeBeginRequest(requestId: number, role: number, flags: number): Buffer {
  const body = Buffer.alloc(8);
  body.writeUInt16BE(role, 0);
  body[2] = flags;
  return encodeRecord(RecordType.BeginRequest, requestId, body);
}

export function encodeEndRequest(requestId: number, end: EndRequestBody): Buffer {
  const body = Buffer.alloc(8);
  body.writeUInt32BE(end.appStatus >>> 0, 0);
  body[4] = end.protocolStatus;
  return encodeRecord(RecordType.EndRequest, requestId, body);
}

export function decodeBeginRequest(content: Buffer): { role: number; flags: number } {
  if (content.length < 8) throw new FcgiProtocolError('FCGI_BEGIN_REQUEST body shorter than 8 bytes');
  return { role: content.readUInt16BE(0), flags: content[2]! };
}

export function decodeEndRequest(content: Buffer): EndRequestBody {
  if (content.length < 8) throw new FcgiProtocolError('FCGI_END_REQUEST body shorter than 8 bytes');
  return { appStatus: content.readUInt32BE(0), protocolStatus: content[4]! };
}

export function encodeUnknownType(unknownType: number): Buffer {
  const body = Buffer.alloc(8);
  body[0] = unknownType;
  return encodeRecord(RecordType.UnknownType, FCGI_NULL_REQUEST_ID, body);
}

export function decodeUnknownType(content: Buffer): number {
  if (content.length < 1) throw new FcgiProtocolError('FCGI_UNKNOWN_TYPE body is empty');
  return content[0]!;
}

/** FCGI_GET_VALUES: the names asked for, each with an empty value. */
export function encodeGetValues(names: readonly string[]): Buffer {
  return encodeRecord(
    RecordType.GetValues,
    FCGI_NULL_REQUEST_ID,
    encodeNameValuePairs(names.map((n) => [n, ''])),
  );
}

export function encodeGetValuesResult(values: ReadonlyMap<string, string>): Buffer {
  return encodeRecord(RecordType.GetValuesResult, FCGI_NULL_REQUEST_ID, encodeNameValuePairs([...values]));
}

/**
 * Name-value pairs (spec 3.4): each length in one byte below 128, else four bytes with the top bit set.
 * Names and values are bytes; strings are written as UTF-8 (what CGI variables carry in practice).
 */
export function encodeNameValuePairs(pairs: Iterable<readonly [string, string]>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of pairs) {
    const n = Buffer.from(name, 'utf8');
    const v = Buffer.from(value, 'utf8');
    parts.push(encodeLength(n.length), encodeLength(v.length), n, v);
  }
  return Buffer.concat(parts);
}

function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.of(length);
  if (length > 0x7fffffff) throw new RangeError(`name or value of ${length} bytes is too long`);
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE((length | 0x80000000) >>> 0, 0);
  return bytes;
}

export function decodeNameValuePairs(content: Buffer): Map<string, string> {
  const pairs = new Map<string, string>();
  let at = 0;
  const length = (): number => {
    const first = content[at];
    if (first === undefined) throw new FcgiProtocolError('name-value pair cut short');
    if (first < 0x80) {
      at += 1;
      return first;
    }
    if (at + 4 > content.length) throw new FcgiProtocolError('name-value pair length cut short');
    const value = content.readUInt32BE(at) & 0x7fffffff;
    at += 4;
    return value;
  };
  while (at < content.length) {
    const nameLength = length();
    const valueLength = length();
    if (at + nameLength + valueLength > content.length)
      throw new FcgiProtocolError('name-value pair runs past its record');
    const name = content.toString('utf8', at, at + nameLength);
    at += nameLength;
    pairs.set(name, content.toString('utf8', at, at + valueLength));
    at += valueLength;
  }
  return pairs;
}

/**
 * Turns a byte stream into records, whatever the chunking: a record may arrive split at any byte, or many
 * records in one chunk. Content that lies in one chunk is a view of it, not a copy.
 */
export class RecordDecoder {
  private buffered: Buffer = EMPTY;

  /** Feed the next bytes; returns the records they complete, in order. */
  push(chunk: Buffer): FcgiRecord[] {
    let data = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const records: FcgiRecord[] = [];
    while (data.length >= FCGI_HEADER_LEN) {
      if (data[0] !== FCGI_VERSION_1)
        throw new FcgiProtocolError(`record version ${data[0]} (only FastCGI version 1 is spoken)`);
      const length = data.readUInt16BE(4);
      const total = FCGI_HEADER_LEN + length + data[6]!;
      if (data.length < total) break;
      records.push({
        type: data[1]!,
        requestId: data.readUInt16BE(2),
        content: data.subarray(FCGI_HEADER_LEN, FCGI_HEADER_LEN + length),
      });
      data = data.subarray(total);
    }
    // Keep only the incomplete tail, copied, so the chunk it came from can be collected.
    this.buffered = data.length === 0 ? EMPTY : Buffer.from(data);
    return records;
  }

  /** Bytes of a record not yet complete. */
  get pendingBytes(): number {
    return this.buffered.length;
  }
}

const EMPTY = Buffer.alloc(0);
