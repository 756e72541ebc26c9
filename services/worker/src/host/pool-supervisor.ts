import { spawn } from 'node:child_process';
import type { Logger } from 'pino';
import { timeSpanToMs, type ApplicationPool } from '@w3pool/config';
import type { StopReason } from '@w3pool/protocol';
import type { AbandonedRequests } from './abandoned-requests.js';
import type { EventLog, RecycleReason } from './event-log.js';
import { readProcessMetrics } from './process-metrics.js';
import type { ProcessRecords } from './process-records.js';
import type { Failure, RapidFailWindow } from './rapid-fail.js';
import { recycleReason, scheduleDue, staggerFor, type Stagger } from './recycle-triggers.js';
import { WorkerProcess, type WorkerExit } from './worker-process.js';

export interface SupervisorDeps {
  poolName: string;
  /** The w3wp entry point and the environment it runs with. */
  entry: string;
  env: NodeJS.ProcessEnv;
  events: EventLog;
  failures: RapidFailWindow;
  abandoned: AbandonedRequests;
  records: ProcessRecords;
  /** A new, unique W3POOL_WORKER_ID for each worker process started. */
  newWorkerId: () => string;
  /** Requests waiting in the pool queue now (its depth): the safety net behind the demand notices. */
  waiting: () => Promise<number>;
  /** Rapid-fail protection tripped: tell WAS, which stops the pool for every listener. */
  onRapidFail: (failures: Failure[]) => void;
  log: Logger;
}

/**
 * WAS's process management for one application pool, inside its pool host: starts worker processes on
 * demand or keeps them running, pings them, replaces the ones that crash or hang, recycles them on
 * periodicRestart's triggers with overlapped rotation (the new worker is ready before the old one stops
 * taking requests), shuts idle ones down, and stops the pool when rapid-fail protection trips.
 */
export class PoolSupervisor {
  private pool!: ApplicationPool;
  /** Workers that serve or are starting to; retiring ones are not here. */
  private workers: WorkerProcess[] = [];
  private readonly retiring = new Set<WorkerProcess>();
  private readonly stagger = new Map<WorkerProcess, Stagger>();
  private stopped: StopReason | undefined;
  private closing = false;
  /** Recycles run one at a time, so a web garden never rotates all its workers at once. */
  private rotation: Promise<void> = Promise.resolve();
  private rotatingNow = new Set<WorkerProcess>();
  /** Slots held by a non-overlapped rotation between the old worker's exit and the new one's start. */
  private reserved = 0;
  private lastTick = Date.now();
  /** Dead workers whose requests could not be settled yet (Redis was unreachable): worker id → pid. */
  private readonly unsettled = new Map<string, number>();

  constructor(private readonly deps: SupervisorDeps) {}

  get processes(): readonly WorkerProcess[] {
    return [...this.workers, ...this.retiring];
  }

  /** Adopt the pool's settings; a change to them recycles the workers unless disallowRotationOnConfigChange. */
  configure(pool: ApplicationPool): void {
    const previous = this.pool as ApplicationPool | undefined;
    this.pool = pool;
    this.deps.events.configure(pool.recycling.logEventOnRecycle);
    this.deps.failures.configure(
      timeSpanToMs(pool.failure.rapidFailProtectionInterval),
      pool.failure.rapidFailProtection ? pool.failure.rapidFailProtectionMaxCrashes : Number.MAX_SAFE_INTEGER,
    );
    if (
      previous &&
      JSON.stringify(previous) !== JSON.stringify(pool) &&
      !pool.recycling.disallowRotationOnConfigChange
    ) {
      this.recycleAll('ConfigChange');
    }
    this.ensure();
  }

  /** The pool's runtime state changed (an administrator, or rapid-fail protection through WAS). */
  setStopped(reason: StopReason | undefined): void {
    const was = this.stopped;
    this.stopped = reason;
    if (reason && !was) {
      this.deps.log.info({ reason }, 'pool stopped: stopping its worker processes');
      for (const worker of [...this.workers]) void this.retire(worker);
    } else if (!reason && was) {
      this.deps.log.info('pool started');
      this.deps.failures.reset();
      this.ensure();
      // Requests may have been queued while the listeners had not yet seen the stop.
      void this.demandIfWaiting();
    }
  }

