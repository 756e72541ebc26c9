import { describe, expect, it } from 'vitest';
import { W3poolError } from '@w3pool/protocol';
import { KEEP_COMPLETED, KEEP_FAILED, planJob } from './background-job-options.js';

const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error instanceof W3poolError ? error.code : String(error);
  }
  return 'accepted';
};

describe('planJob', () => {
  it("maps the SDK's options to BullMQ's, keeping finished jobs for a bounded time", () => {
    expect(planJob('mail', { attempts: 3, backoff: 500, delay: 1000, jobId: 'order-7' })).toEqual({
      kind: 'job',
      opts: {
        attempts: 3,
        backoff: { type: 'fixed', delay: 500 },
        delay: 1000,
        jobId: 'order-7',
        removeOnComplete: KEEP_COMPLETED,
        removeOnFail: KEEP_FAILED,
      },
    });
    expect(planJob('mail', { backoff: { type: 'exponential', delay: 200 } })).toMatchObject({
      opts: { backoff: { type: 'exponential', delay: 200 } },
    });
  });

  it('makes a repeating job a job scheduler, named by its jobId or else its name', () => {
    expect(planJob('report', { repeat: { pattern: '0 3 * * *' } })).toMatchObject({
      kind: 'schedule',
      id: 'report',
      repeat: { pattern: '0 3 * * *' },
    });
    expect(planJob('ping', { repeat: { every: 5000 }, jobId: 'ping-eu', attempts: 2 })).toMatchObject({
      kind: 'schedule',
      id: 'ping-eu',
      repeat: { every: 5000 },
      opts: { attempts: 2 },
    });
  });

  it('refuses what BullMQ would misread, with WORKER_JOB_INVALID', () => {
    const cases: [unknown, object | undefined][] = [
      ['', undefined],
      [42, undefined],
      ['x', { attempts: 0 }],
      ['x', { attempts: 1.5 }],
      ['x', { backoff: -1 }],
      ['x', { backoff: { type: 'linear', delay: 10 } }],
      ['x', { delay: Number.NaN }],
      ['x', { repeat: {} }],
      ['x', { repeat: { every: 1000, pattern: '* * * * *' } }],
      ['x', { repeat: { every: 0 } }],
      ['x', { repeat: { every: 1000 }, delay: 5 }],
      ['x', { jobId: '123' }],
      ['x', { jobId: 'a:b' }],
    ];
    for (const [name, options] of cases)
      expect(
        refusal(() => planJob(name, options)),
        JSON.stringify({ name, options }),
      ).toBe('WORKER_JOB_INVALID');
  });
});
