import { pack, unpack } from 'msgpackr';

// A worker's answer to one RequestJob, published on the listener's reply channel. msgpack keeps the
// body binary (no base64 inflation) and is the encoding BullMQ itself already depends on.

export type ResponseHeaders = Record<string, string | string[]>;

export interface ReplyMessage {
  /** The RequestJob id this answers. */
  id: string;
  status: number;
  /** IIS substatus (404.3 has status 404, substatus 3). Logged, never sent on the wire. */
  substatus: number;
  headers: ResponseHeaders;
  body: Uint8Array;
  /** Catalogue code when the response is an error the server produced itself. */
  errorCode?: string;
  /** Which worker process answered: pool and pid (the `appcmd list wp` identity). */
  worker: { pool: string; pid: number };
}

export function encodeReply(reply: ReplyMessage): Buffer {
  return pack(reply);
}

export function decodeReply(message: Buffer): ReplyMessage {
  const value = unpack(message) as ReplyMessage;
  if (typeof value?.id !== 'string' || typeof value.status !== 'number') {
    throw new TypeError('not a w3pool reply message');
  }
  return value;
}
