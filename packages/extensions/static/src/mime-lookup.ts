import { extname } from 'node:path';
import type { WebServer } from '@w3pool/extension-sdk';

/** IIS matches mimeMap extensions case-insensitively; a file with no listed extension is not served. */
export function createMimeLookup(
  mimeMap: WebServer['staticContent']['mimeMap'],
): (file: string) => string | undefined {
  const types = new Map<string, string>();
  for (const entry of mimeMap) types.set(entry.fileExtension.toLowerCase(), entry.mimeType);
  return (file) => {
    const ext = extname(file).toLowerCase();
    // A file without an extension matches only an explicit "." entry, as in IIS.
    return types.get(ext === '' ? '.' : ext);
  };
}
