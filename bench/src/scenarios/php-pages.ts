import { phpPagesDir } from '../apps/app-paths.js';
import { Cleanup } from '../processes.js';
import { measureClosedLoop } from './closed-loop.js';
import { NGINX_PHP, startNginxPhpSide, startPhpFpmFor } from './peer-sides.js';
import type { ScenarioContext, Side } from './scenario-context.js';
import { firstServed, startPhpSide } from './w3pool-side.js';
import { withSide } from './with-side.js';

/** php-fpm as Debian users run it for a 2-core host: a static pool of 4 children. */
export const PHP_CHILDREN = 4;

const VARIANTS = [
  { variant: 'hello', path: '/hello.php' },
  { variant: 'phpinfo()', path: '/info.php' },
];

async function measurePages(context: ScenarioContext, side: Side): Promise<void> {
  await firstServed(side, VARIANTS[0]!.path);
  for (const { variant, path } of VARIANTS)
    await measureClosedLoop(context, { scenario: 6, variant, side: side.name }, side, {
      path,
      connections: 64,
    });
}

/**
 * Scenario 6: PHP pages through FastCGI. Both sides reach one php-fpm started for the scenario, so the PHP
 * work is the same and only the front differs: w3pool's listener → Redis → worker → FastCgiModule, or nginx.
 */
export async function phpPages(context: ScenarioContext): Promise<void> {
  const cleanup = new Cleanup();
  try {
    const fpm = await startPhpFpmFor(context, cleanup, { pm: 'static', maxChildren: PHP_CHILDREN });
    const phpFpm = { binary: fpm.binary, socket: fpm.socket, maxChildren: PHP_CHILDREN };
    await withSide(
      context,
      6,
      'w3pool',
      async (c) => {
        const side = await startPhpSide(context, c, phpFpm);
        // The FastCGI connections and php-fpm's children are php-fpm's CPU: count them on this side too.
        return { ...side, processes: [...side.processes, ...fpm.processes()] };
      },
      (side) => measurePages(context, side),
    );
    await withSide(
      context,
      6,
      NGINX_PHP,
      (c) => startNginxPhpSide(context, c, fpm, phpPagesDir()),
      (side) => measurePages(context, side),
    );
  } catch (error) {
    context.results.fail(6, 'php-fpm', error);
  } finally {
    await cleanup.run();
  }
}
