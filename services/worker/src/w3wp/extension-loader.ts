import { pathToFileURL } from 'node:url';
import type { HandlerMapping } from '@w3pool/config';
import { isExtension, type Extension } from '@w3pool/extension-sdk';
import cgiExtension from '@w3pool/extension-cgi';
import fastCgiExtension from '@w3pool/extension-fastcgi';
import nodeAppExtension from '@w3pool/extension-node-app';
import staticFileExtension from '@w3pool/extension-static';

// The built-in modules a handler mapping can name in `modules`, by IIS's module names. A mapping lists
// several (StaticFileModule,DefaultDocumentModule,DirectoryListingModule); the first known one serves it.
const builtInModules: ReadonlyMap<string, Extension> = new Map([
  ['StaticFileModule', staticFileExtension],
  ['CgiModule', cgiExtension],
  ['FastCgiModule', fastCgiExtension],
  // iisnode's module name, for configurations brought from IIS.
  ['NodeAppModule', nodeAppExtension],
  ['iisnode', nodeAppExtension],
]);

/**
 * Find the extension a mapping names: an ES module of the user's (`type`, IIS's managed handler), an
 * extension module loaded by IsapiModule from scriptProcessor (IIS's ISAPI DLL), or a built-in module.
 */
export async function resolveExtension(mapping: HandlerMapping): Promise<Extension> {
  if (mapping.type) return importExtension(mapping.type);
  const names = (mapping.modules ?? '').split(',').map((m) => m.trim());
  if (names.includes('IsapiModule')) {
    if (!mapping.scriptProcessor)
      throw new Error('an IsapiModule mapping names its extension in scriptProcessor');
    return importExtension(mapping.scriptProcessor);
  }
  for (const name of names) {
    const extension = builtInModules.get(name);
    if (extension) return extension;
  }
  throw new Error(
    `none of the modules "${mapping.modules ?? ''}" is a built-in w3pool module (known: ${[...builtInModules.keys()].join(', ')})`,
  );
}

async function importExtension(path: string): Promise<Extension> {
  const loaded = (await import(pathToFileURL(path).href)) as { default?: unknown };
  if (!isExtension(loaded.default)) {
    throw new Error(
      `${path} does not default-export a w3pool extension (an object with name and load(); see defineExtension in @w3pool/extension-sdk)`,
    );
  }
  return loaded.default;
}
