import { httpRequest } from './http-client.js';
import { eventually, fixtureSite, testHandlers, type RunningSystem } from './system.js';

/**
 * One site whose applications `/<pool name, lower case>` each run in their own pool, plus `/` in
 * `rootPool`: the layout of the process-model suites. `extraApplications` go after `/`.
 */
export function poolsConfig(
  port: number,
  pools: Record<string, Record<string, unknown>>,
  options: { rootPool: string; extraApplications?: Record<string, unknown>[] },
) {
  const names = Object.keys(pools);
  return {
    applicationPools: [
      ...(names.includes(options.rootPool) ? [] : [{ name: options.rootPool }]),
      ...Object.entries(pools).map(([name, settings]) => ({ name, ...settings })),
    ],
    sites: [
      {
        name: 'Pools',
        id: 1,
        bindings: [{ protocol: 'http', bindingInformation: `127.0.0.1:${port}:` }],
        applications: [
          {
            path: '/',
            applicationPool: options.rootPool,
            virtualDirectories: [{ path: '/', physicalPath: fixtureSite }],
          },
          ...(options.extraApplications ?? []),
          ...names.map((name) => ({
            path: `/${name.toLowerCase()}`,
            applicationPool: name,
            virtualDirectories: [{ path: '/', physicalPath: fixtureSite }],
          })),
        ],
      },
    ],
    webServer: { handlers: testHandlers() },
  };
}

export interface PoolEvent {
  at: string;
  kind: string;
  reason?: string;
  pool: string;
  pid?: string;
  detail?: string;
}

/** The pool's events from WAS's admin API, newest first. */
export async function poolEvents(system: RunningSystem, pool: string): Promise<PoolEvent[]> {
  const all = JSON.parse(
    (await httpRequest(`${system.wasUrl}/api/events?count=1000`, { headers: system.adminHeaders() })).body,
  ) as PoolEvent[];
  return all.filter((e) => e.pool === pool);
}

/** Wait for an event of this kind (and reason) in the pool. */
export function poolEvent(
  system: RunningSystem,
  pool: string,
  kind: string,
  reason?: string,
): Promise<PoolEvent> {
  return eventually(
    async () =>
      (await poolEvents(system, pool)).find((e) => e.kind === kind && (!reason || e.reason === reason)),
    `${kind} ${reason ?? ''} event in ${pool}`,
  );
}

/** Wait until the worker process's record shows `count` requests in flight. */
export function requestsInFlight(system: RunningSystem, pid: number, count: number): Promise<true> {
  return eventually(async () => {
    const wp = JSON.parse(
      (await httpRequest(`${system.wasUrl}/api/wp`, { headers: system.adminHeaders() })).body,
    ) as {
      pid: number;
      requestsInFlight: number;
    }[];
    return wp.find((w) => w.pid === pid)?.requestsInFlight === count ? true : undefined;
  }, `${count} request(s) in flight on ${pid}`);
}
