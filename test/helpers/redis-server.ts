import { spawn } from 'node:child_process';
import { freePort } from './free-port.js';
import { ServiceProcess } from './service-process.js';

export interface TestRedis {
  url: string;
  port: number;
  /**
   * Stop this redis-server and start a new one on the same port with the same flags: it comes back
   * empty, as a Redis without persistence does. `whileDown` runs between the two.
   */
  restart(whileDown?: () => Promise<void>): Promise<void>;
  /**
   * Freeze the server (SIGSTOP): connections stay open and look ready, but nothing is answered, as with a
   * Redis that hangs or a network that drops packets. `resume` (SIGCONT) undoes it.
   */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const flags = (port: number) => [
  '--port',
  String(port),
  '--bind',
  '127.0.0.1',
  '--save',
  '',
  '--appendonly',
  'no',
];

/**
 * A private redis-server for one suite, on an ephemeral port, with nothing persisted. The suite stops it;
 * tests never touch a Redis they did not start.
 */
export async function startRedis(): Promise<TestRedis> {
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    const started = await launch(port);
    // Another process may have taken the port between freePort() and bind; try another one.
    if (started === 'port busy' && attempt < 3) continue;
    if (started === 'port busy') throw new Error(`redis-server: port ${port} in use`);
    return handle(port, started);
  }
}

function handle(port: number, first: ServiceProcess): TestRedis {
  let current = first;
  const signal = (name: NodeJS.Signals) => {
    if (current.running) process.kill(current.pid, name);
  };
  const stop = () => {
    // A paused server would not act on SIGTERM until it is continued.
    signal('SIGCONT');
    return current.stop('SIGTERM');
  };
  const restart = async (whileDown?: () => Promise<void>) => {
    await stop();
    try {
      await whileDown?.();
    } finally {
      current = await relaunch(port);
    }
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    restart,
    pause: () => signal('SIGSTOP'),
    resume: () => signal('SIGCONT'),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** The same port again: it can be busy for a moment after the old process exits; retry briefly. */
async function relaunch(port: number): Promise<ServiceProcess> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const started = await launch(port);
    if (started !== 'port busy') return started;
    if (Date.now() > deadline) throw new Error(`redis-server: port ${port} still in use after restart`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function launch(port: number): Promise<ServiceProcess | 'port busy'> {
  const child = spawn('redis-server', flags(port), { stdio: ['ignore', 'pipe', 'pipe'] });
  const proc = new ServiceProcess(`redis:${port}`, child);
  try {
    await proc.waitForLine(/Ready to accept connections/, 10_000);
    return proc;
  } catch (error) {
    await proc.stop('SIGKILL');
    if (/Address already in use/.test(proc.output())) return 'port busy';
    throw error;
  }
}
