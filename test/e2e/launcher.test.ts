import { readFile, rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/free-port.js';
import { httpRequest } from '../helpers/http-client.js';
import { startRedis } from '../helpers/redis-server.js';
import { startNode, type ServiceProcess } from '../helpers/service-process.js';
import { siteConfig, writeConfig } from '../helpers/system.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The pids the launcher reports in its "running:" line, by service name. */
function reportedPids(line: string): Record<string, number> {
  return Object.fromEntries(
    [...line.matchAll(/([\w-]+) \([^)]*\) pid (\d+)/g)].map((m) => [m[1]!, Number(m[2])]),
  );
}

async function launch(
  redisUrl: string | undefined,
): Promise<{ launcher: ServiceProcess; port: number; wasPort: number; dir: string }> {
  const port = await freePort();
  const wasPort = await freePort();
  const { file, dir } = await writeConfig(siteConfig(port));
  // No admin token configured: WAS generates one, as on a first `npm start`.
  const env: NodeJS.ProcessEnv = {
    W3POOL_WAS_PORT: String(wasPort),
    REDIS_URL: redisUrl,
    W3POOL_ADMIN_TOKEN: '',
  };
  if (redisUrl === undefined) delete env.REDIS_URL;
  const launcher = startNode('launcher', ['tools/launcher/dist/main.js', '--config', file], env);
  return { launcher, port, wasPort, dir };
}

// `pnpm start`: one command runs Redis, WAS, the listener and a worker per pool; Ctrl-C stops them all.
describe('the launcher', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('uses a REDIS_URL that answers, serves through the whole path, and leaves no process after Ctrl-C', async () => {
    await using redis = await startRedis();
    const { launcher, port, wasPort, dir } = await launch(redis.url);
    dirs.push(dir);
    try {
      const running = await launcher.waitForLine(/\[launcher\] running:/);
      expect(launcher.output()).toContain(`using Redis at ${redis.url}`);
      // The generated admin token: shown once by WAS, the launcher says where it is, and it opens the API.
      expect(launcher.output()).toContain('[launcher] admin API token: generated now');
      const token = /\[was\] .*export W3POOL_ADMIN_TOKEN=(\S+)/.exec(launcher.output())?.[1];
      const pools = (headers: Record<string, string>) =>
        httpRequest(`http://127.0.0.1:${wasPort}/api/apppools`, { headers });
      expect((await pools({ authorization: `Bearer ${token}` })).status).toBe(200);
      expect((await pools({})).status).toBe(401);
      const pids = reportedPids(running);
      expect(Object.keys(pids).sort()).toEqual(['listener', 'was', 'worker-defaultapppool']);

      await launcher.waitForLine(/\[worker-defaultapppool\].*pool host ready/);
      await launcher.waitForLine(/\[listener\].*listener ready/);
      const res = await httpRequest(`http://127.0.0.1:${port}/`);
      expect(res.status).toBe(200);
      // The worker process that answered is a child of the pool host the launcher started.
      const w3wp = Number(String(res.headers['x-w3pool-worker']).split('/')[1]);
      const children = await readFile(
        `/proc/${pids['worker-defaultapppool']}/task/${pids['worker-defaultapppool']}/children`,
        'utf8',
      );
      expect(children.split(/\s+/).map(Number)).toContain(w3wp);

      launcher.child.kill('SIGINT');
      expect((await launcher.exited).code).toBe(0);
      for (const [name, pid] of Object.entries({ ...pids, w3wp }))
        expect(alive(pid), `${name} (pid ${pid}) still running`).toBe(false);
    } finally {
      await launcher.stop('SIGKILL');
    }
  });

  it('starts and stops its own redis-server when REDIS_URL does not answer', async () => {
    const deadPort = await freePort();
    const { launcher, port, dir } = await launch(`redis://127.0.0.1:${deadPort}`);
    dirs.push(dir);
    try {
      const started = await launcher.waitForLine(/started redis-server on redis:\/\/127\.0\.0\.1:(\d+)/);
      const redisPort = Number(/:(\d+) \(/.exec(started)?.[1]);
      await launcher.waitForLine(/\[worker-defaultapppool\].*pool host ready/);
      await launcher.waitForLine(/\[listener\].*listener ready/);
      expect((await httpRequest(`http://127.0.0.1:${port}/style.css`)).status).toBe(200);

      launcher.child.kill('SIGINT');
      await launcher.exited;
      // The private Redis went with it: its port no longer accepts connections.
      const { connect } = await import('node:net');
      const refused = await new Promise<boolean>((resolve) => {
        const socket = connect(redisPort, '127.0.0.1');
        socket.once('connect', () => {
          socket.destroy();
          resolve(false);
        });
        socket.once('error', () => resolve(true));
      });
      expect(refused).toBe(true);
    } finally {
      await launcher.stop('SIGKILL');
    }
  });

  it('names both ways to get Redis when there is none', async () => {
    const { file, dir } = await writeConfig(siteConfig(await freePort()));
    dirs.push(dir);
    // A PATH without redis-server (node itself is found by its absolute path).
    const bare = startNode('launcher', ['tools/launcher/dist/main.js', '--config', file], {
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
      PATH: '/nonexistent',
    });
    expect((await bare.exited).code).toBe(1);
    expect(bare.output()).toContain('apt-get install redis-server');
    expect(bare.output()).toContain('docker compose up');
  });
});
