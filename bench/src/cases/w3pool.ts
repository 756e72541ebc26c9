import { STATIC_FILE_MAPPING } from '@w3pool/config';
import { fixtureSite } from '@w3pool/test/helpers';
import { measureAll, type CaseContext } from '../measure.js';
import { benchScript, Cleanup } from '../processes.js';
import { LABELS } from '../results.js';
import { startW3pool, waitUntilServed } from './w3pool-system.js';

/**
 * Case c: the whole dynamic path. /hello is mapped to a tiny extension (a handler mapping, as an ISAPI
 * extension would be), so every request goes listener → pool queue in Redis → w3wp → reply channel.
 */
export async function runW3poolCase(context: CaseContext): Promise<void> {
  const cleanup = new Cleanup();
  try {
    const system = await startW3pool(context, cleanup, {
      root: fixtureSite,
      handlers: [
        { name: 'BenchHello', path: 'hello', verb: '*', type: benchScript('hello-extension.js') },
        STATIC_FILE_MAPPING,
      ],
    });
    const url = `${system.baseUrl}/hello`;
    await waitUntilServed(url);
    await measureAll(context, {
      caseName: 'w3pool',
      label: LABELS.w3pool,
      url,
      processes: system.processes,
      services: system.services,
      redis: system.redis,
    });
  } finally {
    await cleanup.run();
  }
}
