import { pack, unpack } from 'msgpackr';
import { isErrorCode, type ErrorCode } from './error-catalogue.js';

// The messages that carry a response from a worker to the listener holding the client, and the request body
// and flow control back. Both directions are pub/sub: worker → listener on the listener's reply channel,
// listener → worker on the worker's control channel. Nothing is stored in Redis, and each direction is
// bounded by a credit window, so neither Redis nor either process ever holds a whole body.
//
// Ordering: one publishing connection to one subscriber keeps order; `seq` detects a gap (a subscriber that
// reconnected lost messages), which aborts that one response rather than corrupting it.
//
// Batching: a publisher sends everything it has for one channel in one event-loop turn as one PUBLISH of a
// msgpack array, so under load a listener receives one message per worker per turn, not one per request.
// msgpack keeps bodies binary.

export type ResponseHeaders = Record<string, string | string[]>;

/** Who sent a worker → listener message, and where to send acknowledgements and cancellations. */
export interface WorkerIdentity {
  pool: string;
  pid: number;
  /** The worker's control channel id (see workerControlChannel). */
  control: string;
}

/** The start of a response (HSE_REQ_SEND_RESPONSE_HEADER_EX), possibly with all of it. */
export interface ResponseHead {
  t: 'head';
  id: string;
  status: number;
  /** IIS substatus (404.3 has status 404, substatus 3). Logged, never sent on the wire. */
  substatus: number;
  headers: ResponseHeaders;
  /** The first bytes of the body, or all of it when `final`. */
  body: Uint8Array;
  /** True when this message is the whole response (the common case, and the only one the cache takes). */
  final: boolean;
  worker: WorkerIdentity;
  /** Catalogue code when the response is an error the server produced itself. */
  errorCode?: ErrorCode;
  /** The handler allows the listener's response cache to keep this response for up to this many ms. */
  cacheMs?: number;
  /** With the final message: what the W3C log line needs from the worker. */
  log?: ResponseLog;
}

/** What the worker adds to the request's W3C log line. */
export interface ResponseLog {
  /** lpszLogData: appended to cs-uri-query. */
  data?: string;
  /** cs-username: the user an authentication module established. */
  user?: string;
}

/** More body (WriteClient); `final` ends the response. */
export interface ResponseData {
  t: 'data';
  id: string;
  seq: number;
  chunk: Uint8Array;
  final: boolean;
  worker: WorkerIdentity;
  /** With the final message: what the W3C log line needs from the worker. */
  log?: ResponseLog;
}

/** The handler failed after the head was sent: the client's connection is reset, as IIS does. */
export interface ResponseAbort {
  t: 'abort';
  id: string;
  reason: string;
  worker: WorkerIdentity;
}

/**
 * The worker process running the request died. Sent by its pool host: the listener answers with the
 * catalogue error if nothing was sent yet, else resets the connection.
 */
export interface ResponseFail {
  t: 'fail';
  id: string;
  code: ErrorCode;
  worker: WorkerIdentity;
}

/** ReadClient: the worker is ready for up to `bytes` more of the request body. */
export interface BodyPull {
  t: 'pull';
  id: string;
  bytes: number;
  worker: WorkerIdentity;
}

export type ToListener = ResponseHead | ResponseData | ResponseAbort | ResponseFail | BodyPull;

/** A piece of the request body, sent only against credit from a pull; `final` ends the body. */
export interface BodyChunk {
  t: 'body';
  id: string;
  seq: number;
  chunk: Uint8Array;
  final: boolean;
}

/** `bytes` of the response have been written to the client's socket: the worker may send that much more. */
export interface ResponseAck {
  t: 'ack';
  id: string;
  bytes: number;
}

/** The client is gone (or the body was refused): stop the handler. */
export interface RequestCancel {
  t: 'cancel';
  id: string;
  reason: string;
}

export type ToWorker = BodyChunk | ResponseAck | RequestCancel;

