import { join } from 'node:path';
import { poolsConfig } from '../../helpers/pools.js';
import { repoRoot } from '../../helpers/service-process.js';

/** poolsConfig with the leaky handler mapped to `*.leak` ahead of the test app's mappings. */
export function leakyPoolsConfig(
  port: number,
  pools: Record<string, Record<string, unknown>>,
  options: { rootPool: string },
) {
  const config = poolsConfig(port, pools, options);
  const leaky = {
    name: 'LeakyApp',
    path: '*.leak',
    verb: '*',
    type: join(repoRoot, 'test/fixtures/extensions/leaky-app.js'),
  };
  return { ...config, webServer: { handlers: { list: [leaky, ...config.webServer.handlers.list] } } };
}
