import { readFile } from 'node:fs/promises';

export interface ProcessMetrics {
  /** Resident set size, KB (VmRSS). */
  rssKb: number;
  /** Private memory, KB: anonymous resident pages plus swap (RssAnon + VmSwap), IIS's "private bytes". */
  privateKb: number;
  /** Virtual size, KB (VmSize). */
  virtualKb: number;
  /** CPU seconds used so far (user + system). */
  cpuSeconds: number;
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** A process's memory and CPU from /proc (Linux), read by its pool host; undefined once it is gone. */
export async function readProcessMetrics(pid: number): Promise<ProcessMetrics | undefined> {
  try {
    const [status, stat] = await Promise.all([
      readFile(`/proc/${pid}/status`, 'utf8'),
      readFile(`/proc/${pid}/stat`, 'utf8'),
    ]);
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    // Fields after the command name (which may contain spaces), counted from field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return {
      rssKb: kb('VmRSS'),
      privateKb: kb('RssAnon') + kb('VmSwap'),
      virtualKb: kb('VmSize'),
      cpuSeconds: ticks / TICKS_PER_SECOND,
    };
  } catch {
    return undefined;
  }
}