  /** A request is waiting (startMode OnDemand): start a worker if there is room and none is starting. */
  demand(): void {
    if (this.stopped || this.closing) return;
    if (this.workers.length + this.reserved >= this.pool.processModel.maxProcesses) return;
    if (this.workers.some((w) => w.state === 'Starting')) return;
    this.spawn();
  }

  /**
   * Start a worker when requests wait in the queue and the pool has room for one more: the safety net
   * when none serves (demand notices can race with a state change), and how a web garden grows under
   * OnDemand. The queue publishes demand only while nobody consumes it, so once one worker serves, a
   * backlog seen at a tick is what starts the next, up to maxProcesses, as IIS starts a garden's
   * processes as requests arrive.
   */
  async demandIfWaiting(): Promise<void> {
    if (this.stopped || this.closing) return;
    if (this.workers.length + this.reserved >= this.pool.processModel.maxProcesses) return;
    if (this.workers.some((w) => w.state === 'Starting')) return;
    if ((await this.deps.waiting().catch(() => 0)) > 0) this.demand();
  }

  /** Recycle every worker, one after the other (appcmd recycle apppool, or a pool config change). */
  recycleAll(reason: RecycleReason): void {
    for (const worker of [...this.workers]) this.recycle(worker, reason);
  }

  /** Once a second: recycle triggers, idle timeout, the process records, and unsettled dead workers. */
  async tick(now = Date.now()): Promise<void> {
    const since = this.lastTick;
    this.lastTick = now;
    if (scheduleDue(this.pool, since, now)) this.recycleAll('Schedule');
    await this.demandIfWaiting();
    for (const [workerId, pid] of [...this.unsettled]) await this.settleAbandoned({ workerId, pid });
    await this.settleSilent();
    const idleMs = timeSpanToMs(this.pool.processModel.idleTimeout);
    await Promise.all(
      this.processes.map(async (worker) => {
        const metrics = await readProcessMetrics(worker.pid);
        await this.deps.records.write(worker, metrics, now).catch(() => undefined);
        if (worker.state !== 'Running' || !this.workers.includes(worker)) return;
        const reason = recycleReason(
          this.pool,
          worker,
          metrics,
          this.stagger.get(worker) ?? { timeMs: 0, requests: 0 },
          now,
        );
        if (reason) {
          this.recycle(worker, reason);
          return;
        }
        if (
          this.pool.startMode === 'OnDemand' &&
          idleMs > 0 &&
          worker.inFlight.length === 0 &&
          now - worker.lastActivityAt >= idleMs
        ) {
          this.deps.events.record('IdleTimeout', {
            pid: worker.pid,
            detail: `idle for ${now - worker.lastActivityAt} ms`,
          });
          void this.retire(worker);
        }
      }),
    );
  }

  /** Stop every worker gracefully (host shutdown). */
  async close(): Promise<void> {
    this.closing = true;
    await this.rotation;
    await Promise.all([...this.workers].map((w) => this.retire(w)));
    await Promise.all([...this.retiring].map((w) => w.exitedPromise));
  }

  /** startMode AlwaysRunning keeps maxProcesses workers up; OnDemand starts them as requests arrive. */
  private ensure(): void {
    if (this.stopped || this.closing || !this.pool) return;
    if (this.pool.startMode !== 'AlwaysRunning') return;
    while (this.workers.length + this.reserved < this.pool.processModel.maxProcesses) this.spawn();
  }

