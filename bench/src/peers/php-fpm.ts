import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ServiceProcess } from '@w3pool/test/helpers';
import type { ProcessRole } from '../cpu-sampler.js';
import type { Cleanup } from '../processes.js';
import {
  commandOutput,
  masterAndChildren,
  peerDir,
  RUNNING_AS_ROOT,
  socketAccepts,
  spawnPeer,
  stopMaster,
  waitForPeer,
} from './peer-process.js';

export type ProcessManager = 'static' | 'dynamic' | 'ondemand';

export interface PhpFpmOptions {
  pm: ProcessManager;
  maxChildren: number;
  /** listen.backlog: connections waiting for a child beyond this are refused (php-fpm's default: 511). */
  backlog?: number;
}

export interface PhpFpm {
  /** The unix socket of its pool: `fastcgi_pass unix:<socket>`. */
  socket: string;
  /** The php-fpm binary, e.g. /usr/sbin/php-fpm8.2. */
  binary: string;
  maxChildren: number;
  /** `php-fpm8.2 -v`'s first line: `PHP 8.2.36 (fpm-fcgi) (built: ...)`. */
  version: string;
  /** The master, whose exit means php-fpm is down. */
  service: ServiceProcess;
  processes(): ProcessRole[];
  /** Graceful reload (SIGUSR2): resolves once the new master serves with its new children. */
  reload(): Promise<void>;
}

/** What php-fpm logs each time its (re)started master enters its event loop, children forked. */
const READY_LINE = 'ready to handle connections';

/** pm.max_children of each php-fpm started here, by socket: nginx sizes its kept connections by it. */
const maxChildrenBySocket = new Map<string, number>();

export function phpFpmMaxChildren(socket: string): number | undefined {
  return maxChildrenBySocket.get(socket);
}

/** The newest /usr/sbin/php-fpm* (Debian names it by version: php-fpm8.2). */
export async function phpFpmBinary(): Promise<string> {
  const names = (await readdir('/usr/sbin')).filter((name) => /^php-fpm[\d.]*$/.test(name));
  const newest = names.sort((a, b) => b.localeCompare(a, 'en', { numeric: true }))[0];
  if (newest === undefined)
    throw new Error('no /usr/sbin/php-fpm* on this machine (apt-get install php-fpm)');
  return join('/usr/sbin', newest);
}

export async function phpFpmVersion(binary?: string): Promise<string> {
  const output = await commandOutput(binary ?? (await phpFpmBinary()), ['-v']);
  return output.split('\n')[0]!.trim();
}

/** php-fpm with one pool on a unix socket, in the foreground, everything it writes in a fresh directory. */
export async function startPhpFpm(cleanup: Cleanup, options: PhpFpmOptions): Promise<PhpFpm> {
  const binary = await phpFpmBinary();
  const dir = await peerDir(cleanup, 'php-fpm');
  const socket = join(dir, 'php-fpm.sock');
  const log = join(dir, 'php-fpm.log');
  const conf = join(dir, 'php-fpm.conf');
  await writeFile(conf, fpmConf(dir, socket, options));
  // -F: the master stays in the foreground, our child. -R: allowed to run as root (see RUNNING_AS_ROOT).
  // No -n: Debian's php.ini is read, as its service reads it (opcache on), and read only.
  const args = ['-F', '-p', dir, '-y', conf, ...(RUNNING_AS_ROOT ? ['-R'] : [])];
  const master = spawnPeer('php-fpm', binary, args, dir);
  cleanup.add(() => stopMaster(master, /php-fpm/));
  maxChildrenBySocket.set(socket, options.maxChildren);
  cleanup.add(() => {
    maxChildrenBySocket.delete(socket);
  });
  const serving = (readyBefore: number) => async () =>
    (await readyCount(log)) > readyBefore && (await socketAccepts(socket));
  await waitForPeer(master, serving(0), `php-fpm to accept on ${socket}`, log);
  return {
    socket,
    binary,
    maxChildren: options.maxChildren,
    version: await phpFpmVersion(binary),
    service: master,
    processes: () => [{ role: 'php-fpm', pids: () => masterAndChildren(master) }],
    reload: async () => {
      // The master stops its children (each finishes its request), then execs itself with the listening
      // socket kept open: connections made meanwhile wait in the backlog, and its log says when it is back.
      const readyBefore = await readyCount(log);
      master.child.kill('SIGUSR2');
      await waitForPeer(master, serving(readyBefore), 'php-fpm to serve again after its reload', log);
    },
  };
}

async function readyCount(log: string): Promise<number> {
  const text = await readFile(log, 'utf8').catch(() => '');
  return text.split(READY_LINE).length - 1;
}

function fpmConf(dir: string, socket: string, options: PhpFpmOptions): string {
  const lines = [
    '[global]',
    `pid = ${dir}/php-fpm.pid`,
    `error_log = ${dir}/php-fpm.log`,
    'log_level = notice',
    'daemonize = no',
    // A reload lets each child finish its request, for up to this long, before it is terminated.
    'process_control_timeout = 10s',
    '',
    '[bench]',
    ...(RUNNING_AS_ROOT ? ['user = root', 'group = root'] : []),
    `listen = ${socket}`,
    ...(options.backlog === undefined ? [] : [`listen.backlog = ${options.backlog}`]),
    ...processManager(options),
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * The pm settings. `dynamic` needs its spare bounds: Debian's www.conf (5 children: 2 started, 1 to 3
 * spare), scaled to maxChildren.
 */
function processManager({ pm, maxChildren }: PhpFpmOptions): string[] {
  const lines = [`pm = ${pm}`, `pm.max_children = ${maxChildren}`];
  if (pm === 'dynamic') {
    const minSpare = Math.max(1, Math.floor(maxChildren / 5));
    const maxSpare = Math.max(minSpare, Math.floor((maxChildren * 3) / 5));
    const start = minSpare + Math.floor((maxSpare - minSpare) / 2);
    lines.push(
      `pm.start_servers = ${start}`,
      `pm.min_spare_servers = ${minSpare}`,
      `pm.max_spare_servers = ${maxSpare}`,
    );
  }
  if (pm === 'ondemand') lines.push('pm.process_idle_timeout = 10s');
  return lines;
}