// On the wire each message is a msgpack array in a fixed order per kind, not a map: there are as many
// messages as requests, and writing and reading every key of every message was a measurable part of both
// the worker's and the listener's cost per request. The sender's identity is interned on decode (one object
// per worker, not one per message).

type Tuple = unknown[];

/** One PUBLISH to a listener's reply channel: every message for it from one event-loop turn, in order. */
export function encodeToListener(messages: readonly ToListener[]): Buffer {
  return pack(messages.map(listenerTuple));
}

/**
 * The answer for a request whose worker can no longer give one (its process or its application domain
 * died): the listener replies with the catalogue error. One PUBLISH of its own, sent by whoever settles the
 * dead worker's requests.
 */
export function encodeFailure(id: string, code: ErrorCode, worker: WorkerIdentity): Buffer {
  return encodeToListener([{ t: 'fail', id, code, worker }]);
}

/** One PUBLISH to a worker's control channel. */
export function encodeToWorker(messages: readonly ToWorker[]): Buffer {
  return pack(messages.map(workerTuple));
}

function listenerTuple(m: ToListener): Tuple {
  const w = m.worker;
  switch (m.t) {
    case 'head':
      return [
        'h',
        m.id,
        w.pool,
        w.pid,
        w.control,
        m.status,
        m.substatus,
        m.headers,
        m.body,
        m.final,
        m.errorCode ?? null,
        m.cacheMs ?? null,
        ...(m.log ? [m.log.data ?? null, m.log.user ?? null] : []),
      ];
    case 'data':
      return [
        'd',
        m.id,
        w.pool,
        w.pid,
        w.control,
        m.seq,
        m.chunk,
        m.final,
        ...(m.log ? [m.log.data ?? null, m.log.user ?? null] : []),
      ];
    case 'abort':
      return ['a', m.id, w.pool, w.pid, w.control, m.reason];
    case 'fail':
      return ['f', m.id, w.pool, w.pid, w.control, m.code];
    case 'pull':
      return ['p', m.id, w.pool, w.pid, w.control, m.bytes];
  }
}

function workerTuple(m: ToWorker): Tuple {
  switch (m.t) {
    case 'body':
      return ['b', m.id, m.seq, m.chunk, m.final];
    case 'ack':
      return ['k', m.id, m.bytes];
    case 'cancel':
      return ['c', m.id, m.reason];
  }
}

/** Decode a reply-channel message; throws a TypeError when it is not a batch of worker → listener messages. */
export function decodeToListener(bytes: Buffer): ToListener[] {
  return decodeBatch(bytes, 'worker → listener', listenerMessage);
}

/** Decode a control-channel message; throws a TypeError when it is not a batch of listener → worker messages. */
export function decodeToWorker(bytes: Buffer): ToWorker[] {
  return decodeBatch(bytes, 'listener → worker', workerMessage);
}

function decodeBatch<T>(bytes: Buffer, direction: string, read: (tuple: Tuple) => T | string): T[] {
  const batch = unpack(bytes) as unknown;
  if (!Array.isArray(batch)) throw new TypeError(`not a batch of w3pool ${direction} messages`);
  const messages: T[] = [];
  for (const tuple of batch as unknown[]) {
    const message = Array.isArray(tuple) && typeof tuple[1] === 'string' ? read(tuple) : 'not a message';
    if (typeof message === 'string') throw new TypeError(`malformed w3pool ${direction} message: ${message}`);
    messages.push(message);
  }
  return messages;
}

const identities = new Map<string, WorkerIdentity>();

