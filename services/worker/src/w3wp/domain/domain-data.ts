import type { PublishedConfig } from '@w3pool/config';

/**
 * What a worker process's main thread gives one application domain when it starts it (workerData). The
 * messages between them afterwards are protocol's DomainCommand and DomainReport.
 */
export interface DomainData {
  redisUrl: string;
  pool: string;
  siteId: number;
  appPath: string;
  /** Its queue consumer's id, `<workerId>.<n>`: new for every domain started, restarts included. */
  consumerId: string;
  /** Requests the domain runs at once: the pool's workerConcurrency. */
  capacity: number;
  /** The configuration it was started for; a change that concerns it starts a new domain. */
  published: PublishedConfig;
}

/**
 * Check workerData before the domain believes it. The configuration inside was validated by the main
 * thread's follower; what is checked here is what the domain addresses Redis and its queue with.
 */
export function domainData(value: unknown): DomainData {
  const bad = (what: string) => new TypeError(`malformed application domain data: ${what}`);
  if (typeof value !== 'object' || value === null) throw bad('not an object');
  const fields = value as Record<string, unknown>;
  for (const name of ['redisUrl', 'pool', 'appPath', 'consumerId']) {
    if (typeof fields[name] !== 'string' || fields[name] === '') throw bad(`${name} is not a string`);
  }
  if (typeof fields.siteId !== 'number') throw bad('siteId is not a number');
  if (typeof fields.capacity !== 'number' || fields.capacity < 1) throw bad('capacity is not positive');
  if (typeof fields.published !== 'object' || fields.published === null) throw bad('no configuration');
  return value as DomainData;
}
