import { describe, expect, it } from 'vitest';
import { STREAM_CHUNK_BYTES, type ToListener } from '@w3pool/protocol';
import { StreamingResponse, type ResponseSink } from './streaming-response.js';

const worker = { pool: 'P', pid: 1, control: 'w.1' };

/** A publisher whose deliveries the test settles: each message waits for `deliver(receivers)`. */
function heldPublisher() {
  const sent: ToListener[] = [];
  const pending: ((receivers: number) => void)[] = [];
  const publish = (message: ToListener) =>
    new Promise<number>((resolve) => {
      sent.push(message);
      pending.push(resolve);
    });
  const deliverAll = (receivers = 1) => {
    for (const resolve of pending.splice(0)) resolve(receivers);
  };
  return { sent, publish, deliverAll };
}

const sink = (
  publish: (message: ToListener) => Promise<number>,
  listenerGone: (error?: unknown) => void = () => undefined,
): ResponseSink => ({ publish, listenerGone, trackFile: () => false });

describe('StreamingResponse', () => {
  it('resolves end() once the final message is handed over, without waiting for its delivery', async () => {
    const { sent, publish } = heldPublisher();
    const response = new StreamingResponse('r1', worker, sink(publish));
    response.setHeader('content-type', 'text/plain');
    await response.end('hello');
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ t: 'head', id: 'r1', status: 200, final: true });
    expect(Buffer.from((sent[0] as { body: Uint8Array }).body).toString()).toBe('hello');
  });

  it('waits for the delivery of every message before the last one (flow control depends on it)', async () => {
    const { sent, publish, deliverAll } = heldPublisher();
    const response = new StreamingResponse('r2', worker, sink(publish));
    let written = false;
    const write = response.write(Buffer.alloc(STREAM_CHUNK_BYTES)).then(() => (written = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent.map((m) => m.t)).toEqual(['head']);
    expect(written).toBe(false);
    deliverAll();
    await write;
    await response.end('tail');
    expect(sent.map((m) => [m.t, 'final' in m && m.final])).toEqual([
      ['head', false],
      ['data', true],
    ]);
  });

  it('stops the handler when a message before the last reaches nobody (the listener is gone)', async () => {
    const { publish, deliverAll } = heldPublisher();
    const gone: unknown[] = [];
    const response = new StreamingResponse(
      'r3',
      worker,
      sink(publish, (error) => gone.push(error)),
    );
    const write = response.write(Buffer.alloc(STREAM_CHUNK_BYTES));
    await new Promise((resolve) => setImmediate(resolve));
    deliverAll(0);
    await write;
    expect(response.isCancelled).toBe(true);
    expect(gone).toEqual([undefined]);
  });

  it('reports a final message that could not be sent', async () => {
    const failure = new Error('Redis unreachable');
    const gone: unknown[] = [];
    const response = new StreamingResponse(
      'r4',
      worker,
      sink(
        () => Promise.reject(failure),
        (error) => gone.push(error),
      ),
    );
    await response.end('bye');
    await new Promise((resolve) => setImmediate(resolve));
    expect(gone).toEqual([failure]);
  });

  it('can answer with an error page, untransformed, when the transform of its only flush failed', async () => {
    const { sent, publish } = heldPublisher();
    const response = new StreamingResponse('r9', worker, sink(publish));
    let calls = 0;
    response.support = {
      transforms: true,
      transform: () => {
        calls += 1;
        return Promise.reject(new Error('filter failed'));
      },
      logUser: () => '',
      redirect: () => Promise.resolve(),
      sendCustomError: () => Promise.resolve(),
      transmitFile: () => Promise.resolve(),
      executeUrl: () => Promise.resolve({ status: 200, substatus: 0 }),
    };
    await expect(response.end('body')).rejects.toThrow('filter failed');
    expect(sent).toHaveLength(0);
    expect(response.reopenForError()).toBe(true);
    await response.status(500).end('error page');
    expect(calls).toBe(1);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ t: 'head', status: 500, final: true });
    expect(Buffer.from((sent[0] as { body: Uint8Array }).body).toString()).toBe('error page');
    expect(response.reopenForError()).toBe(false);
  });
});
