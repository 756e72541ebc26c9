import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { HttpError } from '@w3pool/extension-sdk';
import type { CgiCommand } from './cgi-command.js';

/**
 * How a CGI program is started. Where util-linux's setpriv can, the program runs under
 * `setpriv --pdeathsig KILL`, which execs it with the kernel's parent-death signal set: if the worker dies
 * without a chance to clean up (SIGKILL, a crash), the kernel kills the CGI process too, instead of leaving
 * it running with nobody to read its output or enforce its timeout. Without setpriv the program is spawned
 * directly, and only a worker that exits normally kills what it started.
 */
export interface ProcessLauncher {
  /** The program and arguments to spawn for a command. */
  wrap(command: CgiCommand): { file: string; args: string[] };
  readonly parentDeathSignal: boolean;
}

const SETPRIV_PATHS = ['/usr/bin/setpriv', '/bin/setpriv'];

let detected: Promise<ProcessLauncher> | undefined;

/** Found once per thread: whether setpriv exists and knows --pdeathsig (util-linux 2.33 and later). */
export function processLauncher(): Promise<ProcessLauncher> {
  detected ??= detect();
  return detected;
}

async function detect(): Promise<ProcessLauncher> {
  for (const setpriv of SETPRIV_PATHS) {
    if (!(await isExecutable(setpriv))) continue;
    if (await runsCleanly(setpriv, ['--pdeathsig', 'KILL', '--', process.execPath, '-e', ''])) {
      return {
        parentDeathSignal: true,
        wrap: (command) => ({
          file: setpriv,
          args: ['--pdeathsig', 'KILL', '--', command.program, ...command.args],
        }),
      };
    }
  }
  return {
    parentDeathSignal: false,
    wrap: (command) => ({ file: command.program, args: [...command.args] }),
  };
}

function runsCleanly(file: string, args: string[]): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { stdio: 'ignore' });
    child.once('error', () => resolve(false));
    child.once('exit', (code) => resolve(code === 0));
  });
}

async function isExecutable(file: string): Promise<boolean> {
  return access(file, constants.X_OK).then(
    () => true,
    () => false,
  );
}

/**
 * The program's absolute path, checked before anything is spawned, so that a missing or non-executable
 * program is a clear 502.2 naming it rather than a process that dies before writing anything. A bare name
 * is looked up on the CGI environment's PATH, as a shell would.
 */
export async function resolveProgram(program: string, path: string): Promise<string> {
  if (isAbsolute(program) || program.includes('/')) {
    // The worker's directory, not the script's (the process runs there), anchors a relative program.
    const file = resolve(program);
    await access(file, constants.X_OK).catch((error: NodeJS.ErrnoException) => {
      throw new HttpError('WORKER_CGI_START_FAILED', `${file}: ${describe(error)}`);
    });
    return file;
  }
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, program);
    if (await isExecutable(candidate)) return candidate;
  }
  throw new HttpError('WORKER_CGI_START_FAILED', `${program}: not found on PATH (${path})`);
}

function describe(error: NodeJS.ErrnoException): string {
  if (error.code === 'ENOENT') return 'no such file';
  if (error.code === 'EACCES') return 'not executable (chmod +x, or name an interpreter in scriptProcessor)';
  return error.code ?? error.message;
}
