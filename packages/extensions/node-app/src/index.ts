import { defineExtension, HttpError, type ExtensionContext, type Handler } from '@w3pool/extension-sdk';
import { entryModulePath, loadNodeApp, type NodeApp } from './app-loader.js';
import { registerBackgroundProcessors } from './background-processors.js';
import { nodeAppHandler } from './node-app-handler.js';

export type { NodeAppContext, NodeAppRequest } from './incoming-message.js';

/**
 * How long an application may take to start: to call listen() when it exports nothing, or for a Fastify
 * app's ready() to resolve. ANCM's startupTimeLimit plays this part in IIS (500.37 past it); this one is
 * shorter than the pool host's startupTimeLimit (90 s), so the application fails, not its worker process.
 */
const START_TIME_LIMIT_MS = 30_000;
/** How long an application's close (a server's 'close', Fastify's onClose hooks) may hold up its domain's end. */
const CLOSE_TIME_LIMIT_MS = 10_000;

/** What this thread (one application's domain) has loaded: closed when the domain retires. */
const loaded = new Set<NodeApp>();

/**
 * NodeAppModule (alias iisnode): serves an unmodified Node application, the role of iisnode and of the
 * ASP.NET Core Module's in-process hosting. The application runs in the application's domain thread and is
 * loaded afresh when the domain restarts (a file of the application changed). See docs/node-apps.md.
 */
export default defineExtension({
  name: 'NodeAppModule',
  version: '0.1.0',
  async load(context: ExtensionContext): Promise<Handler> {
    const { log, mapping, application } = context;
    const started = Date.now();
    try {
      const entry = entryModulePath(mapping, application.physicalPath);
      const app = await loadNodeApp(entry, START_TIME_LIMIT_MS);
      loaded.add(app);
      const processors = registerBackgroundProcessors(app.namespace, context.backgroundJobs);
      log.info('node application started', {
        mapping: mapping.name,
        entry,
        kind: app.kind,
        backgroundProcessors: processors,
        ms: Date.now() - started,
      });
      return nodeAppHandler(app, context.backgroundJobs, log);
    } catch (error) {
      return failedStart(context, error);
    }
  },
  async terminate(): Promise<void> {
    const apps = [...loaded];
    loaded.clear();
    await Promise.all(apps.map((app) => closeWithin(app, CLOSE_TIME_LIMIT_MS)));
  },
});

/**
 * An application that cannot start answers every request of its mapping with its catalogue error (500.30,
 * 500.37), as ANCM does, and the worker goes on serving everything else. It is tried again when the
 * application restarts: when one of its files changes, or the configuration does.
 */
function failedStart(context: ExtensionContext, error: unknown): Handler {
  const failure =
    error instanceof HttpError
      ? error
      : new HttpError(
          'EXT_NODE_APP_START_FAILED',
          error instanceof Error ? (error.stack ?? error.message) : String(error),
        );
  context.log.error(
    `node application failed to start; its requests get ${failure.status}.${failure.substatus}`,
    {
      mapping: context.mapping.name,
      application: context.application.path,
      code: failure.code,
      error: failure.detail,
    },
  );
  return () => Promise.reject(new HttpError(failure.code, failure.detail));
}

function closeWithin(app: NodeApp, limitMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, limitMs)));
  return Promise.race([app.close().catch(() => undefined), late]).finally(() => clearTimeout(timer));
}
