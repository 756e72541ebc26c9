import { spawn } from 'node:child_process';
import { freePort } from './free-port.js';
import { ServiceProcess } from './service-process.js';

export interface TestRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * A private redis-server for one suite, on an ephemeral port, with nothing persisted. The suite stops it;
 * tests never touch a Redis they did not start.
 */
export async function startRedis(): Promise<TestRedis> {
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const proc = new ServiceProcess(`redis:${port}`, child);
    try {
      await proc.waitForLine(/Ready to accept connections/, 10_000);
    } catch (error) {
      await proc.stop('SIGKILL');
      // Another process may have taken the port between freePort() and bind; try another one.
      if (attempt < 3 && /Address already in use/.test(proc.output())) continue;
      throw error;
    }
    const stop = () => proc.stop('SIGTERM');
    return { url: `redis://127.0.0.1:${port}`, port, stop, [Symbol.asyncDispose]: stop };
  }
}
