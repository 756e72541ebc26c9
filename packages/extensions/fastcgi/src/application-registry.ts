import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExtensionLogger, WebServer } from '@w3pool/extension-sdk';
import { inheritedEnvironment } from '@w3pool/extension-sdk/cgi';
import type { FastCgiBackend } from './backend.js';
import { ExternalServer, parseAddress } from './external-server.js';
import { splitArguments } from './fastcgi-process.js';
import { ProcessPool } from './process-pool.js';

// The FastCGI applications of this worker domain, each with its backend: every handler mapping that names
// the same application (fullPath|arguments, with the same settings) shares one process pool, as in IIS.
// Module state, so per domain: each application domain is a thread with its own copy of this module.

export type FastCgiApplication = WebServer['fastCgi']['applications'][number];

interface Entry {
  readonly backend: FastCgiBackend;
  /** The private directory of a pool's NamedPipe sockets. */
  readonly socketDir: string | undefined;
}

/** `fullPath|arguments`, as a handler mapping's scriptProcessor names the application. */
export function applicationName(app: Pick<FastCgiApplication, 'fullPath' | 'arguments'>): string {
  return app.arguments.trim() ? `${app.fullPath}|${app.arguments.trim()}` : app.fullPath;
}

export class ApplicationRegistry {
  private readonly entries = new Map<string, Entry>();

  /** The live backend of an application, created on first use (and again after closeAll). */
  backendFor(app: FastCgiApplication, log: ExtensionLogger): FastCgiBackend {
    const key = JSON.stringify(app);
    const existing = this.entries.get(key);
    if (existing && !existing.backend.closed) return existing.backend;
    const entry = app.address ? this.external(app, log) : this.pool(app, log);
    this.entries.set(key, entry);
    return entry.backend;
  }

  /**
   * TerminateExtension: every backend refuses new requests, lets those running finish, and stops its
   * processes. A pipeline built meanwhile gets fresh backends on its next request.
   */
  async closeAll(): Promise<void> {
    const entries = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(
      entries.map(async (entry) => {
        await entry.backend.close();
        if (entry.socketDir) rmSync(entry.socketDir, { recursive: true, force: true });
      }),
    );
  }

  private external(app: FastCgiApplication, log: ExtensionLogger): Entry {
    const backend = new ExternalServer(
      {
        name: applicationName(app),
        address: parseAddress(app.address),
        maxInstances: app.maxInstances,
        queueLength: app.queueLength,
        idleTimeoutMs: app.idleTimeout * 1000,
        connectTimeoutMs: app.activityTimeout * 1000,
      },
      log,
    );
    return { backend, socketDir: undefined };
  }

  private pool(app: FastCgiApplication, log: ExtensionLogger): Entry {
    sweepStaleSocketDirs();
    // 0700, so no other user can connect to the processes' sockets. The worker's pid in the name lets a
    // later worker remove what a killed one left behind.
    const socketDir = mkdtempSync(join(tmpdir(), `${SOCKET_DIR_PREFIX}${process.pid}-`));
    const backend = new ProcessPool(
      {
        name: applicationName(app),
        spec: {
          fullPath: app.fullPath,
          args: splitArguments(app.arguments),
          protocol: app.protocol,
          env: processEnvironment(app, log),
          socketDir,
          startTimeoutMs: app.activityTimeout * 1000,
        },
        maxInstances: app.maxInstances > 0 ? app.maxInstances : availableParallelism(),
        instanceMaxRequests: app.instanceMaxRequests,
        idleTimeoutMs: app.idleTimeout * 1000,
        queueLength: app.queueLength,
        rapidFailsPerMinute: app.rapidFailsPerMinute,
        signalBeforeTerminateSeconds: app.signalBeforeTerminateSeconds,
        monitorChangesTo: app.monitorChangesTo,
        connectTimeoutMs: app.activityTimeout * 1000,
        requestTimeoutMs: app.requestTimeout * 1000,
      },
      log,
    );
    return { backend, socketDir };
  }
}

const SOCKET_DIR_PREFIX = 'w3pool-fastcgi-';
let swept = false;

/** Remove the socket directories of workers that no longer run (killed before terminate() could). */
function sweepStaleSocketDirs(): void {
  if (swept) return;
  swept = true;
  for (const name of readdirSync(tmpdir())) {
    const owner = Number(new RegExp(`^${SOCKET_DIR_PREFIX}(\\d+)-`).exec(name)?.[1]);
    if (!owner || owner === process.pid || processRuns(owner)) continue;
    rmSync(join(tmpdir(), name), { recursive: true, force: true });
  }
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The processes' environment: the few variables a program needs from the worker's (never all of it: it
 * holds REDIS_URL and the like, which a script could print), PHP's own configuration locations, then the
 * application's environmentVariables, where anything else a program needs is configured, as in IIS. PHP_FCGI_MAX_REQUESTS follows instanceMaxRequests unless set, as IIS advises, so
 * php-cgi does not leave on its own before w3pool replaces it.
 */
/** Where php-cgi finds php.ini and its scan directory, when the host sets them. */
const PHP_CONFIGURATION = ['PHPRC', 'PHP_INI_SCAN_DIR'] as const;

export function processEnvironment(app: FastCgiApplication, log: ExtensionLogger): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = inheritedEnvironment(process.env, PHP_CONFIGURATION);
  env.PHP_FCGI_MAX_REQUESTS = String(app.instanceMaxRequests);
  // Only the loopback may talk to a process listening on TCP (php-cgi honours this list).
  if (app.protocol === 'Tcp') env.FCGI_WEB_SERVER_ADDRS = '127.0.0.1';
  for (const { name, value } of app.environmentVariables) env[name] = value;
  if (env.PHP_FCGI_CHILDREN && env.PHP_FCGI_CHILDREN !== '0') {
    // php-cgi would fork children that w3pool cannot see or stop; w3pool is the process manager here.
    log.warn('PHP_FCGI_CHILDREN is ignored: w3pool runs maxInstances processes of one request each', {
      application: applicationName(app),
    });
  }
  delete env.PHP_FCGI_CHILDREN;
  return env;
}
