import { describe, expect, it } from 'vitest';
import { validateConfig } from '@w3pool/config';
import { EVERYTHING, PlacementError, readPlacement } from './placement.js';
import { describeTopology } from './topology.js';

const config = validateConfig(
  {
    applicationPools: [{ name: 'DefaultAppPool' }, { name: 'Shop' }, { name: 'Batch', autoStart: false }],
    sites: [
      {
        name: 'Site',
        id: 1,
        bindings: [{ protocol: 'http', bindingInformation: '*:80:' }],
        applications: [
          {
            path: '/',
            applicationPool: 'DefaultAppPool',
            virtualDirectories: [{ path: '/', physicalPath: '/srv' }],
          },
        ],
      },
    ],
  },
  { source: 'test', baseDir: '/srv' },
);
const names = (placement = EVERYTHING) =>
  describeTopology(config, '/srv/w3pool.yaml', placement).map((s) => s.name);

describe('placement (W3POOL_ROLES, W3POOL_POOLS)', () => {
  it('runs everything by default: WAS, the listener and a host for each autoStart pool', () => {
    expect(readPlacement({}, config)).toEqual({ roles: new Set(['was', 'listener', 'workers']) });
    expect(names()).toEqual(['was', 'listener', 'worker-defaultapppool', 'worker-shop']);
    expect(names(readPlacement({ W3POOL_POOLS: '*' }, config))).toEqual(names());
  });

  it('pins pools to this machine by name (any case), autoStart or not, and runs only the roles named', () => {
    const placement = readPlacement({ W3POOL_ROLES: 'workers', W3POOL_POOLS: 'shop, batch' }, config);
    expect(placement.pools).toEqual(['Shop', 'Batch']);
    expect(names(placement)).toEqual(['worker-shop', 'worker-batch']);
    expect(names(readPlacement({ W3POOL_ROLES: 'listener' }, config))).toEqual(['listener']);
    expect(names(readPlacement({ W3POOL_ROLES: 'listener,workers', W3POOL_POOLS: 'Shop' }, config))).toEqual([
      'listener',
      'worker-shop',
    ]);
  });

  it('refuses a role or a pool it does not know, saying which', () => {
    expect(() => readPlacement({ W3POOL_ROLES: 'listener,cache' }, config)).toThrow(
      new PlacementError('W3POOL_ROLES: "cache" is not one of was, listener, workers'),
    );
    expect(() => readPlacement({ W3POOL_POOLS: 'Shop,Nope' }, config)).toThrow(
      /W3POOL_POOLS: the configuration defines no pool "Nope" \(it defines DefaultAppPool, Shop, Batch\)/,
    );
  });
});