  private spawn(): WorkerProcess {
    const pm = this.pool.processModel;
    const worker = new WorkerProcess(
      this.deps.newWorkerId(),
      this.deps.entry,
      ['--pool', this.deps.poolName],
      this.workerEnv(),
      {
        startupTimeLimitMs: timeSpanToMs(pm.startupTimeLimit),
        shutdownTimeLimitMs: timeSpanToMs(pm.shutdownTimeLimit),
        pingingEnabled: pm.pingingEnabled,
        pingIntervalMs: timeSpanToMs(pm.pingInterval),
        pingResponseTimeMs: timeSpanToMs(pm.pingResponseTime),
      },
      this.deps.log,
    );
    this.workers.push(worker);
    // Workers of a garden started together recycle at staggered times.
    const peers = this.workers.filter((w) => w.state === 'Starting').length;
    this.stagger.set(worker, staggerFor(this.pool, peers - 1, pm.maxProcesses));
    this.deps.log.info(
      { workerPid: worker.pid, workerId: worker.workerId, processes: this.workers.length },
      'worker process starting',
    );
    worker.on('ready', () =>
      this.deps.log.info(
        { workerPid: worker.pid, startupMs: Date.now() - worker.startedAt },
        'worker process ready',
      ),
    );
    worker.on('exit', (exit) => this.onExit(worker, exit));
    worker.on('unhealthy', (reason) => {
      this.deps.log.warn({ workerPid: worker.pid, reason }, 'worker reported unhealthy');
      this.recycle(worker, 'IsapiUnhealthy');
    });
    worker.on('unresponsive', () => this.onUnresponsive(worker));
    return worker;
  }

  private workerEnv(): NodeJS.ProcessEnv {
    const env = { ...this.deps.env };
    for (const variable of this.pool.environmentVariables) env[variable.name] = variable.value;
    return env;
  }

  private recycle(worker: WorkerProcess, reason: RecycleReason): void {
    if (this.rotatingNow.has(worker) || !this.workers.includes(worker)) return;
    this.rotatingNow.add(worker);
    this.rotation = this.rotation
      .then(() => this.rotate(worker, reason))
      .catch((error: unknown) => this.deps.log.error({ err: error }, 'recycle failed'))
      .finally(() => this.rotatingNow.delete(worker));
  }

  private async rotate(old: WorkerProcess, reason: RecycleReason): Promise<void> {
    if (!this.workers.includes(old) || this.closing) return;
    this.deps.events.record('Recycle', { pid: old.pid, reason });
    if (this.pool.recycling.disallowOverlappingRotation || this.stopped) {
      this.reserved += 1;
      try {
        await this.retire(old);
      } finally {
        this.reserved -= 1;
      }
      if (!this.stopped && !this.closing) this.spawn();
      return;
    }
    // Overlapped rotation: the new worker takes requests before the old one stops taking them.
    const fresh = this.spawn();
    const ready = await new Promise<boolean>((resolve) => {
      fresh.once('ready', () => resolve(true));
      fresh.once('exit', () => resolve(false));
    });
    if (!ready) {
      this.deps.log.warn(
        { workerPid: old.pid },
        'the replacement did not start; the old worker keeps serving',
      );
      return;
    }
    await this.retire(old);
  }

  /** Take a worker out of service: it drains and exits (killed after shutdownTimeLimit). */
  private async retire(worker: WorkerProcess): Promise<void> {
    this.workers = this.workers.filter((w) => w !== worker);
    this.retiring.add(worker);
    await worker.stop();
  }

  private onUnresponsive(worker: WorkerProcess): void {
    if (!this.pool.failure.orphanWorkerProcess) {
      worker.kill('PingFailure');
      return;
    }
    // Orphaning: leave it running, as it is, for a debugger; serve with a new one. Whatever becomes of it
    // later (a debugger ends it) is no longer this pool's business.
    this.workers = this.workers.filter((w) => w !== worker);
    worker.removeAllListeners();
    worker.orphan();
    void this.deps.records.remove(worker).catch(() => undefined);
    this.deps.events.record('Orphaned', { pid: worker.pid, reason: 'PingFailure' });
    void this.settleAbandoned(worker);
    this.runOrphanAction(worker.pid);
    this.fail(worker.pid, 'PingFailure');
  }

