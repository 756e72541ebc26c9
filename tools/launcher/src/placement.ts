import type { W3poolConfig } from '@w3pool/config';

/** What one machine runs, in a deployment spread over several. */
export type Role = 'was' | 'listener' | 'workers';
export const ROLES: readonly Role[] = ['was', 'listener', 'workers'];

export interface Placement {
  roles: ReadonlySet<Role>;
  /** The pools whose hosts run here; undefined: every pool that starts by itself (autoStart). */
  pools?: readonly string[];
}

/** One machine runs everything: the default, and what `npm start` does. */
export const EVERYTHING: Placement = { roles: new Set(ROLES) };

/** A setting the launcher cannot act on; the message says which and why. */
export class PlacementError extends Error {
  override name = 'PlacementError';
}

/**
 * W3POOL_ROLES (`was,listener,workers`, default all) and W3POOL_POOLS (`A,B`, or `*` / unset for every
 * pool), checked against the configuration: a pool named here must be one it defines, since a pool host
 * for an unknown pool would only fail at its start.
 */
export function readPlacement(
  env: { W3POOL_ROLES?: string; W3POOL_POOLS?: string },
  config: W3poolConfig,
): Placement {
  const roles = list(env.W3POOL_ROLES);
  for (const role of roles ?? [])
    if (!ROLES.includes(role as Role))
      throw new PlacementError(`W3POOL_ROLES: "${role}" is not one of ${ROLES.join(', ')}`);
  const pools = env.W3POOL_POOLS?.trim() === '*' ? undefined : list(env.W3POOL_POOLS);
  const defined = config.applicationPools.map((pool) => pool.name);
  for (const pool of pools ?? [])
    if (!defined.some((name) => name.toLowerCase() === pool.toLowerCase()))
      throw new PlacementError(
        `W3POOL_POOLS: the configuration defines no pool "${pool}" (it defines ${defined.join(', ')})`,
      );
  return {
    roles: new Set((roles ?? ROLES) as Role[]),
    ...(pools
      ? { pools: pools.map((pool) => defined.find((n) => n.toLowerCase() === pool.toLowerCase())!) }
      : {}),
  };
}

function list(value: string | undefined): string[] | undefined {
  const items = value
    ?.split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  return items && items.length > 0 ? items : undefined;
}
