import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { encodeToWorker, type ToWorker } from '@w3pool/protocol';
import { ControlChannel } from './control-channel.js';

describe('ControlChannel', () => {
  const channel = () => new ControlChannel({} as Redis, 'w.1', pino({ level: 'silent' }));

  it("delivers each message of a listener's batch to its request, in order, and drops the unknown ones", () => {
    const control = channel();
    const a: ToWorker[] = [];
    const b: ToWorker[] = [];
    control.register('a', { control: (m) => a.push(m) });
    control.register('b', { control: (m) => b.push(m) });
    control.deliver(
      encodeToWorker([
        { t: 'ack', id: 'a', bytes: 10 },
        { t: 'cancel', id: 'gone', reason: 'Client_Reset' },
        { t: 'body', id: 'b', seq: 1, chunk: new Uint8Array([1]), final: true },
        { t: 'ack', id: 'a', bytes: 20 },
      ]),
    );
    expect(a).toEqual([
      { t: 'ack', id: 'a', bytes: 10 },
      { t: 'ack', id: 'a', bytes: 20 },
    ]);
    expect(b).toMatchObject([{ t: 'body', seq: 1, final: true }]);
    control.unregister('a');
    control.deliver(encodeToWorker([{ t: 'ack', id: 'a', bytes: 1 }]));
    expect(a).toHaveLength(2);
  });

  it('drops a malformed message without failing', () => {
    const control = channel();
    expect(() => control.deliver(Buffer.from('not msgpack'))).not.toThrow();
  });
});
