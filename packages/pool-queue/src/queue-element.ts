import { encodeRequestJob, decodeRequestJob, type RequestJob } from '@w3pool/protocol';

// One queued request as its list element: a two-byte header, the request id, then the msgpack job.
//
//   byte 0       flags: bit 0 set once the request was re-queued after its worker died (retryGetOnCrash)
//   byte 1       length of the id in bytes (ids are `<listenerId>.<sequence>`, well under 255 bytes)
//   2 .. 2+n     the id, so scripts can key in-flight records by it without decoding msgpack
//   rest         encodeRequestJob(job)
//
// The listener keeps the element's bytes: withdrawing a request is LREM of exactly those bytes.

export const FLAG_RETRIED = 1;
const MAX_ID_BYTES = 255;

export interface QueueEntry {
  readonly id: string;
  /** The lane key of the request's application. */
  readonly lane: string;
  readonly element: Buffer;
}

export function encodeElement(job: RequestJob, flags = 0): Buffer {
  const id = Buffer.from(job.id);
  if (id.length > MAX_ID_BYTES) throw new RangeError(`request id longer than ${MAX_ID_BYTES} bytes`);
  const body = encodeRequestJob(job);
  const element = Buffer.allocUnsafe(2 + id.length + body.length);
  element[0] = flags;
  element[1] = id.length;
  id.copy(element, 2);
  body.copy(element, 2 + id.length);
  return element;
}

export function elementId(element: Buffer): string {
  return element.toString('utf8', 2, 2 + (element[1] ?? 0));
}

export function elementFlags(element: Buffer): number {
  return element[0] ?? 0;
}

export function decodeElement(element: Buffer): RequestJob {
  return decodeRequestJob(element.subarray(2 + (element[1] ?? 0)));
}

/** The same element with other flags (a re-queued copy), for the scripts' second LREM. */
export function withFlags(element: Buffer, flags: number): Buffer {
  const copy = Buffer.from(element);
  copy[0] = flags;
  return copy;
}
