import type { W3poolConfig } from '@w3pool/config';

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
 * The topology for a configuration: WAS, the listener, and one worker host per application pool.
 * `configPath` is the config file as the services see it.
 */
export function describeTopology(config: W3poolConfig, configPath: string): ServiceSpec[] {
  return [
    { name: 'was', role: 'WAS', args: ['services/was/dist/main.js', '--config', configPath] },
    { name: 'listener', role: 'http.sys', args: ['services/listener/dist/main.js'] },
    ...config.applicationPools
      .filter((pool) => pool.autoStart)
      .map((pool): ServiceSpec => ({
        name: workerServiceName(pool.name),
        role: 'w3wp',
        args: ['services/worker/dist/main.js', '--pool', pool.name],
      })),
  ];
}

/** `worker-defaultapppool`: compose service names allow only lower-case letters, digits, `-` and `_`. */
export function workerServiceName(pool: string): string {
  return `worker-${pool.toLowerCase().replace(/[^a-z0-9_-]+/g, '-')}`;
}
