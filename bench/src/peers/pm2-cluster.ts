import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { eventually, freePort, httpRequest } from '@w3pool/test/helpers';
import type { ProcessRole } from '../cpu-sampler.js';
import type { Cleanup } from '../processes.js';
import { childrenOf, peerDir, pidsWithEnvironment } from './peer-process.js';

const execFileAsync = promisify(execFile);
const require = createRequire(import.meta.url);

/** pm2's CLI: a node script, run with this Node. */
const PM2_CLI = require.resolve('pm2/bin/pm2');
/** The name of the app in pm2's list: one app per PM2_HOME, so it needs no more than that. */
const APP_NAME = 'bench-peer';

export interface Pm2ClusterOptions {
  /** The app's compiled entry file (peerAppScript(), expressAppScript()). */
  script: string;
  instances: number;
  /** Extra environment for the app; PORT is set here. */
  env?: Record<string, string>;
}

export interface Pm2Cluster {
  baseUrl: string;
  port: number;
  /** pm2's version, e.g. `7.0.4`. */
  version: string;
  /** The instances ('PM2 app') and the God daemon ('PM2 daemon'), read from /proc at each call. */
  processes(): ProcessRole[];
  /** The instances as pm2 lists them (`pm2 jlist`): a CLI run, so not for a CPU sample's edge. */
  listedPids(): Promise<number[]>;
  /** `pm2 reload`: zero-downtime, one instance at a time; resolves when the command returns. */
  reload(): Promise<void>;
}

/** pm2's CLI against one PM2_HOME. Its output is kept for the error when a command fails. */
class Pm2Cli {
  constructor(
    readonly home: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  async run(args: string[]): Promise<string> {
    try {
      const options = { cwd: this.home, env: this.env, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 };
      const { stdout } = await execFileAsync(process.execPath, [PM2_CLI, ...args], options);
      return stdout;
    } catch (error) {
      const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
      throw new Error(
        `pm2 ${args.join(' ')} failed: ${(error as Error).message}\n${stdout}${stderr}`.trimEnd(),
      );
    }
  }

  /** The God daemon's pid, from the file it writes in PM2_HOME. */
  async daemonPid(): Promise<number> {
    const text = await readFile(join(this.home, 'pm2.pid'), 'utf8');
    const pid = Number(text.trim());
    if (!Number.isInteger(pid) || pid <= 0) throw new Error(`pm2.pid holds ${JSON.stringify(text)}`);
    return pid;
  }

  /** Pids of the app's instances that are online, as `pm2 jlist` reports them. */
  async listedPids(): Promise<number[]> {
    return onlinePids(parseJlist(await this.run(['jlist'])));
  }
}

/**
 * PM2 in cluster mode, as its users run it: `pm2 start <script> -i <instances>`, with a PM2_HOME of its own
 * (never ~/.pm2). The God daemon is the cluster's primary: it accepts the connections and hands them to the
 * instances round-robin, so its CPU is part of serving. Stopped with `pm2 kill`, then anything left that
 * carries this PM2_HOME is killed.
 */
export async function startPm2Cluster(cleanup: Cleanup, options: Pm2ClusterOptions): Promise<Pm2Cluster> {
  const home = await peerDir(cleanup, 'pm2');
  // pm2's first run in a PM2_HOME prints a banner and asks version.pm2.io for a newer pm2, unless this file
  // is there; PM2_DISABLE_VERSION_CHECK stops the daemon's daily ask.
  await writeFile(join(home, 'touch'), String(Date.now()));
  const port = await freePort();
  const env = {
    ...process.env,
    ...options.env,
    PORT: String(port),
    PM2_HOME: home,
    PM2_DISABLE_VERSION_CHECK: 'true',
  };
  const cli = new Pm2Cli(home, env);
  cleanup.add(() => killPm2(cli));
  const startArgs = ['start', options.script, '--name', APP_NAME, '-i', String(options.instances)];
  await cli.run(startArgs);
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitUntilServing(cli, baseUrl, options.instances);
  const daemon = await cli.daemonPid();
  return {
    baseUrl,
    port,
    version: pm2Version(),
    processes: () => [
      // The instances are the daemon's children (cluster workers); a reload replaces them.
      { role: 'PM2 app', pids: () => childrenOf(daemon) },
      { role: 'PM2 daemon', pids: () => [daemon] },
    ],
    listedPids: () => cli.listedPids(),
    reload: async () => {
      await cli.run(['reload', APP_NAME]);
    },
  };
}

/** Until every instance is online and the app answers 200 on /hello (30 s). */
async function waitUntilServing(cli: Pm2Cli, baseUrl: string, instances: number): Promise<void> {
  await eventually(
    async () => ((await cli.listedPids()).length === instances ? true : undefined),
    `${instances} pm2 instances online`,
    30_000,
  );
  await eventually(
    async () =>
      (await httpRequest(`${baseUrl}/hello`, { timeoutMs: 2_000 })).status === 200 ? true : undefined,
    `the pm2 app to answer 200 on ${baseUrl}/hello`,
    30_000,
  );
}

/**
 * `pm2 kill` stops the instances and the daemon. Whatever still carries this PM2_HOME 5 s later (pm2 kill
 * failed, or an instance outlived it) is killed, and the step fails if even that does not end it.
 */
async function killPm2(cli: Pm2Cli): Promise<void> {
  const failure = await cli.run(['kill']).then(
    () => undefined,
    (error: unknown) => error as Error,
  );
  const ours = () => pidsWithEnvironment('PM2_HOME', cli.home);
  const allGone = async () => ((await ours()).length === 0 ? true : undefined);
  if (!(await eventually(allGone, 'pm2 processes to exit', 5_000).catch(() => false))) {
    for (const pid of await ours()) killQuietly(pid);
    await eventually(allGone, 'the pm2 processes left by pm2 kill to die', 5_000);
  }
  if (failure) throw failure;
}

/** SIGKILL, unless the process has just gone by itself. */
function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

export function pm2Version(): string {
  return packageVersion('pm2');
}

/** The version field of an installed package of this one (pm2, express). */
export function packageVersion(name: string): string {
  const manifest: unknown = require(`${name}/package.json`);
  const version = (manifest as { version?: unknown }).version;
  if (typeof version !== 'string') throw new Error(`${name}/package.json has no version`);
  return version;
}

/** `pm2 jlist` prints one JSON array line (after any notice pm2 prints first). */
function parseJlist(output: string): unknown[] {
  for (const line of output.split('\n').reverse()) {
    if (!line.startsWith('[')) continue;
    try {
      const list: unknown = JSON.parse(line);
      if (Array.isArray(list)) return list as unknown[];
    } catch {
      // a notice such as `[PM2] ...`: keep looking
    }
  }
  throw new Error(`pm2 jlist printed no JSON list: ${output.slice(0, 400)}`);
}

function onlinePids(list: unknown[]): number[] {
  const pids: number[] = [];
  for (const entry of list) {
    const { name, pid, pm2_env } = entry as { name?: unknown; pid?: unknown; pm2_env?: { status?: unknown } };
    if (name === APP_NAME && pm2_env?.status === 'online' && typeof pid === 'number' && pid > 0)
      pids.push(pid);
  }
  return pids;
}
