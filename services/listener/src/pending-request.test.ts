import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Whereabouts } from '@w3pool/pool-queue';
import type { ErrorCode, ToListener } from '@w3pool/protocol';
import type { ApplicationPool } from '@w3pool/config';
import { PendingRequest, type PendingRequestPorts, type SettledHow } from './pending-request.js';
import { PendingRequests } from './pending-requests.js';

const TIMINGS = { queueTimeoutMs: 1000, checkEveryMs: 5000, workerSilenceMs: 120_000, lostGraceMs: 1500 };
const worker = { pool: 'P', pid: 42, control: 'ctl-1' };
const head = (final: boolean): ToListener => ({
  t: 'head',
  id: 'r1',
  status: 200,
  substatus: 0,
  headers: {},
  body: new Uint8Array(0),
  final,
  worker,
});

/** Ports that record what the request did, with the queue's answers scripted per call. */
function fakePorts(where: { withdraw?: () => Promise<Whereabouts>; locate?: () => Promise<Whereabouts> }) {
  const did = {
    answered: [] as ErrorCode[],
    resets: [] as string[],
    relayed: 0,
    settled: [] as SettledHow[],
    toWorker: [] as string[],
    clientResets: 0,
    started: false,
  };
  const ports: PendingRequestPorts = {
    withdraw: where.withdraw ?? (() => Promise.resolve({ state: 'withdrawn' })),
    locate: where.locate ?? (() => Promise.resolve({ state: 'queued' })),
    relay: () => {
      did.relayed += 1;
      did.started = true;
    },
    responseStarted: () => did.started,
    reset: (reason) => did.resets.push(reason),
    answer: (code) => did.answered.push(code),
    pullBody: () => undefined,
    stopBody: () => undefined,
    toWorker: (_control, message) => did.toWorker.push(message.t),
    clientReset: () => (did.clientResets += 1),
    onSettled: (how) => did.settled.push(how),
  };
  return { ports, did };
}
const running = (lastSeenMs = Date.now()): Whereabouts => ({ state: 'running', consumer: 'w.1', lastSeenMs });

