import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PoolQueue, QueueConsumer, type TakenRequest } from '@w3pool/pool-queue';
import { decodeToListener, replyChannel, type ToListener } from '@w3pool/protocol';
import { createRedis, redisReady } from '@w3pool/runtime';
import { eventually, startRedis, type TestRedis } from '@w3pool/test/helpers';
import { testJob } from '@w3pool/test/helpers';
import { FailedDomainRequests } from './failed-domain-requests.js';

// A domain thread that dies inside a living worker process: exactly its consumer is settled, against a
// real redis-server, and what it ran is answered 500.
describe('FailedDomainRequests', () => {
  let server: TestRedis;
  let control: Redis;
  let publisher: Redis;
  let subscriber: Redis;
  const replies: ToListener[] = [];
  beforeAll(async () => {
    server = await startRedis();
    control = createRedis(server.url, 'control');
    publisher = createRedis(server.url, 'worker');
    subscriber = createRedis(server.url, 'subscriber');
    await redisReady(control);
    subscriber.on('messageBuffer', (_channel: Buffer, message: Buffer) =>
      replies.push(...decodeToListener(message)),
    );
    await subscriber.subscribe(replyChannel('test-listener'));
  });
  afterAll(async () => {
    for (const connection of [control, publisher, subscriber]) connection?.disconnect();
    await server?.stop();
  });

  const consumer = (consumerId: string, appPath: string, taken: TakenRequest[]) => {
    const connection = createRedis(server.url, 'worker');
    const c = new QueueConsumer<ToListener>({
      redis: connection,
      blocking: createRedis(server.url, 'blocking'),
      pool: 'P',
      siteId: 1,
      appPath,
      consumerId,
      capacity: 16,
      encodeBatch: () => Buffer.alloc(0),
      onRequests: (requests) => taken.push(...requests),
      onError: () => undefined,
    });
    return { c, connection };
  };

  it("answers what the dead domain ran with 500, and leaves the process's other domains alone", async () => {
    const queue = new PoolQueue(control, 'P');
    const dying = testJob({ appPath: '/a', method: 'POST' });
    const living = testJob({ appPath: '/b' });
    await Promise.all([queue.enqueue(queue.entry(dying)), queue.enqueue(queue.entry(living))]);
    const takenA: TakenRequest[] = [];
    const takenB: TakenRequest[] = [];
    const a = consumer('w-1-1-abcd.1', '/a', takenA);
    const b = consumer('w-1-1-abcd.2', '/b', takenB);
    await Promise.all([a.c.start(), b.c.start()]);
    await eventually(() => (takenA.length + takenB.length === 2 ? true : undefined), 'both taken');
    // Domain /a's thread ends: its connections go with it.
    await a.c.stopTaking();
    a.connection.disconnect();

    const failed = new FailedDomainRequests(queue, publisher, pino({ level: 'silent' }));
    expect(await failed.settle('w-1-1-abcd.1')).toBe(1);
    const [answer] = await eventually(() => (replies.length > 0 ? replies : undefined), 'the 500');
    expect(answer).toMatchObject({
      t: 'fail',
      id: dying.id,
      code: 'WORKER_HANDLER_FAILED',
      worker: { pool: 'P', pid: process.pid, control: 'w-1-1-abcd.1' },
    });
    expect(await queue.locate(queue.entry(living))).toMatchObject({
      state: 'running',
      consumer: 'w-1-1-abcd.2',
    });
    // A domain that retired cleanly left nothing: settling it finds nothing.
    expect(await failed.settle('w-1-1-abcd.1')).toBe(0);
    await b.c.close();
  });
});
