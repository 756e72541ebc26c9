import { describe, expect, it } from 'vitest';
import {
  decodeBeginRequest,
  decodeEndRequest,
  decodeNameValuePairs,
  decodeUnknownType,
  encodeBeginRequest,
  encodeEndRequest,
  encodeGetValues,
  encodeGetValuesResult,
  encodeNameValuePairs,
  encodeRecord,
  encodeStream,
  encodeUnknownType,
  FCGI_KEEP_CONN,
  FCGI_MAX_CONNS,
  FCGI_MAX_REQS,
  FCGI_MPXS_CONNS,
  FcgiProtocolError,
  ProtocolStatus,
  RecordDecoder,
  RecordType,
  Role,
  type FcgiRecord,
} from './fcgi-records.js';

const decodeAll = (bytes: Buffer): FcgiRecord[] => new RecordDecoder().push(bytes);

describe('FastCGI records', () => {
  it('encodes the 8-byte header, the content and padding to a multiple of 8', () => {
    const record = encodeRecord(RecordType.Stdout, 0x1234, Buffer.from('hello'));
    expect([...record.subarray(0, 8)]).toEqual([1, 6, 0x12, 0x34, 0, 5, 3, 0]);
    expect(record.length).toBe(16);
    expect(record.subarray(8, 13).toString()).toBe('hello');
    expect(decodeAll(record)).toEqual([
      { type: RecordType.Stdout, requestId: 0x1234, content: Buffer.from('hello') },
    ]);
  });

  it('round-trips BEGIN_REQUEST (RESPONDER, KEEP_CONN) and END_REQUEST with every protocol status', () => {
    const [begin] = decodeAll(encodeBeginRequest(7, Role.Responder, FCGI_KEEP_CONN));
    expect(begin!.type).toBe(RecordType.BeginRequest);
    expect(decodeBeginRequest(begin!.content)).toEqual({ role: Role.Responder, flags: FCGI_KEEP_CONN });
    for (const protocolStatus of Object.values(ProtocolStatus)) {
      const [end] = decodeAll(encodeEndRequest(7, { appStatus: 0xfffffffe, protocolStatus }));
      expect(end!.requestId).toBe(7);
      expect(decodeEndRequest(end!.content)).toEqual({ appStatus: 0xfffffffe, protocolStatus });
    }
  });

  it('encodes name-value pairs with 1-byte lengths below 128 and 4-byte lengths from 128', () => {
    const short = 'N'.repeat(127);
    const long = 'V'.repeat(128);
    const huge = 'x'.repeat(70_000);
    const encoded = encodeNameValuePairs([
      [short, ''],
      [long, huge],
      ['SCRIPT_NAME', '/é.php'],
    ]);
    expect(encoded[0]).toBe(127);
    expect(encoded[1]).toBe(0);
    const second = 2 + 127;
    expect([...encoded.subarray(second, second + 4)]).toEqual([0x80, 0, 0, 128]);
    expect(encoded.readUInt32BE(second + 4)).toBe((0x80000000 | 70_000) >>> 0);
    expect(decodeNameValuePairs(encoded)).toEqual(
      new Map([
        [short, ''],
        [long, huge],
        ['SCRIPT_NAME', '/é.php'],
      ]),
    );
  });

  it('rejects name-value pairs that run past their record', () => {
    expect(() => decodeNameValuePairs(Buffer.from([5, 0, 0x41]))).toThrow(FcgiProtocolError);
    expect(() => decodeNameValuePairs(Buffer.from([0x80, 0]))).toThrow(FcgiProtocolError);
  });

  it('cuts a stream into records of at most 64 KB, and an empty one ends it', () => {
    const data = Buffer.alloc(200_000, 7);
    const records = encodeStream(RecordType.Stdin, 1, data).flatMap((r) => decodeAll(r));
    expect(records.every((r) => r.content.length <= 0xffff)).toBe(true);
    expect(Buffer.concat(records.map((r) => r.content)).equals(data)).toBe(true);
    const [end] = encodeStream(RecordType.Stdin, 1, Buffer.alloc(0));
    expect(decodeAll(end!)).toEqual([{ type: RecordType.Stdin, requestId: 1, content: Buffer.alloc(0) }]);
    expect(() => encodeRecord(RecordType.Stdout, 1, Buffer.alloc(0x10000))).toThrow(RangeError);
  });

  it('decodes the same records however the bytes are split, at every byte boundary', () => {
    const stream = Buffer.concat([
      encodeBeginRequest(1, Role.Responder, FCGI_KEEP_CONN),
      ...encodeStream(RecordType.Params, 1, encodeNameValuePairs([['QUERY_STRING', 'a=1']])),
      encodeRecord(RecordType.Stdout, 2, Buffer.from('multiplexed')),
      encodeRecord(RecordType.Stderr, 1, Buffer.from('warning')),
      encodeEndRequest(1, { appStatus: 0, protocolStatus: ProtocolStatus.RequestComplete }),
      encodeEndRequest(2, { appStatus: 3, protocolStatus: ProtocolStatus.Overloaded }),
    ]);
    const whole = decodeAll(stream);
    expect(whole.map((r) => [r.type, r.requestId])).toEqual([
      [RecordType.BeginRequest, 1],
      [RecordType.Params, 1],
      [RecordType.Stdout, 2],
      [RecordType.Stderr, 1],
      [RecordType.EndRequest, 1],
      [RecordType.EndRequest, 2],
    ]);
    for (let cut = 1; cut < stream.length; cut += 1) {
      const decoder = new RecordDecoder();
      const split = [...decoder.push(stream.subarray(0, cut)), ...decoder.push(stream.subarray(cut))];
      expect(split, `split at byte ${cut}`).toEqual(whole);
      expect(decoder.pendingBytes).toBe(0);
    }
    // And one byte at a time.
    const decoder = new RecordDecoder();
    const bytewise = [...stream].flatMap((byte) => decoder.push(Buffer.of(byte)));
    expect(bytewise).toEqual(whole);
  });

  it('keeps request ids apart on one stream (multiplexing)', () => {
    const records = decodeAll(
      Buffer.concat([
        encodeRecord(RecordType.Stdout, 1, Buffer.from('a1')),
        encodeRecord(RecordType.Stdout, 2, Buffer.from('b1')),
        encodeRecord(RecordType.Stdout, 1, Buffer.from('a2')),
        encodeRecord(RecordType.Stdout, 65535, Buffer.from('z')),
      ]),
    );
    const byId = new Map<number, string>();
    for (const r of records) byId.set(r.requestId, (byId.get(r.requestId) ?? '') + r.content.toString());
    expect(byId).toEqual(
      new Map([
        [1, 'a1a2'],
        [2, 'b1'],
        [65535, 'z'],
      ]),
    );
  });

  it('encodes the management records: GET_VALUES, GET_VALUES_RESULT and UNKNOWN_TYPE on request id 0', () => {
    const [ask] = decodeAll(encodeGetValues([FCGI_MAX_CONNS, FCGI_MAX_REQS, FCGI_MPXS_CONNS]));
    expect(ask).toMatchObject({ type: RecordType.GetValues, requestId: 0 });
    expect([...decodeNameValuePairs(ask!.content)]).toEqual([
      [FCGI_MAX_CONNS, ''],
      [FCGI_MAX_REQS, ''],
      [FCGI_MPXS_CONNS, ''],
    ]);
    const answer = new Map([
      [FCGI_MAX_CONNS, '5'],
      [FCGI_MAX_REQS, '5'],
      [FCGI_MPXS_CONNS, '0'],
    ]);
    const [result] = decodeAll(encodeGetValuesResult(answer));
    expect(result).toMatchObject({ type: RecordType.GetValuesResult, requestId: 0 });
    expect(decodeNameValuePairs(result!.content)).toEqual(answer);
    const [unknown] = decodeAll(encodeUnknownType(42));
    expect(unknown).toMatchObject({ type: RecordType.UnknownType, requestId: 0 });
    expect(decodeUnknownType(unknown!.content)).toBe(42);
  });

  it('refuses a record of another protocol version', () => {
    const record = encodeRecord(RecordType.Stdout, 1, Buffer.from('x'));
    record[0] = 2;
    expect(() => decodeAll(record)).toThrow(/version 2/);
  });
});
