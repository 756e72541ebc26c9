import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * A unique id for each w3wp a pool host starts (W3POOL_WORKER_ID): `<host>-<host pid>-<n>-<4 hex>`. The
 * worker registers its application domains' queue consumers as `<id>.<n>`, so the host finds every one of
 * them by the prefix `<id>.` when the worker dies. No id may contain a dot, or one could be the prefix of
 * another's consumers: the host name's dots (a domain name) and anything else unusual become `_`.
 */
export function workerIdFactory(host = hostname(), pid = process.pid): () => string {
  const safeHost = host.replace(/[^A-Za-z0-9_-]/g, '_') || 'host';
  let started = 0;
  return () => {
    started += 1;
    return `${safeHost}-${pid}-${started}-${randomBytes(2).toString('hex')}`;
  };
}

/** The prefix every queue consumer of that worker's application domains has. */
export function consumerPrefix(workerId: string): string {
  return `${workerId}.`;
}
