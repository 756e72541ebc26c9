import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { eventually, ServiceProcess } from '@w3pool/test/helpers';
import { type Cleanup, reapLeftovers, stopProcess } from '../processes.js';

const execFileAsync = promisify(execFile);

/**
 * nginx and php-fpm drop their workers' privileges only when started as root, to a user that could not read
 * our 0700 temporary directory or the caller's files. The benchmark runs as root, so their workers run as
 * root too: a request costs the same under either user.
 */
export const RUNNING_AS_ROOT = process.getuid?.() === 0;

/** A fresh directory for one peer's configuration, pid file, logs and sockets, removed by `cleanup`. */
export async function peerDir(cleanup: Cleanup, peer: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `w3pool-bench-${peer}-`));
  cleanup.add(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A peer's master process in the foreground, its output kept (for the error when it fails to start). */
export function spawnPeer(name: string, command: string, args: string[], cwd: string): ServiceProcess {
  const env = { ...process.env };
  // Debian builds php-fpm with systemd support: it must not report to a service manager it does not belong to.
  delete env.NOTIFY_SOCKET;
  return new ServiceProcess(name, spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] }));
}

/** stdout and stderr of a short command (`nginx -v` writes its version to stderr). */
export async function commandOutput(command: string, args: string[]): Promise<string> {
  const { stdout, stderr } = await execFileAsync(command, args, { timeout: 30_000 });
  return `${stdout}${stderr}`;
}

/** The tail of a peer's log file, for an error message; empty if the file is not there. */
export async function logTail(file: string, lines = 20): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * Wait until `probe` says the peer serves, failing at once if its master exits first (a configuration error
 * would otherwise cost the whole deadline), with its output and its log's tail in the error.
 */
export async function waitForPeer(
  service: ServiceProcess,
  probe: () => Promise<boolean>,
  what: string,
  logFile: string,
  timeoutMs = 30_000,
): Promise<void> {
  const outcome = await eventually(
    async () => {
      if (!service.running) return 'exited';
      return (await probe()) ? 'up' : undefined;
    },
    what,
    timeoutMs,
  ).catch((error: unknown) => (error as Error).message);
  if (outcome === 'up') return;
  const why = outcome === 'exited' ? `${service.name} exited before ${what}` : outcome;
  throw new Error(`${why}\n${service.output()}\n${await logTail(logFile)}`.trimEnd());
}

/** Whether a unix socket accepts a connection (closed at once: the peer sees a client that sent nothing). */
export function socketAccepts(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The child processes of `pid` now, from /proc (those its main thread started: all of them, here). */
export async function childrenOf(pid: number): Promise<number[]> {
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  return text.split(/\s+/).filter(Boolean).map(Number);
}

/** A master and its worker processes, read from /proc at each call (workers come and go). */
export async function masterAndChildren(master: ServiceProcess): Promise<number[]> {
  return master.running ? [master.pid, ...(await childrenOf(master.pid))] : [];
}

/**
 * Stop a master (SIGTERM: fast shutdown for nginx and php-fpm, SIGKILL after 5 s), then its workers: a
 * master killed hard leaves them behind, so each is waited for and killed if it is still one of ours.
 */
export async function stopMaster(master: ServiceProcess, commandPattern: RegExp): Promise<void> {
  const children = await childrenOf(master.pid);
  await stopProcess(master);
  await reapLeftovers(children, commandPattern);
  await assertGone(children, commandPattern);
}

/** Fail if one of these pids is still a process matching `commandPattern` (so a reused pid never counts). */
export async function assertGone(pids: number[], commandPattern: RegExp): Promise<void> {
  const left: number[] = [];
  for (const pid of pids) if (commandPattern.test(await commandLine(pid))) left.push(pid);
  if (left.length > 0) throw new Error(`processes still running after their stop: ${left.join(', ')}`);
}

async function commandLine(pid: number): Promise<string> {
  const text = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return text.replaceAll('\0', ' ');
}

/**
 * Every process whose environment holds `name=value`: with a value unique to one peer (its temporary
 * directory), the processes it started, whichever of them we never saw (an instance replaced by a reload).
 * Processes of other users are unreadable and skipped: they cannot be ours.
 */
export async function pidsWithEnvironment(name: string, value: string): Promise<number[]> {
  const wanted = `${name}=${value}`;
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const environ = await readFile(`/proc/${entry}/environ`, 'utf8').catch(() => '');
    if (environ.split('\0').includes(wanted)) pids.push(Number(entry));
  }
  return pids;
}
