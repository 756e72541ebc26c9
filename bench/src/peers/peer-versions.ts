import { nginxVersion } from './nginx.js';
import { phpFpmVersion } from './php-fpm.js';
import { packageVersion, pm2Version } from './pm2-cluster.js';

export interface PeerVersions {
  pm2: string;
  nginx: string;
  'php-fpm': string;
  express: string;
}

/**
 * The versions of the peers, for the report. A peer that is missing is named so instead of failing the
 * report: its scenarios fail on their own, with the reason.
 */
export async function peerVersions(): Promise<PeerVersions> {
  const [pm2, nginx, phpFpm, express] = await Promise.all([
    versionOrReason(pm2Version),
    versionOrReason(nginxVersion),
    versionOrReason(phpFpmVersion),
    versionOrReason(() => packageVersion('express')),
  ]);
  return { pm2, nginx, 'php-fpm': phpFpm, express };
}

async function versionOrReason(read: () => Promise<string> | string): Promise<string> {
  try {
    return await read();
  } catch (error) {
    return `unavailable (${(error as Error).message.split('\n')[0]})`;
  }
}
