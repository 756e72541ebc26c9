import type { W3poolConfig } from '@w3pool/config';
import { EVERYTHING, type Placement } from './placement.js';

/** One OS process of the system: the same services, and the same commands, docker-compose.yml runs. */
export interface ServiceSpec {
  /** Service name, as in docker-compose.yml. */
  name: string;
  /** Script and arguments after `node`. */
  args: string[];
  /** Role in IIS terms, for the log prefix and the docs. */
  role: 'WAS' | 'http.sys' | 'w3wp';
}

/**
 * The topology for a configuration: WAS, the listener, and one worker host per application pool, or the
 * part of it that `placement` puts on this machine. Pool names are IIS's, case-insensitive: the pools
 * placed here by name run even if they do not start by themselves (autoStart false), as an operator who
 * names a pool for a machine means it to run there; without names, the autoStart pools run.
 * `configPath` is the config file as the services see it.
 */
export function describeTopology(
  config: W3poolConfig,
  configPath: string,
  placement: Placement = EVERYTHING,
): ServiceSpec[] {
  const pools = placement.pools
    ? config.applicationPools.filter((pool) => placement.pools!.includes(pool.name))
    : config.applicationPools.filter((pool) => pool.autoStart);
  const services: ServiceSpec[] = [];
  if (placement.roles.has('was'))
    services.push({ name: 'was', role: 'WAS', args: ['services/was/dist/main.js', '--config', configPath] });
  if (placement.roles.has('listener'))
    services.push({ name: 'listener', role: 'http.sys', args: ['services/listener/dist/main.js'] });
  if (placement.roles.has('workers'))
    for (const pool of pools)
      services.push({
        name: workerServiceName(pool.name),
        role: 'w3wp',
        args: ['services/worker/dist/main.js', '--pool', pool.name],
      });
  return services;
}

/** `worker-defaultapppool`: compose service names allow only lower-case letters, digits, `-` and `_`. */
export function workerServiceName(pool: string): string {
  return `worker-${pool.toLowerCase().replace(/[^a-z0-9_-]+/g, '-')}`;
}
