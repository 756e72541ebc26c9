import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FcgiConnection, FcgiConnectionError } from './fcgi-connection.js';
import type { ExchangeEvent, FcgiExchange } from './fcgi-exchange.js';
import {
  decodeBeginRequest,
  decodeNameValuePairs,
  encodeEndRequest,
  encodeGetValuesResult,
  encodeRecord,
  encodeStream,
  encodeUnknownType,
  FCGI_KEEP_CONN,
  ProtocolStatus,
  RecordDecoder,
  RecordType,
  Role,
  type FcgiRecord,
} from './fcgi-records.js';

// The connection against a FastCGI application written here with the same codec: PHP does not multiplex,
// so request ids sharing one connection need a peer that does. Real sockets, real records.

interface PeerRequest {
  readonly id: number;
  readonly socket: Socket;
  readonly params: Map<string, string>;
  readonly stdin: Buffer;
}

interface Peer {
  readonly path: string;
  /** Every record the peer received, in order. */
  readonly received: FcgiRecord[];
  readonly server: Server;
}

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

/** A FastCGI application: `onRequest` runs once a request's PARAMS and STDIN are complete. */
async function startPeer(
  onRequest: (request: PeerRequest) => void,
  onManagement?: (record: FcgiRecord, socket: Socket) => void,
): Promise<Peer> {
  const dir = await mkdtemp(join(tmpdir(), 'fcgi-peer-'));
  const path = join(dir, 'peer.sock');
  const received: FcgiRecord[] = [];
  const server = createServer((socket) => {
    const decoder = new RecordDecoder();
    const state = new Map<number, { params: Buffer[]; stdin: Buffer[] }>();
    socket.on('data', (chunk: Buffer) => {
      for (const record of decoder.push(chunk)) {
        received.push({ ...record, content: Buffer.from(record.content) });
        if (record.requestId === 0) onManagement?.(record, socket);
        else if (record.type === RecordType.BeginRequest)
          state.set(record.requestId, { params: [], stdin: [] });
        else if (record.type === RecordType.Params) state.get(record.requestId)?.params.push(record.content);
        else if (record.type === RecordType.Stdin) {
          const s = state.get(record.requestId)!;
          if (record.content.length > 0) s.stdin.push(Buffer.from(record.content));
          else
            onRequest({
              id: record.requestId,
              socket,
              params: decodeNameValuePairs(Buffer.concat(s.params)),
              stdin: Buffer.concat(s.stdin),
            });
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  cleanup.push(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });
  return { path, received, server };
}

async function connectTo(peer: Peer): Promise<FcgiConnection> {
  const connection = await FcgiConnection.connect({ path: peer.path }, 2000);
  cleanup.push(() => Promise.resolve(connection.destroy()));
  return connection;
}

const end = (id: number, appStatus = 0) =>
  encodeEndRequest(id, { appStatus, protocolStatus: ProtocolStatus.RequestComplete });

async function readAll(
  exchange: FcgiExchange,
): Promise<{ stdout: string; stderr: string; end: ExchangeEvent }> {
  let stdout = '';
  let stderr = '';
  for (;;) {
    const event = await exchange.next();
    if (event.kind === 'end') return { stdout, stderr, end: event };
    if (event.kind === 'stdout') stdout += event.data.toString();
    else stderr += event.data.toString();
  }
}

async function* chunks(...parts: Buffer[]): AsyncIterable<Uint8Array> {
  for (const part of parts) yield await Promise.resolve(part);
}

describe('a FastCGI connection', () => {
  it('runs two requests on one connection at once, each with its own request id and output', async () => {
    const pending: PeerRequest[] = [];
    const peer = await startPeer((request) => {
      pending.push(request);
      if (pending.length < 2) return;
      const [a, b] = pending as [PeerRequest, PeerRequest];
      // Answer interleaved, the second request first.
      a.socket.write(
        Buffer.concat([
          encodeRecord(RecordType.Stdout, b.id, Buffer.from(`b:${b.params.get('NAME')}:`)),
          encodeRecord(RecordType.Stdout, a.id, Buffer.from(`a:${a.params.get('NAME')}:`)),
          encodeRecord(RecordType.Stderr, a.id, Buffer.from('careful')),
          encodeRecord(RecordType.Stdout, b.id, Buffer.from(b.stdin)),
          end(b.id, 2),
          encodeRecord(RecordType.Stdout, a.id, Buffer.from(a.stdin)),
          end(a.id),
        ]),
      );
    });
    const connection = await connectTo(peer);
    const first = connection.begin([['NAME', 'first']]);
    const second = connection.begin([['NAME', 'second']]);
    expect([first.requestId, second.requestId]).toEqual([1, 2]);
    expect(connection.activeRequests).toBe(2);
    await Promise.all([
      first.sendStdin(chunks(Buffer.from('one'))),
      second.sendStdin(chunks(Buffer.from('two'))),
    ]);
    const [a, b] = await Promise.all([readAll(first), readAll(second)]);
    expect(a).toEqual({
      stdout: 'a:first:one',
      stderr: 'careful',
      end: { kind: 'end', end: { appStatus: 0, protocolStatus: 0 } },
    });
    expect(b).toMatchObject({ stdout: 'b:second:two', stderr: '', end: { end: { appStatus: 2 } } });
    expect(connection.activeRequests).toBe(0);
    // Request ids are reused once free, and the connection stays open for the next request (KEEP_CONN).
    expect(connection.reusable).toBe(true);
    const begins = peer.received.filter((r) => r.type === RecordType.BeginRequest);
    expect(begins.map((r) => decodeBeginRequest(r.content))).toEqual([
      { role: Role.Responder, flags: FCGI_KEEP_CONN },
      { role: Role.Responder, flags: FCGI_KEEP_CONN },
    ]);
  });

  it('streams a large body as STDIN records of at most 64 KB, then the empty record', async () => {
    let got: PeerRequest | undefined;
    const peer = await startPeer((request) => {
      got = request;
      request.socket.write(end(request.id));
    });
    const connection = await connectTo(peer);
    const body = Buffer.alloc(1_000_000);
    for (let i = 0; i < body.length; i += 1) body[i] = i % 251;
    const exchange = connection.begin([['CONTENT_LENGTH', String(body.length)]]);
    await exchange.sendStdin(chunks(body.subarray(0, 300_000), body.subarray(300_000)));
    await readAll(exchange);
    expect(got!.stdin.equals(body)).toBe(true);
    const stdin = peer.received.filter((r) => r.type === RecordType.Stdin);
    expect(stdin.every((r) => r.content.length <= 0xffff)).toBe(true);
    expect(stdin.at(-1)!.content.length).toBe(0);
  });

  it('sends FCGI_ABORT_REQUEST, and does not reuse the connection after it', async () => {
    let running: PeerRequest | undefined;
    const peer = await startPeer((request) => {
      running = request;
      request.socket.write(encodeRecord(RecordType.Stdout, request.id, Buffer.from('partial')));
    });
    const connection = await connectTo(peer);
    const exchange = connection.begin([]);
    await exchange.sendStdin(chunks());
    expect((await exchange.next()).kind).toBe('stdout');
    exchange.abort();
    await expect.poll(() => peer.received.some((r) => r.type === RecordType.AbortRequest)).toBe(true);
    expect(peer.received.find((r) => r.type === RecordType.AbortRequest)!.requestId).toBe(exchange.requestId);
    // The application still ends the request; then the connection is done with.
    running!.socket.write(end(running!.id));
    expect((await exchange.next()).kind).toBe('end');
    expect(connection.reusable).toBe(false);
  });

  it('fails the running requests when the application closes the connection', async () => {
    const peer = await startPeer((request) => {
      request.socket.end(encodeRecord(RecordType.Stdout, request.id, Buffer.from('Status: 200\r\n')));
    });
    const connection = await connectTo(peer);
    const exchange = connection.begin([]);
    await exchange.sendStdin(chunks());
    expect((await exchange.next()).kind).toBe('stdout');
    await expect(exchange.next()).rejects.toBeInstanceOf(FcgiConnectionError);
    expect(connection.reusable).toBe(false);
  });

  it('breaks the connection on a record the application may not send', async () => {
    const peer = await startPeer((request) => {
      request.socket.write(encodeRecord(RecordType.Params, request.id, Buffer.from('x')));
    });
    const connection = await connectTo(peer);
    const exchange = connection.begin([]);
    await exchange.sendStdin(chunks());
    await expect(exchange.next()).rejects.toThrow(/unexpected record type 4/);
    expect(connection.reusable).toBe(false);
  });

  it('asks FCGI_GET_VALUES and reads the result; an application that does not know it answers UNKNOWN_TYPE', async () => {
    const answering = await startPeer(
      () => undefined,
      (record, socket) => {
        const asked = decodeNameValuePairs(record.content);
        socket.write(encodeGetValuesResult(new Map([...asked.keys()].map((name) => [name, '4']))));
      },
    );
    const values = await (await connectTo(answering)).getValues(['FCGI_MAX_CONNS', 'FCGI_MPXS_CONNS'], 2000);
    expect(values).toEqual(
      new Map([
        ['FCGI_MAX_CONNS', '4'],
        ['FCGI_MPXS_CONNS', '4'],
      ]),
    );
    const unknowing = await startPeer(
      () => undefined,
      (record, socket) => socket.write(encodeUnknownType(record.type)),
    );
    expect(await (await connectTo(unknowing)).getValues(['FCGI_MAX_CONNS'], 2000)).toEqual(new Map());
  });

  it('stops reading the socket while the consumer lags, and loses nothing', async () => {
    const total = 4 * 1024 * 1024;
    const peer = await startPeer((request) => {
      const data = Buffer.alloc(total);
      for (let i = 0; i < total; i += 1) data[i] = i % 253;
      request.socket.write(
        Buffer.concat([...encodeStream(RecordType.Stdout, request.id, data), end(request.id)]),
      );
    });
    const connection = await connectTo(peer);
    const exchange = connection.begin([]);
    await exchange.sendStdin(chunks());
    // Wait until the connection has held reading for this consumer, which has read nothing yet.
    await expect.poll(() => exchange.isHeld, { timeout: 5000 }).toBe(true);
    const out: Buffer[] = [];
    for (let event = await exchange.next(); event.kind !== 'end'; event = await exchange.next())
      if (event.kind === 'stdout') out.push(event.data);
    const data = Buffer.concat(out);
    expect(data.length).toBe(total);
    expect(data.every((byte, i) => byte === i % 253)).toBe(true);
    expect(exchange.isHeld).toBe(false);
  });
});
