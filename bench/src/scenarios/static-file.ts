import { httpRequest } from '@w3pool/test/helpers';
import type { Cleanup } from '../processes.js';
import { measureClosedLoop } from './closed-loop.js';
import { NGINX, startNginxSide } from './peer-sides.js';
import type { ScenarioContext } from './scenario-context.js';
import { firstServed, startStaticSide, staticRoot } from './w3pool-side.js';
import { withSide } from './with-side.js';

const PATH = '/page.txt';
const CONNECTIONS = 64;

/**
 * Scenario 4: a 4 KB static file. w3pool twice: with the listener's response cache off, so every request
 * goes to a worker's StaticFileModule through Redis ('worker'), then with it on ('cache hit', http.sys's
 * kernel cache); nginx serves the same bytes from the same kind of directory.
 */
export async function staticFile(context: ScenarioContext): Promise<void> {
  const load = { path: PATH, connections: CONNECTIONS };
  await withSide(
    context,
    4,
    'w3pool',
    (c) => startStaticSide(context, c, false),
    async (side) => {
      await firstServed(side, PATH);
      await measureClosedLoop(context, { scenario: 4, variant: 'worker', side: side.name }, side, load);
    },
  );
  await withSide(
    context,
    4,
    'w3pool',
    (c) => startStaticSide(context, c, true),
    async (side) => {
      await firstServed(side, PATH);
      // frequentHitThreshold (2) hits within 10 s make the URL cacheable; the warm-up makes thousands more.
      for (let i = 0; i < 4; i += 1) await httpRequest(`${side.baseUrl}${PATH}`);
      await measureClosedLoop(context, { scenario: 4, variant: 'cache hit', side: side.name }, side, load);
    },
  );
  await withSide(
    context,
    4,
    NGINX,
    async (c: Cleanup) => startNginxSide(context, c, await staticRoot(c)),
    (side) =>
      measureClosedLoop(context, { scenario: 4, variant: 'static 4 KB', side: side.name }, side, load).then(
        () => undefined,
      ),
  );
}
