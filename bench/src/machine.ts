import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { promisify } from 'node:util';

export interface Machine {
  cpu: string;
  cores: number;
  ramGiB: number;
  node: string;
  redis: string;
  wrk: string;
}

const run = promisify(execFile);

/** What the figures were measured on: they are only comparable within one run on one machine. */
export async function describeMachine(wrk: string): Promise<Machine> {
  const cpuinfo = await readFile('/proc/cpuinfo', 'utf8').catch(() => '');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim();
  const redis = await run('redis-server', ['--version']).then(
    ({ stdout }) => stdout.trim(),
    () => 'redis-server not found',
  );
  return {
    cpu: model ?? cpus()[0]?.model ?? 'unknown CPU',
    cores: cpus().length,
    ramGiB: totalmem() / 1024 ** 3,
    node: process.version,
    redis,
    wrk,
  };
}
