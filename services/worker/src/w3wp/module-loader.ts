import { pathToFileURL } from 'node:url';
import type { ModuleEntry, WebServer } from '@w3pool/config';
import { isPipelineModule, type PipelineModule } from '@w3pool/extension-sdk';
import { builtInPipelineModules } from './built-in-modules.js';

/**
 * Find the module a `modules` entry names: a built-in module by IIS's name, a global module (installed in
 * globalModules, its image an ES module), or an application module of the user's (`type`).
 */
export async function resolveModule(entry: ModuleEntry, webServer: WebServer): Promise<PipelineModule> {
  if (entry.type) return importModule(entry.type);
  const builtIn = builtInPipelineModules.get(entry.name);
  if (builtIn) return builtIn;
  const global = webServer.globalModules.find((m) => m.name === entry.name);
  if (global) return importModule(global.image);
  throw new Error(
    `module "${entry.name}" is neither built in (${[...builtInPipelineModules.keys()].join(', ') || 'none'}) nor in webServer.globalModules, and has no type`,
  );
}

async function importModule(path: string): Promise<PipelineModule> {
  const loaded = (await import(pathToFileURL(path).href)) as { default?: unknown };
  if (!isPipelineModule(loaded.default)) {
    throw new Error(
      `${path} does not default-export a w3pool module (an object with name and init(); see defineModule in @w3pool/extension-sdk)`,
    );
  }
  return loaded.default;
}