describe('PendingRequest', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('Queued → Running → Settled on a reply, and ignores everything after', async () => {
    const { ports, did } = fakePorts({});
    const request = new PendingRequest('r1', ports, TIMINGS);
    request.start();
    request.reply(head(true));
    expect(request.state).toBe('Running');
    request.responded();
    expect(request.state).toBe('Settled');
    request.reply(head(true));
    request.clientGone();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(did).toMatchObject({ relayed: 1, settled: ['replied'], answered: [], toWorker: [] });
  });

  it('at the queue deadline, withdraws a request still queued and answers Timer_AppPool', async () => {
    const { ports, did } = fakePorts({});
    new PendingRequest('r1', ports, TIMINGS).start();
    await vi.advanceTimersByTimeAsync(999);
    expect(did.answered).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(did).toMatchObject({ answered: ['LISTENER_QUEUE_TIMEOUT'], settled: ['timed-out'] });
  });

  it('answers Timer_AppPool at the deadline even when Redis cannot say where the request is', async () => {
    const { ports, did } = fakePorts({ withdraw: () => Promise.reject(new Error('Connection is closed')) });
    new PendingRequest('r1', ports, TIMINGS).start();
    await vi.advanceTimersByTimeAsync(1000);
    expect(did.answered).toEqual(['LISTENER_QUEUE_TIMEOUT']);
  });

  it('leaves a request a live worker runs alone at the deadline, and keeps locating it until it answers', async () => {
    const locate = vi.fn(() => Promise.resolve(running()));
    const { ports, did } = fakePorts({ withdraw: () => Promise.resolve(running()), locate });
    const request = new PendingRequest('r1', ports, TIMINGS);
    request.start();
    await vi.advanceTimersByTimeAsync(1000);
    expect(request.state).toBe('Running');
    await vi.advanceTimersByTimeAsync(15_000);
    expect(locate).toHaveBeenCalledTimes(3);
    request.reply(head(true));
    request.responded();
    await vi.advanceTimersByTimeAsync(15_000);
    expect(locate).toHaveBeenCalledTimes(3);
    expect(did).toMatchObject({ answered: [], settled: ['replied'] });
  });

  it('answers 502.3 for a request held by a worker silent for longer than ping interval + response time', async () => {
    const { ports, did } = fakePorts({ withdraw: () => Promise.resolve(running(Date.now() - 121_000)) });
    new PendingRequest('r1', ports, TIMINGS).start();
    await vi.advanceTimersByTimeAsync(1000);
    expect(did).toMatchObject({ answered: ['WORKER_PROCESS_FAILED'], settled: ['worker-dead'] });
  });

  it('gives a request the queue no longer knows one grace period for its reply, then abandons it', async () => {
    const gone = () => Promise.resolve<Whereabouts>({ state: 'gone' });
    const late = fakePorts({ withdraw: gone, locate: gone });
    const answeredLate = new PendingRequest('r1', late.ports, TIMINGS);
    answeredLate.start();
    await vi.advanceTimersByTimeAsync(1000);
    answeredLate.reply(head(true));
    answeredLate.responded();
    await vi.advanceTimersByTimeAsync(5000);
    expect(late.did).toMatchObject({ answered: [], settled: ['replied'] });

    const lost = fakePorts({ withdraw: gone, locate: gone });
    new PendingRequest('r2', lost.ports, TIMINGS).start();
    await vi.advanceTimersByTimeAsync(1000);
    expect(lost.did.answered).toEqual([]);
    await vi.advanceTimersByTimeAsync(1500);
    expect(lost.did).toMatchObject({ answered: ['LISTENER_REQUEST_ABANDONED'], settled: ['abandoned'] });
  });

  it('resets the connection instead of answering when part of the response already went out', async () => {
    const gone = () => Promise.resolve<Whereabouts>({ state: 'gone' });
    const { ports, did } = fakePorts({ locate: gone });
    const request = new PendingRequest('r1', ports, TIMINGS);
    request.start();
    request.reply(head(false));
    await request.check();
    await vi.advanceTimersByTimeAsync(1500);
    expect(did).toMatchObject({ answered: [], resets: ['LISTENER_REQUEST_ABANDONED'] });
  });

  it('when the client leaves while queued, withdraws the request and logs Client_Reset', async () => {
    const { ports, did } = fakePorts({});
    const request = new PendingRequest('r1', ports, TIMINGS);
    request.start();
    request.clientGone();
    await vi.advanceTimersByTimeAsync(0);
    expect(did).toMatchObject({ clientResets: 1, settled: ['client-gone'], toWorker: [] });
  });

  it('when the client leaves while a worker streams, tells the worker to stop', () => {
    const { ports, did } = fakePorts({});
    const request = new PendingRequest('r1', ports, TIMINGS);
    request.start();
    request.reply(head(false));
    request.clientGone();
    expect(did).toMatchObject({ toWorker: ['cancel'], clientResets: 0, settled: ['client-gone'] });
  });

  it('answers 503 for a queued request of a pool that stops, and not for one a worker runs', async () => {
    const queued = fakePorts({});
    await new PendingRequest('r1', queued.ports, TIMINGS).poolStopped('RapidFail');
    expect(queued.did.answered).toEqual(['LISTENER_POOL_OFFLINE']);
    const taken = fakePorts({ withdraw: () => Promise.resolve(running()) });
    const request = new PendingRequest('r2', taken.ports, TIMINGS);
    await request.poolStopped('Disabled');
    expect(request.state).toBe('Running');
    expect(taken.did.answered).toEqual([]);
  });

  it("relays a worker's failure as its catalogue error, or a reset once the response started", () => {
    const before = fakePorts({});
    new PendingRequest('r1', before.ports, TIMINGS).reply({
      t: 'fail',
      id: 'r1',
      code: 'WORKER_PROCESS_FAILED',
      worker,
    });
    expect(before.did).toMatchObject({ answered: ['WORKER_PROCESS_FAILED'], settled: ['worker-failed'] });
    const after = fakePorts({});
    const request = new PendingRequest('r2', after.ports, TIMINGS);
    request.reply(head(false));
    request.reply({ t: 'fail', id: 'r2', code: 'WORKER_PROCESS_FAILED', worker });
    expect(after.did).toMatchObject({ answered: [], resets: ['WORKER_PROCESS_FAILED'] });
  });

  it('does not time out a request whose worker answered while the deadline was asking Redis', async () => {
    let fail!: (error: Error) => void;
    const { ports, did } = fakePorts({ withdraw: () => new Promise((_, reject) => (fail = reject)) });
    const request = new PendingRequest('r1', ports, TIMINGS);
    request.start();
    await vi.advanceTimersByTimeAsync(1000);
    request.reply(head(false));
    fail(new Error('Connection is closed'));
    await vi.advanceTimersByTimeAsync(0);
    expect(request.state).toBe('Running');
    expect(did).toMatchObject({ answered: [], resets: [], settled: [] });
  });
});

describe('PendingRequests after a reconnect', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  /** One queued and one running request, over ports that count how often the queue was asked. */
  function twoRequests() {
    let locates = 0;
    const locate = () => {
      locates += 1;
      return Promise.resolve<Whereabouts>({ state: 'queued' });
    };
    const pending = new PendingRequests();
    const pool = { name: 'P' } as ApplicationPool;
    const queued = new PendingRequest('q1', fakePorts({ locate }).ports, TIMINGS);
    const runner = new PendingRequest('r1', fakePorts({ locate }).ports, TIMINGS);
    for (const request of [queued, runner]) {
      request.start();
      pending.add(request, pool);
    }
    runner.reply(head(false));
    return { pending, asked: () => locates };
  }

  it('asks only about running requests when Redis kept its data', async () => {
    const { pending, asked } = twoRequests();
    pending.checkAfterReconnect(false);
    await Promise.resolve();
    expect(asked()).toBe(1);
  });

  it('asks about every request when Redis came back without its data', async () => {
    const { pending, asked } = twoRequests();
    pending.checkAfterReconnect(true);
    await Promise.resolve();
    expect(asked()).toBe(2);
  });
});
