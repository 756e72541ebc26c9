import type { ApplicationPool, HandlerMapping, WebServer } from '@w3pool/config';
import type {
  Extension,
  ExtensionContext,
  ExtensionLogger,
  Handler,
  ModuleContext,
  ModuleSubscriptions,
  PipelineModule,
  PipelineStage,
  StageHandler,
} from '@w3pool/extension-sdk';
import { preConditionMet } from './access-checks.js';
import { resolveExtension } from './extension-loader.js';
import { resolveModule } from './module-loader.js';

// Loading what an application's pipeline runs, once per configuration: its handler mappings' extensions
// (GetExtensionVersion) and its modules (RegisterModule), each from the settings in force for it.

export interface LoadedHandler {
  handler?: Handler;
  extension?: Extension;
  loadError?: string;
}

/** Module notifications by stage, in module order: a stage nobody subscribes to costs one lookup. */
export type Subscribers = Partial<Record<PipelineStage | 'SendResponse' | 'Error', StageHandler[]>>;

/** One extension instance per mapping; one that fails to load answers its requests with 500.21. */
export function loadHandlers(
  mappings: readonly HandlerMapping[],
  base: ModuleContext,
  log: ExtensionLogger,
): Promise<LoadedHandler[]> {
  return Promise.all(
    mappings.map(async (mapping): Promise<LoadedHandler> => {
      try {
        const extension = await resolveExtension(mapping);
        const context: ExtensionContext = { ...base, mapping };
        return { extension, handler: await extension.load(context) };
      } catch (error) {
        const loadError = `handler mapping "${mapping.name}": ${(error as Error).message}`;
        log.error('extension failed to load; requests mapped to it get 500.21', {
          mapping: mapping.name,
          error: loadError,
        });
        return { loadError };
      }
    }),
  );
}

/**
 * The modules list in order, each initialised once. IIS fails every request of an application whose
 * module list cannot load (500.21), so the first failure stops the loading and is reported.
 */
export async function loadModules(
  webServer: WebServer,
  pool: ApplicationPool | undefined,
  base: ModuleContext,
  log: ExtensionLogger,
): Promise<{ modules: PipelineModule[]; subscribers: Subscribers; moduleError: string | undefined }> {
  const modules: PipelineModule[] = [];
  const subscribers: Subscribers = {};
  for (const entry of webServer.modules) {
    if (pool && !preConditionMet(entry.preCondition, pool)) continue;
    try {
      const module = await resolveModule(entry, webServer);
      const subscriptions: ModuleSubscriptions = await module.init(base);
      modules.push(module);
      for (const [stage, handler] of Object.entries(subscriptions) as [keyof Subscribers, StageHandler][]) {
        (subscribers[stage] ??= []).push(handler);
      }
    } catch (error) {
      const moduleError = `module "${entry.name}": ${(error as Error).message}`;
      log.error('module failed to load; every request of the application gets 500.21', {
        module: entry.name,
        error: moduleError,
      });
      return { modules, subscribers, moduleError };
    }
  }
  return { modules, subscribers, moduleError: undefined };
}
