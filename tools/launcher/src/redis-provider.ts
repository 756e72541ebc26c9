import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort } from '@w3pool/runtime';

export interface ProvidedRedis {
  url: string;
  /** Set when the launcher started redis-server itself and must stop it. */
  process?: ChildProcess;
}

export const NO_REDIS_MESSAGE =
  'No Redis: REDIS_URL does not answer and redis-server is not on PATH.\n' +
  'Either install it (Debian/Ubuntu: sudo apt-get install redis-server) and run again,\n' +
  'or run the whole system in containers with: docker compose up';

/** Redis for the system: REDIS_URL if it answers, else a private redis-server without persistence. */
export async function provideRedis(
  redisUrl: string | undefined,
  log: (line: string) => void,
): Promise<ProvidedRedis> {
  if (redisUrl && (await answers(redisUrl))) {
    log(`using Redis at ${redisUrl}`);
    return { url: redisUrl };
  }
  if (redisUrl) log(`REDIS_URL ${redisUrl} does not answer; starting a private redis-server`);
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
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 2000,
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
