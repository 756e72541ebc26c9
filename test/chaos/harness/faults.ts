import { setTimeout as delay } from 'node:timers/promises';
import type { ServiceProcess } from '../../helpers/service-process.js';
import { eventually, workerPids } from '../../helpers/system.js';
import type { SteadyLoad } from './steady-load.js';

/**
 * Inject `fault` every `everyMs` until `forMs` have passed, noting each injection in the load. The pause
 * is the fault's rate (the "every 2 s"), not a wait for something to happen.
 */
export async function repeatFault(
  load: SteadyLoad,
  fault: () => Promise<void>,
  everyMs: number,
  forMs: number,
): Promise<number> {
  const started = performance.now();
  let count = 0;
  for (let i = 0; i < Math.ceil(forMs / everyMs); i += 1) {
    await delay(everyMs);
    if (performance.now() - started > forMs) break;
    load.fault();
    await fault();
    count += 1;
  }
  return count;
}

/** SIGKILL one of the host's running worker processes, chosen at random (waiting for one to exist). */
export async function killRandomWorker(host: ServiceProcess): Promise<number> {
  const pids = await eventually(async () => {
    const running = await workerPids(host);
    return running.length > 0 ? running : undefined;
  }, 'a worker process to kill');
  const pid = pids[Math.floor(Math.random() * pids.length)]!;
  process.kill(pid, 'SIGKILL');
  return pid;
}
