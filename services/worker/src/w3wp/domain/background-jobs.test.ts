import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { backgroundQueueName } from '@w3pool/pool-queue';
import type { BackgroundJob } from '@w3pool/extension-sdk';
import { W3poolError } from '@w3pool/protocol';
import { eventually, startRedis, type TestRedis } from '@w3pool/test/helpers';
import { OutageLog } from '../../redis-outage.js';
import { DomainBackgroundJobs } from './background-jobs.js';

const log = pino({ level: 'silent' });

// One application domain's background jobs against a real redis-server of this suite's own: what a domain
// does when it starts, processes and retires, without the rest of the system around it.
describe('DomainBackgroundJobs', () => {
  let server: TestRedis;
  const made: DomainBackgroundJobs[] = [];
  let queueNumber = 0;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterEach(async () => {
    await Promise.all(made.splice(0).map((jobs) => jobs.close()));
  });
  afterAll(async () => {
    await server?.stop();
  });

  const domain = (drainLimitMs = 5000) => {
    queueNumber += 1;
    const jobs = new DomainBackgroundJobs({
      redisUrl: server.url,
      queue: backgroundQueueName('Unit', queueNumber, '/'),
      application: `${queueNumber}/`,
      timings: { drainLimitMs, lockMs: 1000 },
      log,
      outage: new OutageLog(log),
    });
    made.push(jobs);
    return jobs;
  };

  it('runs a declared processor, and routes each job to its processor by name', async () => {
    const jobs = domain();
    const seen: string[] = [];
    const record = (job: BackgroundJob) => Promise.resolve(void seen.push(`${job.name}:${String(job.data)}`));
    jobs.process('a', record);
    jobs.process('b', record, { concurrency: 3 });
    jobs.startProcessing();
    await jobs.add('a', 1);
    await jobs.add('b', 2);
    await eventually(() => (seen.length === 2 ? true : undefined), 'both jobs processed');
    expect(seen.sort()).toEqual(['a:1', 'b:2']);
  });

  it('refuses a processor declared after the application loaded', () => {
    const jobs = domain();
    jobs.startProcessing();
    const nothing = () => Promise.resolve();
    expect(() => jobs.process('late', nothing)).toThrow(W3poolError);
    expect(() => jobs.process('late', nothing)).toThrow(/WORKER_JOB_PROCESSOR_LATE/);
  });

  it('stops taking jobs at once when it retires, and finishes the one it runs', async () => {
    const jobs = domain();
    const started: number[] = [];
    let finished = 0;
    jobs.process('slow', async (job) => {
      started.push(job.data as number);
      await new Promise((resolve) => setTimeout(resolve, 300));
      finished += 1;
    });
    jobs.startProcessing();
    await jobs.add('slow', 1);
    await eventually(() => (started.length === 1 ? true : undefined), 'the first job running');
    const retired = jobs.stopProcessing();
    await jobs.add('slow', 2);
    await retired;
    expect(finished).toBe(1);
    expect(started).toEqual([1]);
  });

  it('gives up at the drain limit on a job that outlasts it', async () => {
    const jobs = domain(200);
    let running = false;
    jobs.process('endless', async () => {
      running = true;
      await new Promise(() => undefined);
    });
    jobs.startProcessing();
    await jobs.add('endless', null);
    await eventually(() => (running ? true : undefined), 'the job running');
    const before = Date.now();
    await jobs.stopProcessing();
    expect(Date.now() - before).toBeLessThan(2000);
  });

  it('retires at once while Redis is away and nothing runs, and add answers 503', async () => {
    const jobs = domain(30_000);
    jobs.process('any', () => Promise.resolve());
    jobs.startProcessing();
    await jobs.add('any', null);
    const took = { add: 0, retire: 0 };
    let refusal: unknown;
    await server.restart(async () => {
      let before = Date.now();
      refusal = await jobs.add('any', null).catch((error: unknown) => error);
      took.add = Date.now() - before;
      before = Date.now();
      await jobs.stopProcessing();
      took.retire = Date.now() - before;
    });
    expect((refusal as W3poolError).code).toBe('WORKER_JOB_QUEUE_UNREACHABLE');
    // Bounds on hanging, not speed: a waiting add would last as long as the outage, a waiting retire the
    // 30 s drain limit.
    expect(took.add).toBeLessThan(3000);
    expect(took.retire).toBeLessThan(10_000);
  });
});
