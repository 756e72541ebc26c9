import { dirname } from 'node:path';
import {
  HttpError,
  timeSpanToMs,
  type ExtensionContext,
  type Handler,
  type HandlerRequest,
  type HandlerResponse,
} from '@w3pool/extension-sdk';
import { clearCgiHead } from '@w3pool/extension-sdk/cgi';
import { cgiCommand, parseScriptProcessor } from './cgi-command.js';
import { baseEnvironment, buildCgiEnvironment } from './cgi-environment.js';
import { relayOutput, type RelayedOutput } from './cgi-output.js';
import { CgiProcess, type CgiExit } from './cgi-process.js';
import { pumpRequestBody } from './cgi-request-body.js';
import { CgiStderr, StderrBudget } from './cgi-stderr.js';
import { processLauncher, resolveProgram } from './process-launcher.js';

/**
 * How long a process that closed its stdout may take to exit. Its exit status tells a complete response
 * from a crash (which aborts it), so it is waited for, but not for long: the body is complete once stdout
 * ends (RFC 3875 section 6.3). A process still running then is killed with the end of its request.
 */
const EXIT_AFTER_OUTPUT_MS = 2000;

/**
 * IIS's CgiModule: one process per request. The mapping's scriptProcessor names the program (empty: the
 * mapped file is the program); the request's meta-variables are its environment, the body its stdin, and
 * its stdout the response. `running` is every process the extension has started, for terminate().
 */
export async function createCgiHandler(
  context: ExtensionContext,
  running: Set<CgiProcess>,
): Promise<Handler> {
  const processor = parseScriptProcessor(context.mapping.scriptProcessor);
  const timeoutMs = timeSpanToMs(context.webServer.cgi.timeout);
  const base = baseEnvironment(process.env);
  const launcher = await processLauncher();
  const budget = new StderrBudget();

  return async (request, response, signal) => {
    const command = cgiCommand(processor, request.physicalPath);
    const program = await resolveProgram(command.program, base.PATH ?? '');
    if (signal.aborted) return;
    const fields = { id: request.id, url: request.rawUrl, mapping: context.mapping.name };
    const child = new CgiProcess(
      {
        ...launcher.wrap({ program, args: command.args }),
        env: buildCgiEnvironment(request, base),
        // RFC 3875 section 7.2: the script runs in its own directory (relative includes, data files).
        cwd: dirname(request.physicalPath),
        stderr: new CgiStderr(context.log, fields, budget),
        timeoutMs,
      },
      (ended) => running.delete(ended),
    );
    running.add(child);
    const onAbort = () => child.kill('aborted');
    signal.addEventListener('abort', onAbort, { once: true });
    void pumpRequestBody(request, child.stdin);
    try {
      const output = await relayOutput(child.stdout, response);
      const exit = await exitOrGrace(child);
      await finish(request, response, output, exit, (message, extra) =>
        context.log.warn(message, { ...fields, pid: child.pid, ...extra }),
      );
    } finally {
      signal.removeEventListener('abort', onAbort);
      // Nothing outlives its request: a process that threw bad headers, or closed stdout and kept running.
      if (child.running) child.kill('finished');
    }
  };
}

/** The exit, or undefined if the process still runs EXIT_AFTER_OUTPUT_MS after its stdout ended. */
async function exitOrGrace(child: CgiProcess): Promise<CgiExit | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), EXIT_AFTER_OUTPUT_MS);
  });
  try {
    return await Promise.race([child.exited, grace]);
  } finally {
    clearTimeout(timer);
  }
}

/** Judge the run by how the process ended, then complete the response (or say why it cannot be). */
async function finish(
  request: HandlerRequest,
  response: HandlerResponse,
  output: RelayedOutput,
  exit: CgiExit | undefined,
  warn: (message: string, extra?: Record<string, unknown>) => void,
): Promise<void> {
  if (exit?.killedFor === 'aborted') return; // The client is gone; nobody reads an answer.
  if (exit?.spawnError) throw new HttpError('WORKER_CGI_START_FAILED', exit.spawnError.message);
  if (exit?.killedFor === 'timeout') {
    throw await failure(response, output, new HttpError('WORKER_CGI_TIMEOUT', 'The process was killed.'));
  }
  if (output.kind === undefined) {
    const wrote = output.partialHead
      ? `The headers it did return are ${output.partialHead}.`
      : 'It wrote nothing.';
    throw new HttpError('WORKER_CGI_PREMATURE_EXIT', `${howItEnded(exit)}. ${wrote}`);
  }
  if (exit?.signal || exit?.killedFor === 'terminated') {
    throw await failure(response, output, new HttpError('WORKER_CGI_PREMATURE_EXIT', howItEnded(exit)));
  }
  if (exit && exit.code !== 0) warn('CGI process exited with an error code', { code: exit.code });
  if (output.kind.kind === 'local-redirect') {
    // RFC 3875 section 6.2.2: the server answers with the URL, as a GET (or HEAD) without the body.
    const method = request.method === 'HEAD' ? 'HEAD' : 'GET';
    await response.executeUrl(output.kind.url, { method });
    return;
  }
  await response.end();
}

function howItEnded(exit: CgiExit | undefined): string {
  if (exit === undefined) return 'The process closed its output and kept running';
  if (exit.killedFor === 'terminated') return 'The worker stopped and killed the process';
  if (exit.signal) return `The process was killed by ${exit.signal}`;
  return `The process exited with code ${exit.code ?? '?'}`;
}

/**
 * Prepare the response for an error the pipeline renders: an error page if nothing went out yet (without
 * the script's fields), else a reset connection, since the body is incomplete. Writes are coalesced until
 * the end of the tick, so a written body is let out first: the client must see the reset, not the body
 * with an error page appended.
 */
async function failure(
  response: HandlerResponse,
  output: RelayedOutput,
  error: HttpError,
): Promise<HttpError> {
  for (let turn = 0; output.bodyBytes > 0 && !response.headersSent && turn < 10; turn += 1) {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  const kind = output.kind;
  if (!response.headersSent && kind !== undefined && kind.kind !== 'local-redirect')
    clearCgiHead(response, kind.head);
  return error;
}
