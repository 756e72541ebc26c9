import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeRedis, createRedis, redisReady } from '@w3pool/runtime';
import { eventually, startRedis, type TestRedis } from '@w3pool/test/helpers';
import { watchDemand } from './demand.js';
import { poolKeys } from './pool-keys.js';

describe('watchDemand', () => {
  let server: TestRedis;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('hears demand, and stops hearing it once closed', async () => {
    const subscriber = createRedis(server.url, 'subscriber');
    const publisher = createRedis(server.url, 'control');
    await Promise.all([redisReady(subscriber), redisReady(publisher)]);
    let heard = 0;
    const stop = await watchDemand(subscriber, 'P', () => (heard += 1));
    await publisher.publish(poolKeys('P').demand, '1');
    await eventually(() => (heard === 1 ? true : undefined), 'the demand to be heard');
    await stop();
    await eventually(
      async () => ((await publisher.pubsub('NUMSUB', poolKeys('P').demand))[1] === 0 ? true : undefined),
      'the subscription to be dropped',
    );
    await publisher.publish(poolKeys('P').demand, '1');
    expect(heard).toBe(1);
    subscriber.disconnect();
    await closeRedis(publisher);
  });

  // A pool host stopping just as Redis went away (its connection still looks ready) once waited for ever for
  // the UNSUBSCRIBE's answer, and missed its stop deadline.
  it('stops at once while Redis does not answer', async () => {
    const subscriber = createRedis(server.url, 'subscriber');
    await redisReady(subscriber);
    const stop = await watchDemand(subscriber, 'P', () => undefined);
    server.pause();
    try {
      const outcome = await Promise.race([
        stop().then(() => 'stopped'),
        new Promise((resolve) => setTimeout(() => resolve('still waiting'), 5_000)),
      ]);
      expect(outcome).toBe('stopped');
    } finally {
      server.resume();
      subscriber.disconnect();
    }
  });
});