/** The same identity object for every message of one worker (control channel, pool and pid). */
function identity(pool: unknown, pid: unknown, control: unknown): WorkerIdentity | undefined {
  if (typeof pool !== 'string' || typeof pid !== 'number' || typeof control !== 'string') return undefined;
  // Keyed by control channel, which is unique per application domain (the pool host's own messages have
  // none, and simply replace each other's entry).
  const known = identities.get(control);
  if (known?.pid === pid && known.pool === pool) return known;
  if (identities.size > 10_000) identities.clear();
  const fresh = { pool, pid, control };
  identities.set(control, fresh);
  return fresh;
}

const bytes = (value: unknown): value is Uint8Array => value instanceof Uint8Array;
const nullable = <T>(value: unknown, check: (v: unknown) => v is T): T | undefined =>
  value === null || value === undefined ? undefined : check(value) ? value : undefined;
const isNumber = (v: unknown): v is number => typeof v === 'number';
const isString = (v: unknown): v is string => typeof v === 'string';

function readLog(data: unknown, user: unknown): ResponseLog | undefined {
  const d = nullable(data, isString);
  const u = nullable(user, isString);
  if (d === undefined && u === undefined) return undefined;
  return { ...(d === undefined ? {} : { data: d }), ...(u === undefined ? {} : { user: u }) };
}

function listenerMessage(f: Tuple): ToListener | string {
  const id = f[1] as string;
  const worker = identity(f[2], f[3], f[4]);
  if (!worker) return 'no worker identity';
  switch (f[0]) {
    case 'h': {
      if (typeof f[5] !== 'number' || typeof f[6] !== 'number' || typeof f[7] !== 'object' || !bytes(f[8]))
        return 'malformed head';
      const errorCode = f[10] === null || f[10] === undefined ? undefined : f[10];
      if (errorCode !== undefined && (typeof errorCode !== 'string' || !isErrorCode(errorCode)))
        return `unknown error code ${JSON.stringify(errorCode)}`;
      const cacheMs = nullable(f[11], isNumber);
      const log = readLog(f[12], f[13]);
      return {
        t: 'head',
        id,
        status: f[5],
        substatus: f[6],
        headers: f[7] as ResponseHeaders,
        body: f[8],
        final: f[9] === true,
        worker,
        ...(errorCode === undefined ? {} : { errorCode }),
        ...(cacheMs === undefined ? {} : { cacheMs }),
        ...(log === undefined ? {} : { log }),
      };
    }
    case 'd': {
      if (typeof f[5] !== 'number' || !bytes(f[6])) return 'malformed data';
      const log = readLog(f[8], f[9]);
      return {
        t: 'data',
        id,
        seq: f[5],
        chunk: f[6],
        final: f[7] === true,
        worker,
        ...(log === undefined ? {} : { log }),
      };
    }
    case 'a':
      return { t: 'abort', id, reason: String(f[5]), worker };
    case 'f':
      if (typeof f[5] !== 'string' || !isErrorCode(f[5])) return `unknown error code ${String(f[5])}`;
      return { t: 'fail', id, code: f[5], worker };
    case 'p':
      if (typeof f[5] !== 'number') return 'malformed pull';
      return { t: 'pull', id, bytes: f[5], worker };
    default:
      return 'unknown message kind';
  }
}

function workerMessage(f: Tuple): ToWorker | string {
  const id = f[1] as string;
  switch (f[0]) {
    case 'b':
      if (typeof f[2] !== 'number' || !bytes(f[3])) return 'malformed body chunk';
      return { t: 'body', id, seq: f[2], chunk: f[3], final: f[4] === true };
    case 'k':
      if (typeof f[2] !== 'number') return 'malformed ack';
      return { t: 'ack', id, bytes: f[2] };
    case 'c':
      return { t: 'cancel', id, reason: String(f[2]) };
    default:
      return 'unknown message kind';
  }
}

/** Bytes a worker may have sent and not yet had acknowledged; also the request-body pull size. */
export const STREAM_WINDOW_BYTES = 1024 * 1024;
/** Largest chunk on either channel; writes are coalesced up to this size. */
export const STREAM_CHUNK_BYTES = 64 * 1024;
