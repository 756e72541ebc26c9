import { pathToFileURL } from 'node:url';
import type { HandlerMapping } from '@w3pool/config';
import { isExtension, type Extension } from '@w3pool/extension-sdk';
import staticFileExtension from '@w3pool/extension-static';

// The built-in modules a handler mapping can name in `modules`, by IIS's module names. A mapping lists
// several (StaticFileModule,DefaultDocumentModule,DirectoryListingModule); the first known one serves it.
const builtInModules: ReadonlyMap<string, Extension> = new Map([['StaticFileModule', staticFileExtension]]);

/** Find the extension a mapping names: a built-in module, or an ES module of the user's (`type`). */
export async function resolveExtension(mapping: HandlerMapping): Promise<Extension> {
  if (mapping.type) {
    const loaded = (await import(pathToFileURL(mapping.type).href)) as { default?: unknown };
    if (!isExtension(loaded.default)) {
      throw new Error(
        `${mapping.type} does not default-export a w3pool extension (an object with name and load(); see defineExtension in @w3pool/extension-sdk)`,
      );
    }
    return loaded.default;
  }
  const names = (mapping.modules ?? '').split(',').map((m) => m.trim());
  for (const name of names) {
    const extension = builtInModules.get(name);
    if (extension) return extension;
  }
  throw new Error(
    `none of the modules "${mapping.modules ?? ''}" is a built-in w3pool module (known: ${[...builtInModules.keys()].join(', ')})`,
  );
}
