import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { RequestJob, ToListener } from '@w3pool/protocol';
import { testJob } from '@w3pool/test/helpers';
import { RequestRunner, type RequestQueue } from './request-runner.js';

const identity = { pool: 'P', pid: 1, control: 'w.1' };

/** A queue consumer that records, in order, what the runner hands it. */
function recordingQueue(receivers = 1) {
  const events: string[] = [];
  const published: { channel: string; message: ToListener }[] = [];
  const queue: RequestQueue = {
    publish: (channel, message) => {
      events.push(`publish ${message.id} ${message.t}`);
      published.push({ channel, message });
      return Promise.resolve(receivers);
    },
    complete: (id) => events.push(`complete ${id}`),
    countAbandoned: (outcome) => events.push(`abandoned ${outcome}`),
    subscribers: () => Promise.resolve(subscribed.count),
  };
  const subscribed = { count: receivers };
  return { queue, events, published, subscribed };
}

/** A runner whose handler finishes at once, noting which requests ran. */
function runnerOf(queue: RequestQueue) {
  const ran: string[] = [];
  const execute = (job: RequestJob) => {
    ran.push(job.id);
    return Promise.resolve();
  };
  return { runner: new RequestRunner(queue, execute, identity, pino({ level: 'silent' })), ran };
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
    const { runner, ran } = runnerOf(queue);
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

  it('skips the requests of a listener found gone, counting each, and runs the others', async () => {
    const { queue, events, subscribed } = recordingQueue();
    const { runner, ran } = runnerOf(queue);
    // A reply reached nobody; asked, the listener's channel has no subscriber: it is gone.
    runner.unheard('w3pool:reply:dead-listener');
    subscribed.count = 0;
    const orphans = [testJob({ replyTo: 'dead-listener' }), testJob({ replyTo: 'dead-listener' })];
    const live = testJob();
    runner.run([...orphans, live].map((job) => ({ id: job.id, job })));
    await runner.drained();
    expect(ran).toEqual([live.id]);
    expect(events.filter((e) => e === 'abandoned skipped')).toHaveLength(2);
    expect(events.filter((e) => e.startsWith('complete'))).toHaveLength(3);
    expect(runner.stats().served).toBe(1);
  });

  it('runs a suspect listener’s requests when it turns out to be listening (its subscription reconnected)', async () => {
    const { queue, events } = recordingQueue();
    const { runner, ran } = runnerOf(queue);
    runner.unheard('w3pool:reply:test-listener');
    const job = testJob();
    runner.run([{ id: job.id, job }]);
    await runner.drained();
    expect(ran).toEqual([job.id]);
    expect(events).not.toContain('abandoned skipped');
  });

  it('counts an expired request whose notice reached nobody: its listener had gone', async () => {
    const { queue, events } = recordingQueue(0);
    const runner = new RequestRunner(queue, () => Promise.resolve(), identity, pino({ level: 'silent' }));
    const late = testJob({ replyTo: 'dead-listener', deadline: Date.now() - 1 });
    runner.run([{ id: late.id, job: late }]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).toContain('abandoned expired');
  });
});
