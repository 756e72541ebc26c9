import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../helpers/service-process.js';
import type { RunningSystem } from '../helpers/system.js';

// The real, built `w3pool` CLI (tools/cli/dist/main.js) as a child process, as a user runs it: the
// admin API's address and token from the environment, never from arguments.

export const cliMain = join(repoRoot, 'tools/cli/dist/main.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment a user of this system sets: W3POOL_ADMIN_URL and W3POOL_ADMIN_TOKEN. */
export function cliEnv(
  system: RunningSystem,
  extra: Record<string, string | undefined> = {},
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    W3POOL_ADMIN_URL: system.wasUrl,
    W3POOL_ADMIN_TOKEN: system.adminToken,
    ...extra,
  };
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete env[name];
  return env;
}

/** Run `w3pool ...args` to its end. */
export function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliMain, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `w3pool ...args` that must succeed: its stdout, or an error with everything it printed. */
export async function cliOk(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const run = await runCli(args, env);
  if (run.code !== 0)
    throw new Error(`w3pool ${args.join(' ')} exited ${run.code}:\n${run.stderr}${run.stdout}`);
  return run.stdout;
}

/** A long-running `w3pool` (events --follow): its output so far, and a way to stop it. */
export function startCli(
  args: string[],
  env: NodeJS.ProcessEnv,
): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, [cliMain, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}
