import { phpPagesDir } from '../apps/app-paths.js';
import type { Cleanup } from '../processes.js';
import {
  NGINX_PHP,
  PM2,
  startNginxPhpSide,
  startPhpFpmFor,
  startPm2Side,
  type PeerSide,
} from './peer-sides.js';
import { measureClosedLoop } from './closed-loop.js';
import type { ScenarioContext, Side } from './scenario-context.js';
import { firstServed, startSdkSide, WEB_GARDEN } from './w3pool-side.js';

/** IIS's queueLength, lowered to 100 for the overload scenario (as the issue sets it). */
export const OVERLOAD_QUEUE_LENGTH = 100;

/** A side of the open-loop scenarios (7 and 8), serving 1 ms of CPU work per request at `path`. */
export interface CpuSide {
  name: string;
  path: string;
  start: (cleanup: Cleanup) => Promise<PeerSide & { control: () => Promise<void> }>;
}

/**
 * w3pool with a bounded queue (queueLength 100: beyond it, 503.2 at once), PM2 (no bound: Node's accept
 * queue and the event loop), and nginx → php-fpm with `listen.backlog` 100 (the kernel's bound). `control`
 * is each side's graceful restart: a pool recycle, `pm2 reload`, php-fpm's reload (SIGUSR2).
 */
export function cpuSides(context: ScenarioContext): CpuSide[] {
  return [
    {
      name: 'w3pool',
      path: '/cpu',
      start: async (cleanup) => {
        const pool = { ...WEB_GARDEN, queueLength: OVERLOAD_QUEUE_LENGTH };
        const side = await startSdkSide(context, cleanup, pool);
        return { ...side, control: side.recycle };
      },
    },
    {
      name: PM2,
      path: '/cpu',
      start: async (cleanup) => {
        const side = await startPm2Side(context, cleanup);
        return { ...side, control: side.reload! };
      },
    },
    {
      name: NGINX_PHP,
      path: '/cpu.php',
      start: async (cleanup) => {
        const fpm = await startPhpFpmFor(context, cleanup, {
          pm: 'static',
          maxChildren: 2,
          backlog: OVERLOAD_QUEUE_LENGTH,
        });
        const side = await startNginxPhpSide(context, cleanup, fpm, phpPagesDir());
        return { ...side, control: side.reload! };
      },
    },
  ];
}

/**
 * A side's capacity for an open-loop scenario: closed-loop wrk at 64 connections once it serves, recorded
 * as the scenario's 'capacity' variant. Returns its req/s, which the scenario's offered rate is set from.
 */
export async function measureCapacity(
  context: ScenarioContext,
  scenario: number,
  side: Side,
  path: string,
): Promise<number> {
  await firstServed(side, path);
  const key = { scenario, variant: 'capacity', side: side.name };
  return (await measureClosedLoop(context, key, side, { path, connections: 64 })).requestsPerSecond;
}
