import type { RuntimeControl } from '../runtime-control.js';
import { pollUntil } from './poll-until.js';

/**
 * How long a recycle may take before the answer is 504: a new worker must start (IIS's startupTimeLimit
 * is 90 s, but a worker that takes more than this to start is reported, not waited out by an HTTP client).
 */
export const RECYCLE_DEADLINE_MS = 30_000;

export interface RecycleAnswer {
  /** Pool hosts that received the command. */
  hosts: number;
  /** The workers that were running, now gone or draining (Stopping). */
  oldPids: number[];
  /** The workers that replaced them, reported Running. */
  newPids: number[];
  elapsedMs: number;
}

interface WorkerRecord {
  pid: number;
  state: string;
}

/**
 * appcmd recycle apppool, answered with what happened: the pids that were running before, and the new
 * ones once every pool host has reported (in its worker records, written every second) a new worker
 * Running and none of the old ones still Running. A pool with no running worker has nothing to rotate
 * (an OnDemand pool starts one with the next request): answered at once with no pids.
 */
export async function acknowledgedRecycle(
  control: RuntimeControl,
  pool: string,
  deadlineMs = RECYCLE_DEADLINE_MS,
): Promise<RecycleAnswer> {
  const started = Date.now();
  const running = async () => (await workers(control, pool)).filter((w) => w.state === 'Running');
  const oldPids = (await running()).map((w) => w.pid);
  const { hosts } = await control.recyclePool(pool);
  if (oldPids.length === 0 || hosts === 0) return { hosts, oldPids, newPids: [], elapsedMs: 0 };
  const newPids = await pollUntil(
    async () => {
      const now = (await running()).map((w) => w.pid);
      const fresh = now.filter((pid) => !oldPids.includes(pid));
      return fresh.length > 0 && !now.some((pid) => oldPids.includes(pid)) ? fresh : undefined;
    },
    deadlineMs,
    `recycle of ${pool}: no new worker reported Running`,
  );
  return { hosts, oldPids, newPids, elapsedMs: Date.now() - started };
}

async function workers(control: RuntimeControl, pool: string): Promise<WorkerRecord[]> {
  return (await control.workerProcesses())
    .filter((wp) => wp.pool === pool && typeof wp.pid === 'number')
    .map((wp) => ({ pid: wp.pid as number, state: String(wp.state) }));
}