  private runOrphanAction(pid: number): void {
    const exe = this.pool.failure.orphanActionExe;
    if (!exe) return;
    const args = this.pool.failure.orphanActionParams
      .split(' ')
      .filter(Boolean)
      .map((a) => a.replaceAll('%1%', String(pid)));
    spawn(exe, args, { stdio: 'ignore', detached: true })
      .on('error', (error) => this.deps.log.error({ err: error, exe }, 'orphanActionExe failed'))
      .unref();
  }

  private onExit(worker: WorkerProcess, exit: WorkerExit): void {
    this.workers = this.workers.filter((w) => w !== worker);
    this.retiring.delete(worker);
    this.stagger.delete(worker);
    void this.deps.records.remove(worker).catch(() => undefined);
    // Crashed or killed: its clients get 502.3 now, not a hang. After a clean exit there is nothing to
    // settle, unless its last calls could not reach Redis: then this puts back what it had not started.
    void this.settleAbandoned(worker);
    if (exit.expected) {
      this.deps.log.info(
        { workerPid: worker.pid, code: exit.code, killedFor: exit.killedFor },
        'worker process exited',
      );
      return;
    }
    const reason =
      exit.killedFor === 'StartupTimeLimit'
        ? 'StartupFailure'
        : exit.killedFor === 'PingFailure'
          ? 'PingFailure'
          : 'Crash';
    this.deps.events.record(reason, {
      pid: worker.pid,
      reason,
      detail: `exit code ${exit.code ?? '-'}, signal ${exit.signal ?? '-'}, ${worker.inFlight.length} request(s) in flight at its last report`,
    });
    this.fail(worker.pid, reason);
  }

  /** Answer (or re-queue) what a dead worker was running; kept for the next tick while Redis is away. */
  private async settleAbandoned(worker: { workerId: string; pid: number }): Promise<void> {
    const { workerId, pid } = worker;
    try {
      const count = await this.deps.abandoned.settle(workerId, pid, this.pool.retryGetOnCrash);
      this.unsettled.delete(workerId);
      if (count > 0)
        this.deps.log.warn({ workerPid: pid, requests: count }, 'requests of a failed worker settled');
    } catch (error) {
      if (!this.unsettled.has(workerId))
        this.deps.log.error({ err: error, workerPid: pid }, 'requests of a failed worker not settled yet');
      this.unsettled.set(workerId, pid);
    }
  }

  /**
   * Queue consumers anywhere in the pool whose heartbeats stopped for longer than the pool's ping limits
   * (pingInterval + pingResponseTime, the silence after which a host kills its own worker, and the listener
   * answers 502.3 for it): their host died with them, or lost Redis. Every host of the pool looks at each
   * tick; the settling is one script, so two hosts never settle the same consumer twice.
   */
  private async settleSilent(): Promise<void> {
    const pm = this.pool.processModel;
    const leaseMs = timeSpanToMs(pm.pingInterval) + timeSpanToMs(pm.pingResponseTime);
    try {
      const count = await this.deps.abandoned.settleSilent(leaseMs, this.pool.retryGetOnCrash);
      if (count > 0)
        this.deps.log.warn({ requests: count, leaseMs }, 'requests of silent queue consumers settled');
    } catch {
      // Redis is away: the next tick looks again; the outage itself is logged once, elsewhere.
    }
  }

  /** Count a failure for rapid-fail protection; replace the worker unless the pool must stop. */
  private fail(pid: number, reason: string): void {
    const tripped = this.deps.failures.record({ at: Date.now(), pid, reason });
    if (tripped) {
      this.stopped = 'RapidFail';
      this.deps.events.record('RapidFail', {
        reason: 'RapidFail',
        detail: tripped.map((f) => `${new Date(f.at).toISOString()} pid ${f.pid} ${f.reason}`).join('; '),
      });
      for (const worker of [...this.workers]) void this.retire(worker);
      this.deps.onRapidFail(tripped);
      return;
    }
    if (this.stopped || this.closing) return;
    // Replaced at once, whatever the start mode: the queue may hold requests for it.
    this.spawn();
  }
}
