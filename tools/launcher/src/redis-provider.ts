import { spawn, type ChildProcess } from 'node:child_process';
import { createRedis, describeRedisEndpoint, freePort, parseRedisEndpoint } from '@w3pool/runtime';

export interface ProvidedRedis {
  url: string;
  /** Set when the launcher started redis-server itself and must stop it. */
  process?: ChildProcess;
}

export const NO_REDIS_MESSAGE =
  'No Redis: REDIS_URL does not answer and redis-server is not on PATH.\n' +
  'Either install it (Debian/Ubuntu: sudo apt-get install redis-server) and run again,\n' +
  'or run the whole system in containers with: docker compose up';

/**
 * Redis for the system: REDIS_URL if it answers, else a private redis-server without persistence. Only a
 * machine that runs the whole system may fall back to a private one: a machine that runs part of it (a
 * listener, some pool hosts) would start a system of its own that nobody else reaches, and a Sentinel group
 * that does not answer is an outage to report, not a reason to run elsewhere.
 */
export async function provideRedis(
  redisUrl: string | undefined,
  log: (line: string) => void,
  { wholeSystem }: { wholeSystem: boolean } = { wholeSystem: true },
): Promise<ProvidedRedis> {
  const shown = redisUrl ? describeRedisEndpoint(redisUrl) : '';
  if (redisUrl && (await answers(redisUrl))) {
    log(`using Redis at ${shown}`);
    return { url: redisUrl };
  }
  if (redisUrl && (!wholeSystem || parseRedisEndpoint(redisUrl).kind !== 'single'))
    throw new Error(`REDIS_URL ${shown} does not answer`);
  if (!redisUrl && !wholeSystem)
    throw new Error(
      'REDIS_URL is not set: a machine that runs part of the system must name the shared Redis',
    );
  if (redisUrl) log(`REDIS_URL ${shown} does not answer; starting a private redis-server`);
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('redis-server did not become ready within 10 s')),
      10_000,
    );
    child.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(error.code === 'ENOENT' ? new Error(NO_REDIS_MESSAGE) : error);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with code ${code ?? 'null'} before it was ready`));
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  await ready;
  const url = `redis://127.0.0.1:${port}`;
  log(`started redis-server on ${url} (no persistence; it stops with the launcher)`);
  return { url, process: child };
}

async function answers(url: string): Promise<boolean> {
  // One try, no reconnects: this is a probe (for a Sentinel group, a sentinel must name a primary that
  // answers).
  const client = createRedis(url, 'control', {
    lazyConnect: true,
    retryStrategy: () => null,
    sentinelRetryStrategy: () => null,
    connectTimeout: 2000,
    connectionName: 'w3pool-launcher-probe',
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}
