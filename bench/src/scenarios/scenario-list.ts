import { coldStart } from './cold-start.js';
import { overload } from './overload.js';
import { cpuBound, dynamicHello, expressHello, largeBodies } from './node-scenarios.js';
import { phpPages } from './php-pages.js';
import { recycleUnderLoad } from './recycle-under-load.js';
import type { ScenarioContext } from './scenario-context.js';
import { staticFile } from './static-file.js';

export interface ScenarioSpec {
  id: number;
  title: string;
  w3pool: string;
  peers: string;
  run: (context: ScenarioContext) => Promise<void>;
}

/** Scenarios 1–9 of `pnpm bench`, in the order; 10 (the soak) is `pnpm bench:soak`. */
export const SCENARIOS: ScenarioSpec[] = [
  {
    id: 1,
    title: 'dynamic hello',
    w3pool: 'SDK handler',
    peers: 'PM2 cluster, 2 instances',
    run: dynamicHello,
  },
  {
    id: 2,
    title: 'Express app hello',
    w3pool: 'NodeAppModule',
    peers: 'the same app under PM2 cluster',
    run: expressHello,
  },
  {
    id: 3,
    title: 'CPU-bound handler, 1 ms of synchronous work',
    w3pool: 'SDK handler',
    peers: 'PM2 cluster',
    run: cpuBound,
  },
  {
    id: 4,
    title: 'static 4 KB file',
    w3pool: 'StaticFile: worker, then listener cache hit',
    peers: 'nginx',
    run: staticFile,
  },
  {
    id: 5,
    title: '1 MB response streamed; 100 KB upload echoed',
    w3pool: 'SDK handler',
    peers: 'PM2 cluster',
    run: largeBodies,
  },
  {
    id: 6,
    title: 'PHP pages (hello and phpinfo())',
    w3pool: 'FastCgiModule → php-fpm',
    peers: 'nginx → php-fpm',
    run: phpPages,
  },
  {
    id: 7,
    title: 'overload at 3× capacity, queueLength 100',
    w3pool: 'SDK handler, 1 ms of CPU',
    peers: 'PM2 (no queue bound); nginx → php-fpm (listen.backlog 100)',
    run: overload,
  },
  {
    id: 8,
    title: 'recycle every 2 s at half capacity',
    w3pool: 'pool recycle (overlapped)',
    peers: 'pm2 reload; php-fpm reload',
    run: recycleUnderLoad,
  },
  {
    id: 9,
    title: 'cold start of an idle pool',
    w3pool: 'OnDemand pool, first request',
    peers: 'pm2 start; php-fpm ondemand',
    run: coldStart,
  },
];

export const SOAK_SCENARIO = {
  id: 10,
  title: 'soak at 256 connections',
  w3pool: 'listener and worker RSS over time',
  peers: '–',
};
