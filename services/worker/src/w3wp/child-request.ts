import { posix } from 'node:path';
import type { ExecuteUrlOptions } from '@w3pool/extension-sdk';
import type { RequestJob } from '@w3pool/protocol';

/**
 * The job of an executeUrl child (HSE_REQ_EXEC_URL): the URL resolved against the parent's (so a relative
 * one names a sibling), normalised, with the parent's headers and body, the method and headers the
 * caller replaces.
 */
export function childJob(
  parent: RequestJob,
  url: string,
  options: ExecuteUrlOptions | undefined,
): RequestJob {
  const target = new URL(url, `http://w3pool${parent.path}`);
  const headers = [...parent.headers];
  for (const [name, value] of Object.entries(options?.headers ?? {})) {
    for (let i = headers.length - 2; i >= 0; i -= 2) {
      if (headers[i]!.toLowerCase() === name.toLowerCase()) headers.splice(i, 2);
    }
    headers.push(name, value);
  }
  return {
    ...parent,
    rawUrl: target.pathname + target.search,
    path: posix.normalize(decodeURIComponent(target.pathname)),
    query: target.search.slice(1),
    method: options?.method?.toUpperCase() ?? parent.method,
    headers,
  };
}
