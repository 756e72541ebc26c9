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
}

/** More body (WriteClient); `final` ends the response. */
export interface ResponseData {
  t: 'data';
  id: string;
  seq: number;
  chunk: Uint8Array;
  final: boolean;
  worker: WorkerIdentity;
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

/** One PUBLISH to a listener's reply channel: every message for it from one event-loop turn, in order. */
export function encodeToListener(messages: readonly ToListener[]): Buffer {
  return pack(messages);
}

/** One PUBLISH to a worker's control channel. */
export function encodeToWorker(messages: readonly ToWorker[]): Buffer {
  return pack(messages);
}

const LISTENER_KINDS = new Set(['head', 'data', 'abort', 'fail', 'pull']);
const WORKER_KINDS = new Set(['body', 'ack', 'cancel']);

/** Decode a reply-channel message; throws a TypeError when it is not a batch of worker → listener messages. */
export function decodeToListener(bytes: Buffer): ToListener[] {
  return decodeBatch<ToListener>(bytes, LISTENER_KINDS, 'worker → listener', (m) =>
    m.t === 'fail' && !isErrorCode(m.code) ? `unknown error code ${String(m.code)}` : undefined,
  );
}

/** Decode a control-channel message; throws a TypeError when it is not a batch of listener → worker messages. */
export function decodeToWorker(bytes: Buffer): ToWorker[] {
  return decodeBatch<ToWorker>(bytes, WORKER_KINDS, 'listener → worker', () => undefined);
}

function decodeBatch<T extends { t: string; id: string }>(
  bytes: Buffer,
  kinds: ReadonlySet<string>,
  direction: string,
  extra: (message: T) => string | undefined,
): T[] {
  const batch = unpack(bytes) as unknown;
  if (!Array.isArray(batch)) throw new TypeError(`not a batch of w3pool ${direction} messages`);
  for (const message of batch as T[]) {
    const wrong =
      typeof message !== 'object' || message === null || !kinds.has(message.t)
        ? 'unknown message kind'
        : typeof message.id !== 'string'
          ? 'no request id'
          : extra(message);
    if (wrong) throw new TypeError(`malformed w3pool ${direction} message: ${wrong}`);
  }
  return batch as T[];
}

/** Bytes a worker may have sent and not yet had acknowledged; also the request-body pull size. */
export const STREAM_WINDOW_BYTES = 1024 * 1024;
/** Largest chunk on either channel; writes are coalesced up to this size. */
export const STREAM_CHUNK_BYTES = 64 * 1024;
