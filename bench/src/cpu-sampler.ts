import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';

/** Clock ticks per second of /proc's CPU times (`getconf CLK_TCK`, 100 on Linux in practice). */
export const CLOCK_TICKS = readClockTicks();

function readClockTicks(): number {
  try {
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(ticks) && ticks > 0 ? ticks : 100;
  } catch {
    return 100;
  }
}

export interface ProcStat {
  /** utime + stime: the process's own CPU, every thread included. */
  ticks: number;
  /** cutime + cstime: CPU of children it has waited for. */
  childTicks: number;
}

/** Parse /proc/<pid>/stat. The command name is in parentheses and may hold spaces, so split after the last ')'. */
export function parseStat(text: string): ProcStat | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  // From field 3 (state) on: utime, stime, cutime and cstime are fields 14 to 17.
  const fields = text
    .slice(close + 2)
    .split(' ')
    .map((field) => Number(field));
  const [utime, stime, cutime, cstime] = fields.slice(11, 15);
  if (utime === undefined || stime === undefined || cutime === undefined || cstime === undefined)
    return undefined;
  return { ticks: utime + stime, childTicks: cutime + cstime };
}

/** A process's CPU in ticks, or undefined once it has gone. */
export async function processTicks(pid: number): Promise<number | undefined> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  return text === undefined ? undefined : parseStat(text)?.ticks;
}

/** A role in a case (listener, w3wp, redis, ...) and how to find its processes at the moment of a sample. */
export interface ProcessRole {
  role: string;
  pids: () => Promise<number[]> | number[];
}

/** Ticks per pid, per role, at one moment. */
export type CpuSnapshot = Map<string, Map<number, number>>;

/**
 * Samples the CPU of every process of a case at the start and the end of a measured run. Roles are looked
 * up at each sample, so a w3wp child forked during the run is counted from zero: its whole life lies inside
 * the window. A process that exits during the run takes its CPU with it; the pool host does not replace
 * workers during a steady benchmark, so that loss is not expected.
 */
export class CpuSampler {
  constructor(private readonly roles: ProcessRole[]) {}

  async sample(): Promise<CpuSnapshot> {
    const snapshot: CpuSnapshot = new Map();
    for (const { role, pids } of this.roles) {
      const perPid = new Map<number, number>();
      for (const pid of await pids()) {
        const ticks = await processTicks(pid);
        if (ticks !== undefined) perPid.set(pid, ticks);
      }
      snapshot.set(role, perPid);
    }
    return snapshot;
  }

  /** Ticks each role spent between two snapshots. */
  static between(start: CpuSnapshot, end: CpuSnapshot): Map<string, number> {
    const spent = new Map<string, number>();
    for (const [role, endPids] of end) {
      const startPids = start.get(role) ?? new Map<number, number>();
      let ticks = 0;
      for (const [pid, endTicks] of endPids) ticks += endTicks - (startPids.get(pid) ?? 0);
      spent.set(role, ticks);
    }
    return spent;
  }
}
