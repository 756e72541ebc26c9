import { peerAppScript, expressAppScript } from '../apps/app-paths.js';
import { startNginx } from '../peers/nginx.js';
import { startPhpFpm, type PhpFpm } from '../peers/php-fpm.js';
import { startPm2Cluster } from '../peers/pm2-cluster.js';
import type { Cleanup } from '../processes.js';
import type { ScenarioContext, Side } from './scenario-context.js';

/** A peer as a load target, with the control a scenario needs (a graceful reload). */
export interface PeerSide extends Side {
  reload?: () => Promise<void>;
}

export const PM2 = 'PM2 cluster';
export const NGINX = 'nginx';
export const NGINX_PHP = 'nginx → php-fpm';

/** The peer app (or the Express app) under PM2 in cluster mode, 2 instances: one per core. */
export async function startPm2Side(
  context: ScenarioContext,
  cleanup: Cleanup,
  app: 'peer' | 'express' = 'peer',
): Promise<PeerSide> {
  const cluster = await startPm2Cluster(cleanup, {
    script: app === 'peer' ? peerAppScript() : expressAppScript(),
    instances: 2,
  });
  context.results.versions.pm2 = cluster.version;
  return {
    name: PM2,
    baseUrl: cluster.baseUrl,
    processes: cluster.processes(),
    services: [],
    reload: () => cluster.reload(),
  };
}

/** nginx serving `root` as static files, with its Debian defaults plus the production settings of nginx.ts. */
export async function startNginxSide(
  context: ScenarioContext,
  cleanup: Cleanup,
  root: string,
): Promise<PeerSide> {
  const nginx = await startNginx(cleanup, { root });
  context.results.versions.nginx = nginx.version;
  return { name: NGINX, baseUrl: nginx.baseUrl, processes: nginx.processes(), services: [nginx.service] };
}

/** php-fpm for a scenario: both sides of a PHP scenario reach the same one, so the PHP work is identical. */
export async function startPhpFpmFor(
  context: ScenarioContext,
  cleanup: Cleanup,
  options: Parameters<typeof startPhpFpm>[1],
): Promise<PhpFpm> {
  const fpm = await startPhpFpm(cleanup, options);
  context.results.versions['php-fpm'] = fpm.version;
  return fpm;
}

/** nginx in front of `fpm`, serving the PHP pages. */
export async function startNginxPhpSide(
  context: ScenarioContext,
  cleanup: Cleanup,
  fpm: PhpFpm,
  root: string,
): Promise<PeerSide> {
  const nginx = await startNginx(cleanup, { root, phpFpmSocket: fpm.socket });
  context.results.versions.nginx = nginx.version;
  return {
    name: NGINX_PHP,
    baseUrl: nginx.baseUrl,
    processes: [...nginx.processes(), ...fpm.processes()],
    services: [nginx.service, fpm.service],
    reload: () => fpm.reload(),
  };
}
