import type { PipelineModule } from '@w3pool/extension-sdk';
import { compressionModule } from './compression-module.js';
import { customErrorModule } from './custom-error-module.js';
import { httpCacheModule } from './http-cache-module.js';

/**
 * The response modules of the integrated pipeline, by IIS's module names: output caching profiles,
 * static and dynamic compression, and custom error pages. Each does nothing until its section asks for it.
 */
export const responseModules: ReadonlyMap<string, PipelineModule> = new Map<string, PipelineModule>([
  [httpCacheModule.name, httpCacheModule],
  ['DynamicCompressionModule', compressionModule('dynamic')],
  ['StaticCompressionModule', compressionModule('static')],
  [customErrorModule.name, customErrorModule],
]);
