import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printOutputOnFailure } from '../helpers/failure-output.js';
import { poolsConfig } from '../helpers/pools.js';
import { processAlive, type ServiceProcess } from '../helpers/service-process.js';
import { eventually, startSystem, workerPids, type RunningSystem } from '../helpers/system.js';
import { faultMs, testTimeout } from './harness/mode.js';
import { printSummary, SteadyLoad, succeeded, type LoadSummary } from './harness/steady-load.js';

const DURATION = faultMs(30_000, 8000);
/**
 * The pool whose host returns keeps IIS's kind of deadline (connectionTimeout's 2 minutes, here 1): a new
 * host's w3wp takes 4 s to load on two idle cores and over 10 s beside the rest of the suite, and what is
 * measured is what the dead host held, not how long loading takes. The pool whose host never returns has
 * a short one, so its requests reach it within the test.
 */
const RETURNING_QUEUE_TIMEOUT = '00:01:00';
const STRANDED_QUEUE_TIMEOUT_MS = 10_000;

// Fault 3: a pool host SIGKILLed under load. Its w3wp children go with it (no orphan takes requests
// unsupervised); the queue keeps accepting; a host that returns within the queue deadline serves what
// waited, and without one every waiting request gets 503 Timer_AppPool, none hangs.
describe('chaos: a pool host dies', () => {
  let system: RunningSystem;
  const hosts = new Map<string, ServiceProcess>();
  printOutputOnFailure(() => system);
  beforeAll(async () => {
    const garden = { startMode: 'AlwaysRunning', processModel: { maxProcesses: 2 } };
    system = await startSystem({
      workers: [],
      config: ([port]) =>
        poolsConfig(
          port!,
          {
            Hosted: { ...garden, queueTimeout: RETURNING_QUEUE_TIMEOUT },
            Stranded: { ...garden, queueTimeout: `00:00:${STRANDED_QUEUE_TIMEOUT_MS / 1000}` },
          },
          { rootPool: 'Hosted' },
        ),
    });
    for (const pool of ['Hosted', 'Stranded']) hosts.set(pool, await system.startWorker(pool));
    for (const host of hosts.values()) await host.waitForLine(/worker process ready/);
  });
  afterAll(async () => {
    await system?.stop();
  });

  const killHost = async (pool: string, load: SteadyLoad) => {
    const host = hosts.get(pool)!;
    const children = await eventually(async () => {
      const pids = await workerPids(host);
      return pids.length === 2 ? pids : undefined;
    }, 'two worker processes');
    load.fault();
    await host.stop('SIGKILL');
    const killedAt = performance.now();
    await eventually(
      () => (children.some(processAlive) ? undefined : true),
      'the dead host’s workers to exit',
      15_000,
    );
    const orphansGoneAt = performance.now();
    // After its workers exited, no request that started later was answered by one of them.
    const byOrphan = () =>
      load.records.filter(
        (r) => r.startedAt > orphansGoneAt && children.some((pid) => r.worker?.endsWith(`/${pid}`) ?? false),
      ).length;
    return { children, killedAt, orphansGoneAt, byOrphan };
  };

  let returned: { summary: LoadSummary } | undefined;

  it(
    'a host returns within the queue deadline: nothing unanswered, no orphan answers, served again',
    async () => {
      const load = new SteadyLoad({
        url: `${system.baseUrl}/hosted/pid.test`,
        clients: 6,
        durationMs: DURATION,
        requestTimeoutMs: 90_000,
      }).start();
      await load.successes(20, 15_000);
      const killed = await killHost('Hosted', load);
      hosts.set('Hosted', await system.startWorker('Hosted'));
      await load.finish();
      const summary = {
        ...load.summary('pool host dies, another returns'),
        orphansGoneMs: Math.round(killed.orphansGoneAt - killed.killedAt),
      };
      printSummary(summary);
      expect(summary.unanswered).toBe(0);
      expect(summary.connectionErrors).toBe(0);
      expect(killed.byOrphan()).toBe(0);
      // Every request sent after the kill was served: the queue kept accepting and the new host took it.
      // The requests that failed: when they started, relative to the host's exit (each answered, none hung).
      const failed = load.records.filter((r) => !succeeded(r));
      console.log(
        'failed requests, ms from the host exit to their start:',
        failed.map((r) => Math.round(r.startedAt - killed.killedAt)),
      );
      // Each was answered (503 Timer_AppPool at the queue deadline, or 502), none hung.
      expect(
        Object.keys(summary.codes).every((c) =>
          ['LISTENER_QUEUE_TIMEOUT', 'WORKER_PROCESS_FAILED'].includes(c),
        ),
      ).toBe(true);
      expect(load.records.slice(-6).every((r) => r.status === 200)).toBe(true);
      returned = { summary };
    },
    testTimeout(DURATION),
  );

  // A dead host's w3wp processes drain what they hold (IPC disconnect: they stop taking, finish, give back
  // what their blocking waits moved, then exit), so nothing waits out the deadline with a host back in time.
  it('a host returns: the requests the dead host held are served too, none waits out the deadline', () => {
    expect(returned).toBeDefined();
    expect(returned!.summary.codes.LISTENER_QUEUE_TIMEOUT ?? 0).toBe(0);
  });

  it(
    'no host returns: every waiting request gets 503 Timer_AppPool at the queue deadline, none hangs',
    async () => {
      const load = new SteadyLoad({
        url: `${system.baseUrl}/stranded/pid.test`,
        clients: 6,
        durationMs: STRANDED_QUEUE_TIMEOUT_MS * 2,
        requestTimeoutMs: 20_000,
      }).start();
      await load.successes(20, 15_000);
      const killed = await killHost('Stranded', load);
      await load.finish();
      const summary = load.summary('pool host dies, none returns');
      printSummary(summary);
      expect(summary.unanswered).toBe(0);
      expect(summary.connectionErrors).toBe(0);
      expect(killed.byOrphan()).toBe(0);
      expect(summary.codes.LISTENER_QUEUE_TIMEOUT).toBeGreaterThan(0);
      expect(
        Object.keys(summary.codes).every((c) =>
          ['LISTENER_QUEUE_TIMEOUT', 'WORKER_PROCESS_FAILED'].includes(c),
        ),
      ).toBe(true);
      // The queue kept accepting: a host started now serves at once, once its worker has loaded.
      const host = await system.startWorker('Stranded');
      hosts.set('Stranded', host);
      await host.waitForLine(/worker process ready/);
      const after = new SteadyLoad({
        url: `${system.baseUrl}/stranded/pid.test`,
        clients: 2,
        durationMs: 1000,
        requestTimeoutMs: 20_000,
      }).start();
      await after.finish();
      expect(after.summary('after').ok).toBe(after.records.length);
    },
    testTimeout(DURATION),
  );
});
