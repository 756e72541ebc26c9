import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { eventually, type ServiceProcess } from '@w3pool/test/helpers';

/** A compiled file of this package, relative to bench/dist, for processes the harness starts itself. */
export function benchScript(relative: string): string {
  return fileURLToPath(new URL(relative, import.meta.url));
}

/**
 * Undo steps registered while a case starts its processes, run in reverse order whatever happened: a case
 * that fails half-way through its start stops exactly what it had started. A failing step does not stop
 * the others.
 */
export class Cleanup {
  /** Every cleanup not yet run, so an interrupted benchmark can still stop what it started. */
  private static readonly active = new Set<Cleanup>();
  private readonly steps: (() => Promise<void> | void)[] = [];

  static async runAll(): Promise<void> {
    for (const cleanup of [...Cleanup.active]) await cleanup.run();
  }

  add(step: () => Promise<void> | void): void {
    Cleanup.active.add(this);
    this.steps.push(step);
  }

  async run(): Promise<void> {
    Cleanup.active.delete(this);
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step();
      } catch (error) {
        process.stderr.write(`bench: cleanup step failed: ${(error as Error).message}\n`);
      }
    }
  }
}

/**
 * A case's figures mean nothing once one of its services has died (wrk then measures refused connections),
 * so each measurement checks them. The error names the process, how it ended and its last error line.
 */
export function assertRunning(services: ServiceProcess[], during: string): void {
  for (const service of services) {
    if (service.running) continue;
    const { exitCode, signalCode } = service.child;
    const how = signalCode ? `on ${signalCode}` : `with code ${exitCode}`;
    const errorLine = [...service.lines].reverse().find((line) => /error|exception|fatal/i.test(line));
    const clue = errorLine
      ? `last error line: ${errorLine}`
      : `last line: ${service.lines.at(-1) ?? '(no output)'}`;
    throw new Error(`${service.name} (pid ${service.pid}) exited ${how} ${during}; ${clue.slice(0, 400)}`);
  }
}

/** SIGTERM, so services close their logs and children; SIGKILL if the process is still there after graceMs. */
export async function stopProcess(proc: ServiceProcess, graceMs = 5_000): Promise<void> {
  if (!proc.running) return;
  proc.child.kill('SIGTERM');
  const exited = await Promise.race([
    proc.exited.then(() => true),
    new Promise<false>((resolve) => setTimeout(resolve, graceMs, false).unref()),
  ]);
  if (!exited) await proc.stop('SIGKILL');
}

/**
 * Worker processes outlive a killed pool host only by mistake (they exit when its IPC channel closes), but a
 * benchmark must not leave them on a shared machine: wait for each to go, then kill any that is still a
 * w3pool process (checked by its command line, so a reused pid is never touched).
 */
export async function reapLeftovers(pids: Iterable<number>, commandPattern: RegExp): Promise<void> {
  const isOurs = async (pid: number) => {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    return cmdline !== '' && commandPattern.test(cmdline.replaceAll('\0', ' '));
  };
  for (const pid of pids) {
    const gone = await eventually(
      async () => ((await isOurs(pid)) ? undefined : true),
      `worker process ${pid} to exit`,
      5_000,
    ).catch(() => false);
    if (!gone && (await isOurs(pid))) process.kill(pid, 'SIGKILL');
  }
}
