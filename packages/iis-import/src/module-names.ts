// IIS's module names as w3pool knows them (services/worker/src/w3wp/built-in-modules.ts and
// extension-loader.ts, packages/modules-security and packages/modules-response).

/** Modules of the integrated pipeline that w3pool has built in: a `modules` entry enables each. */
export const PIPELINE_MODULES = new Set([
  'HttpCacheModule',
  'DynamicCompressionModule',
  'StaticCompressionModule',
  'RequestFilteringModule',
  'HttpRedirectionModule',
  'BasicAuthenticationModule',
  'AnonymousAuthenticationModule',
  'UrlAuthorizationModule',
  'CustomHeaderModule',
  'CustomErrorModule',
]);

/** IIS module names that are another name of a w3pool pipeline module. */
export const RENAMED_MODULES = new Map([['ProtocolSupportModule', 'CustomHeaderModule']]);

/**
 * Modules that w3pool runs from handler mappings (its extensions) and that need no `modules` entry:
 * IsapiModule loads an ES module named in scriptProcessor, the others are built in.
 */
export const HANDLER_MODULES = new Set([
  'StaticFileModule',
  'DefaultDocumentModule',
  'DirectoryListingModule',
  'CgiModule',
  'FastCgiModule',
  'IsapiModule',
  'iisnode',
]);

/** Handler modules a mapping can name in `modules` and w3pool serves itself. */
export const SERVING_HANDLER_MODULES = new Set([
  'StaticFileModule',
  'CgiModule',
  'FastCgiModule',
  'iisnode',
  'NodeAppModule',
]);
