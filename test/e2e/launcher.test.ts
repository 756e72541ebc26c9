import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { servedCertificate } from '../helpers/certificates.js';
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

const run = promisify(execFile);

/** The site's configuration; with `httpsPort`, also the sample's https binding and its certificate files. */
function launchConfig(port: number, httpsPort?: number) {
  const config = siteConfig(port);
  if (httpsPort !== undefined) {
    (config.sites[0]!.bindings as Record<string, unknown>[]).push({
      protocol: 'https',
      bindingInformation: `127.0.0.1:${httpsPort}:`,
      certificateFile: '.w3pool/localhost.crt',
      certificateKeyFile: '.w3pool/localhost.key',
    });
  }
  return config;
}

async function launch(
  redisUrl: string | undefined,
  httpsPort?: number,
): Promise<{ launcher: ServiceProcess; port: number; wasPort: number; dir: string }> {
  const port = await freePort();
  const wasPort = await freePort();
  const { file, dir } = await writeConfig(launchConfig(port, httpsPort));
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

  it('makes the self-signed certificate of an https binding on the first run, and serves https with it', async () => {
    await using redis = await startRedis();
    const httpsPort = await freePort();
    const { launcher, dir } = await launch(redis.url, httpsPort);
    dirs.push(dir);
    try {
      const wrote = await launcher.waitForLine(/\[launcher\] wrote a self-signed certificate/);
      const certFile = join(dir, '.w3pool/localhost.crt');
      expect(wrote).toContain(`DNS:localhost, IP:127.0.0.1`);
      expect(wrote).toContain(`to ${certFile} (key ${join(dir, '.w3pool/localhost.key')})`);
      const written = new X509Certificate(await readFile(certFile));
      expect(written.subjectAltName).toContain('IP Address:127.0.0.1');
      await launcher.waitForLine(/\[worker-defaultapppool\].*pool host ready/);
      await launcher.waitForLine(/\[listener\].*listener ready/);

      // Through the whole architecture over TLS: the listener, the pool queue, the worker; HTTP/1.1 and h2.
      // The head goes to stdout (-D -), then the status and version (-w); a worker process names itself.
      const curl = async (...args: string[]) => {
        const { stdout } = await run('curl', [
          '-sS',
          '-k',
          '-o',
          '/dev/null',
          '-D',
          '-',
          '-w',
          '%{http_code} %{http_version}',
          ...args,
        ]);
        return { answer: stdout.split('\n').at(-1), worker: /^x-w3pool-worker: (\S+)/im.exec(stdout)?.[1] };
      };
      const url = `https://127.0.0.1:${httpsPort}/`;
      expect(await curl('--http1.1', url)).toEqual({
        answer: '200 1.1',
        worker: expect.stringMatching(/\/\d+$/),
      });
      expect(await curl('--http2', url)).toEqual({
        answer: '200 2',
        worker: expect.stringMatching(/\/\d+$/),
      });
      // The certificate served is the one written.
      expect((await servedCertificate(httpsPort, 'localhost')).fingerprint).toBe(written.fingerprint256);

      launcher.child.kill('SIGINT');
      expect((await launcher.exited).code).toBe(0);
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
