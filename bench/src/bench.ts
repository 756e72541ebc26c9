import { execFileSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import {
  freePort,
  fixtureSite,
  siteConfig,
  startNode,
  startRedis,
  writeConfig,
  type ServiceProcess,
} from '@w3pool/test/helpers';
import { measureAdmissionCost } from './admission-cost.js';
import { wrk, type LoadResult } from './wrk.js';

// `pnpm bench`: the dynamic path (listener → Redis pool queue → worker → client, tiny handler) against a
// plain node:http hello, measured in the same run on the same machine, so the ratio is what counts.
// This is a benchmark, not a test: it asserts nothing; targets live here, as ratios.
const options = new Command()
  .option('--seconds <n>', 'seconds per run', '10')
  .option('--connections <n>', 'concurrent connections', '64')
  .option('--concurrency <list>', 'worker concurrency values to compare', '16')
  .parse()
  .opts<{ seconds: string; connections: string; concurrency: string }>();
const seconds = Number(options.seconds);
const connections = Number(options.connections);

try {
  execFileSync('wrk', ['--version'], { stdio: 'ignore' });
} catch (error) {
  // wrk --version exits 1 but prints; only a missing binary throws ENOENT.
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
    process.stderr.write('pnpm bench needs wrk: sudo apt-get install wrk\n');
    process.exit(1);
  }
}

const helloExtension = fileURLToPath(new URL('./hello-extension.js', import.meta.url));
const results: { name: string; result: LoadResult }[] = [];
const row = (name: string, r: LoadResult, base?: LoadResult) =>
  `${name.padEnd(44)} ${r.requestsPerSecond.toFixed(0).padStart(8)} ${(base ? r.requestsPerSecond / base.requestsPerSecond : 1).toFixed(3).padStart(7)} ${r.p50Ms.toFixed(2).padStart(8)} ${r.p99Ms.toFixed(2).padStart(8)} ${String(r.non2xx + r.errors).padStart(7)}`;

// a. plain node:http, one process: the ceiling on this machine, measured now.
const plainPort = await freePort();
const plain = startNode(
  'plain',
  [
    '-e',
    `require('http').createServer((q, s) => s.end('hello world')).listen(${plainPort}, '127.0.0.1', () => console.log('up'))`,
  ],
  {},
);
await plain.waitForLine(/up/);
await wrk(`http://127.0.0.1:${plainPort}/`, { connections, seconds: 2 }); // warm-up
results.push({
  name: 'plain node:http hello',
  result: await wrk(`http://127.0.0.1:${plainPort}/`, { connections, seconds }),
});
await plain.stop();

// b. the w3pool dynamic path, once per worker concurrency value.
for (const concurrency of options.concurrency.split(',').map(Number)) {
  const redis = await startRedis();
  const port = await freePort();
  const config = siteConfig(port, fixtureSite, { pool: { workerConcurrency: concurrency } }) as Record<
    string,
    unknown
  >;
  config.webServer = {
    handlers: {
      list: [
        { name: 'BenchHello', path: 'hello', verb: '*', type: helloExtension },
        {
          name: 'StaticFile',
          path: '*',
          verb: 'GET,HEAD',
          modules: 'StaticFileModule',
          resourceType: 'Either',
          requireAccess: 'Read',
        },
      ],
    },
  };
  const { file, dir } = await writeConfig(config);
  const env = { REDIS_URL: redis.url, W3POOL_WAS_PORT: String(await freePort()) };
  const processes: ServiceProcess[] = [];
  try {
    const was = startNode('was', ['services/was/dist/main.js', '--config', file], env);
    processes.push(was);
    await was.waitForLine(/WAS ready/);
    const listener = startNode('listener', ['services/listener/dist/main.js'], env);
    const worker = startNode('worker', ['services/worker/dist/main.js', '--pool', 'DefaultAppPool'], env);
    processes.push(listener, worker);
    await Promise.all([listener.waitForLine(/listener ready/), worker.waitForLine(/pool host ready/)]);
    const url = `http://127.0.0.1:${port}/hello`;
    await wrk(url, { connections, seconds: 2 });
    results.push({
      name: `w3pool listener→queue→worker (concurrency ${concurrency})`,
      result: await wrk(url, { connections, seconds }),
    });
  } finally {
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

const base = results[0]?.result;
process.stdout.write(
  `\nwrk -t1 -c${connections} -d${seconds}s on ${new Date().toISOString()} (node ${process.version})\n`,
);
process.stdout.write(
  `${'case'.padEnd(44)} ${'req/s'.padStart(8)} ${'ratio'.padStart(7)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'errors'.padStart(7)}\n`,
);
for (const { name, result } of results) process.stdout.write(`${row(name, result, base)}\n`);

// c. What queueLength admission adds per request: Redis CPU and calls/s, next to BullMQ's own add and a
// bare PING on the same Redis in the same run.
{
  const redis = await startRedis();
  try {
    const cost = await measureAdmissionCost(redis.url);
    process.stdout.write('\nqueue admission (20,000 calls, 64 in flight, one connection)\n');
    process.stdout.write(`${'call'.padEnd(30)} ${'Redis µs/call'.padStart(14)} ${'calls/s'.padStart(9)}\n`);
    const line = (name: string, us: number, perSecond: number) =>
      process.stdout.write(
        `${name.padEnd(30)} ${us.toFixed(2).padStart(14)} ${perSecond.toFixed(0).padStart(9)}\n`,
      );
    line('PING (a bare round trip)', cost.pingRedisUs, cost.pingsPerSecond);
    line('admission (INCR script)', cost.admitRedisUs, cost.admitsPerSecond);
    line('BullMQ queue.add', cost.addRedisUs, cost.addsPerSecond);
    process.stdout.write(
      `admission costs ${((cost.admitRedisUs / cost.addRedisUs) * 100).toFixed(1)} % of a BullMQ add in Redis time\n`,
    );
  } finally {
    await redis.stop();
  }
}
