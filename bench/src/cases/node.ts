import { freePort, startNode } from '@w3pool/test/helpers';
import { measureAll, type CaseContext } from '../measure.js';
import { benchScript, Cleanup, stopProcess } from '../processes.js';
import { LABELS } from '../results.js';

/** Case a: plain node:http, one process, hello and a 4 KB body: the ceiling of this machine, measured now. */
export async function runNodeCase(context: CaseContext): Promise<void> {
  const cleanup = new Cleanup();
  try {
    const port = await freePort();
    const server = startNode('plain-node', [benchScript('servers/plain-node.js'), String(port)], {});
    cleanup.add(() => stopProcess(server));
    await server.waitForLine(/plain node ready/);
    const target = {
      caseName: 'node' as const,
      processes: [{ role: 'listener', pids: () => [server.pid] }],
      services: [server],
    };
    const base = `http://127.0.0.1:${port}`;
    await measureAll(context, { ...target, label: LABELS.nodeHello, url: `${base}/` });
    await measureAll(context, { ...target, label: LABELS.node4k, url: `${base}/4k` });
  } finally {
    await cleanup.run();
  }
}
