import type { PipelineModule } from '@w3pool/extension-sdk';
import { responseModules } from '@w3pool/modules-response';
import { securityModules } from '@w3pool/modules-security';

/**
 * The integrated pipeline's built-in modules, by IIS's module names: a `modules` entry names one to enable
 * it for the server, a site or an application.
 */
export const builtInPipelineModules: ReadonlyMap<string, PipelineModule> = new Map<string, PipelineModule>([
  ...securityModules,
  ...responseModules,
]);
