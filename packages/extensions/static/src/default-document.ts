import { stat } from 'node:fs/promises';
import { join } from 'node:path';

/** The first default document (in configured order) that exists as a file in `directory`. */
export async function findDefaultDocument(
  directory: string,
  files: readonly string[],
): Promise<string | undefined> {
  for (const name of files) {
    const candidate = join(directory, name);
    const info = await stat(candidate).catch(() => undefined);
    if (info?.isFile()) return candidate;
  }
  return undefined;
}
