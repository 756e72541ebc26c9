import { pack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import {
  decodeToListener,
  decodeToWorker,
  encodeToListener,
  encodeToWorker,
  type ToListener,
  type ToWorker,
} from './stream-messages.js';

const worker = { pool: 'P', pid: 42, control: 'ctl-1' };
const body = Buffer.from([104, 105]);

describe('stream message batches', () => {
  it('carry every kind of worker → listener message through a round trip', () => {
    const messages: ToListener[] = [
      {
        t: 'head',
        id: 'a.1',
        status: 200,
        substatus: 0,
        headers: { 'x-a': ['1', '2'] },
        body,
        final: true,
        worker,
        cacheMs: 5000,
      },
      {
        t: 'head',
        id: 'a.2',
        status: 503,
        substatus: 0,
        headers: {},
        body,
        final: false,
        worker,
        errorCode: 'WORKER_APP_OFFLINE',
      },
      { t: 'data', id: 'a.2', seq: 1, chunk: body, final: true, worker },
      { t: 'abort', id: 'a.3', reason: 'boom', worker },
      { t: 'fail', id: 'a.4', code: 'WORKER_PROCESS_FAILED', worker: { pool: 'P', pid: 7, control: '' } },
      { t: 'pull', id: 'a.5', bytes: 1024, worker },
    ];
    const decoded = decodeToListener(encodeToListener(messages));
    expect(decoded).toEqual(messages);
    // One identity object per worker, not one per message.
    expect(decoded[0]!.worker).toBe(decoded[2]!.worker);
  });

  it('carry every kind of listener → worker message through a round trip', () => {
    const messages: ToWorker[] = [
      { t: 'body', id: 'a.1', seq: 3, chunk: body, final: false },
      { t: 'ack', id: 'a.1', bytes: 65536 },
      { t: 'cancel', id: 'a.1', reason: 'client gone' },
    ];
    expect(decodeToWorker(encodeToWorker(messages))).toEqual(messages);
  });

  it('refuse what is not a batch of this protocol, naming why', () => {
    expect(() => decodeToListener(pack({ t: 'head' }))).toThrow(/not a batch/);
    expect(() => decodeToListener(pack([['x', 'a.1', 'P', 1, 'c']]))).toThrow(/unknown message kind/);
    expect(() => decodeToListener(pack([['f', 'a.1', 'P', 1, 'c', 'NOT_A_CODE']]))).toThrow(
      /unknown error code/,
    );
    expect(() => decodeToListener(pack([['h', 'a.1', 'P', 1, 'c', 200, 0, {}, 'not bytes', true]]))).toThrow(
      /malformed head/,
    );
    expect(() => decodeToWorker(pack([['k', 'a.1', 'many']]))).toThrow(/malformed ack/);
  });
});
