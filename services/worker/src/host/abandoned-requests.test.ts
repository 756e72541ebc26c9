import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PoolQueue, QueueConsumer, type TakenRequest } from '@w3pool/pool-queue';
import { decodeToListener, replyChannel, type RequestJob, type ToListener } from '@w3pool/protocol';
import { createRedis, redisReady } from '@w3pool/runtime';
import { eventually, startRedis, type TestRedis } from '@w3pool/test/helpers';
import { testJob } from '@w3pool/test/helpers';
import { AbandonedRequests, settlementFor } from './abandoned-requests.js';

const log = pino({ level: 'silent' });

describe('settlementFor', () => {
  const held = (method: string, retried = false) => ({
    element: Buffer.alloc(0),
    job: testJob({ method }),
    retried,
  });

  it('re-queues a GET or HEAD once when the pool allows it, and answers everything else 502.3', () => {
    expect(settlementFor(held('GET'), true)).toBe('requeue');
    expect(settlementFor(held('HEAD'), true)).toBe('requeue');
    expect(settlementFor(held('GET', true), true)).toBe('fail');
    expect(settlementFor(held('POST'), true)).toBe('fail');
    expect(settlementFor(held('GET'), false)).toBe('fail');
  });
});

// The pool host's side of a worker's death, against a real redis-server: the requests its domains' queue
// consumers held are found by the worker's id, and each is answered or re-queued.
describe('AbandonedRequests', () => {
  let server: TestRedis;
  let control: Redis;
  let admin: Redis;
  let queue: PoolQueue;
  const consumers: QueueConsumer<ToListener>[] = [];
  const replies: ToListener[] = [];
  let subscriber: Redis;

  beforeAll(async () => {
    server = await startRedis();
    control = createRedis(server.url, 'control');
    admin = new Redis(server.url);
    subscriber = createRedis(server.url, 'subscriber');
    await redisReady(control);
    queue = new PoolQueue(control, 'P');
    subscriber.on('messageBuffer', (_channel: Buffer, message: Buffer) =>
      replies.push(...decodeToListener(message)),
    );
    await subscriber.subscribe(replyChannel('test-listener'));
  });
  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((c) => c.close().catch(() => undefined)));
    replies.splice(0);
    await admin.flushall();
  });
  afterAll(async () => {
    subscriber?.disconnect();
    control?.disconnect();
    admin?.disconnect();
    await server?.stop();
  });

  /**
   * Queue the jobs and let a consumer of the worker (`<workerId>.<n>`) take `count` requests, as its domain
   * would; then the worker dies holding them: its connections end with it.
   */
  const takenBy = async (consumerId: string, jobs: RequestJob[], count = jobs.length) => {
    for (const job of jobs) await queue.enqueue(queue.entry(job));
    const taken: TakenRequest[] = [];
    const connection = createRedis(server.url, 'worker');
    const consumer = new QueueConsumer<ToListener>({
      redis: connection,
      blocking: createRedis(server.url, 'blocking'),
      pool: 'P',
      siteId: 1,
      appPath: '/',
      consumerId,
      capacity: 16,
      encodeBatch: () => Buffer.alloc(0),
      onRequests: (requests) => taken.push(...requests),
      onError: () => undefined,
    });
    consumers.push(consumer);
    await consumer.start();
    await eventually(() => (taken.length === count ? true : undefined), 'the requests taken');
    await consumer.stopTaking();
    connection.disconnect();
  };
  const failures = (count: number) =>
    eventually(() => (replies.length >= count ? replies : undefined), `${count} answer(s) to the listener`);

  it('answers every request a dead worker ran with 502.3 through its listener, and forgets its consumers', async () => {
    const jobs = [testJob(), testJob({ method: 'POST' })];
    await takenBy('host-1-1-abcd.1', jobs);
    const abandoned = new AbandonedRequests(queue, control, log);
    expect(await abandoned.settle('host-1-1-abcd', 4321, false)).toBe(2);
    const answers = await failures(2);
    expect(answers.map((m) => m.id).sort()).toEqual(jobs.map((j) => j.id).sort());
    for (const answer of answers) {
      expect(answer).toMatchObject({
        t: 'fail',
        code: 'WORKER_PROCESS_FAILED',
        worker: { pool: 'P', pid: 4321 },
      });
    }
    expect((await queue.stats()).consumers).toBe(0);
    expect(await queue.depth()).toBe(0);
  });

  it('with retryGetOnCrash, re-queues a GET once at the front, and answers the POST and a second failure', async () => {
    const get = testJob();
    const post = testJob({ method: 'POST' });
    await takenBy('host-1-2-beef.3', [get, post]);
    const abandoned = new AbandonedRequests(queue, control, log);
    expect(await abandoned.settle('host-1-2-beef', 1, true)).toBe(2);
    expect((await failures(1)).map((m) => m.id)).toEqual([post.id]);
    expect(await queue.depth()).toBe(1);
    expect(await queue.locate(queue.entry(get))).toEqual({ state: 'queued' });

    // Its next worker dies too: a request re-queued once is answered 502.3, never run a third time.
    await takenBy('host-1-3-cafe.1', [], 1);
    expect(await abandoned.settle('host-1-3-cafe', 2, true)).toBe(1);
    expect((await failures(2)).map((m) => m.id)).toEqual([post.id, get.id]);
    expect(await queue.depth()).toBe(0);
  });

  it('settles only the dead worker: another whose id shares its start keeps its requests', async () => {
    const mine = testJob();
    const theirs = testJob();
    await takenBy('host-1-1-aaaa.1', [mine]);
    await takenBy('host-1-11-aaaa.1', [theirs]);
    const abandoned = new AbandonedRequests(queue, control, log);
    expect(await abandoned.settle('host-1-1-aaaa', 1, false)).toBe(1);
    expect((await failures(1)).map((m) => m.id)).toEqual([mine.id]);
    expect(await queue.locate(queue.entry(theirs))).toMatchObject({
      state: 'running',
      consumer: 'host-1-11-aaaa.1',
    });
  });
});
