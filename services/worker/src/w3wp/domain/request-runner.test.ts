import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { RequestJob, ToListener } from '@w3pool/protocol';
import { testJob } from '@w3pool/test/helpers';
import { RequestRunner, type RequestQueue } from './request-runner.js';

const identity = { pool: 'P', pid: 1, control: 'w.1' };

/** A queue consumer that records, in order, what the runner hands it. */
function recordingQueue() {
  const events: string[] = [];
  const published: { channel: string; message: ToListener }[] = [];
  const queue: RequestQueue = {
    publish: (channel, message) => {
      events.push(`publish ${message.id} ${message.t}`);
      published.push({ channel, message });
      return Promise.resolve(1);
    },
    complete: (id) => events.push(`complete ${id}`),
  };
  return { queue, events, published };
}

/** A handler per request that finishes when the test says so. */
function controlledExecution() {
  const finish = new Map<string, () => void>();
  const execute = (job: RequestJob) => new Promise<void>((resolve) => finish.set(job.id, resolve));
  return { execute, finish };
}

describe('RequestRunner', () => {
  it('runs each request and completes it after it ends; reports what runs and what was served', async () => {
    const { queue, events } = recordingQueue();
    const { execute, finish } = controlledExecution();
    const runner = new RequestRunner(queue, execute, identity, pino({ level: 'silent' }));
    const [a, b] = [testJob(), testJob({ method: 'POST', rawUrl: '/b?x=1' })];
    runner.run([
      { id: a.id, job: a },
      { id: b.id, job: b },
    ]);
    expect(runner.stats().inFlight.map((r) => [r.id, r.method, r.url])).toEqual([
      [a.id, 'GET', a.rawUrl],
      [b.id, 'POST', '/b?x=1'],
    ]);
    const drained = runner.drained();
    finish.get(a.id)!();
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).toEqual([`complete ${a.id}`]);
    expect(runner.stats()).toMatchObject({ served: 1, inFlight: [{ id: b.id }] });
    finish.get(b.id)!();
    await drained;
    expect(events).toEqual([`complete ${a.id}`, `complete ${b.id}`]);
    expect(runner.stats()).toEqual({ served: 2, inFlight: [] });
  });

  it('completes a request whose handler failed, too', async () => {
    const { queue, events } = recordingQueue();
    const runner = new RequestRunner(
      queue,
      () => Promise.reject(new Error('boom')),
      identity,
      pino({ level: 'silent' }),
    );
    const job = testJob();
    runner.run([{ id: job.id, job }]);
    await runner.drained();
    expect(events).toEqual([`complete ${job.id}`]);
  });

  it('does not run a request past its queue deadline: it tells the listener, then completes it', async () => {
    const { queue, events, published } = recordingQueue();
    const ran: string[] = [];
    const runner = new RequestRunner(
      queue,
      (job) => {
        ran.push(job.id);
        return Promise.resolve();
      },
      identity,
      pino({ level: 'silent' }),
    );
    const late = testJob({ deadline: Date.now() - 1 });
    runner.run([{ id: late.id, job: late }]);
    expect(ran).toEqual([]);
    expect(events).toEqual([`publish ${late.id} fail`, `complete ${late.id}`]);
    expect(published[0]).toEqual({
      channel: 'w3pool:reply:test-listener',
      message: { t: 'fail', id: late.id, code: 'LISTENER_QUEUE_TIMEOUT', worker: identity },
    });
    expect(runner.stats()).toEqual({ served: 0, inFlight: [] });
    await runner.drained();
  });
});
