import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { ConfigError, loadConfigFile } from '@w3pool/config';
import { ProcessSupervisor } from './process-supervisor.js';
import { NO_REDIS_MESSAGE, provideRedis } from './redis-provider.js';
import { adminTokenNotice, adminTokenState } from './admin-token-notice.js';
import { describeTopology } from './topology.js';
import { PlacementError, readPlacement, ROLES } from './placement.js';
import { makeSelfSignedCertificates } from './self-signed-certificate.js';

// The native launcher: the docker-compose.yml topology as local processes. Redis, then WAS, then the
// listener and one worker host per pool. Ctrl-C stops them all.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const program = new Command()
  .name('w3pool')
  .description('Run w3pool: Redis, WAS, the listener and one worker per application pool.')
  .option(
    '-c, --config <file>',
    'configuration file',
    process.env.W3POOL_CONFIG ?? resolve(root, 'config/w3pool.yaml'),
  )
  .option('--was-port <port>', 'WAS admin port', process.env.W3POOL_WAS_PORT ?? '8172')
  .parse();
const options = program.opts<{ config: string; wasPort: string }>();
const say = (line: string) => process.stdout.write(`[launcher] ${line}\n`);

let exitCode = 0;
let shuttingDown = false;
// A service that dies is restarted with backoff (1 s, doubling to 30 s; back to 1 s after a minute up),
// as compose's `restart: unless-stopped` restarts a container: one crash must not stop the whole server.
const supervisor = new ProcessSupervisor(root, (name, code, signal, restartInMs) => {
  say(
    `${name} exited unexpectedly (code ${code ?? 'null'}, signal ${signal ?? 'none'}); restarting in ${restartInMs / 1000} s`,
  );
});

async function shutdown(code: number): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  exitCode = code;
  await supervisor.stop();
  say('stopped');
  process.exit(exitCode);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

try {
  const configFile = resolve(options.config);
  // The launcher reads the config to know the pools, and to make the self-signed certificate a first run
  // needs (before the certificate files are checked); WAS validates it again and owns it.
  await makeSelfSignedCertificates(
    await loadConfigFile(configFile, undefined, { readCertificates: false }),
    say,
  );
  const config = await loadConfigFile(configFile);
  // Scale-out (docs/scale-out.md): this machine may run only some roles, and only some pools' hosts.
  const placement = readPlacement(process.env, config);
  const redis = await provideRedis(process.env.REDIS_URL, say, {
    wholeSystem: ROLES.every((role) => placement.roles.has(role)),
  });
  if (redis.process) supervisor.adopt('redis', redis.process);
  const env = { REDIS_URL: redis.url, W3POOL_WAS_PORT: options.wasPort };
  const services = describeTopology(config, configFile, placement);
  const tokenBefore = adminTokenState(process.env, configFile, root);
  for (const service of services) {
    supervisor.start(service.name, process.execPath, service.args, env);
    if (service.name === 'was') await waitForHealthy(`http://127.0.0.1:${options.wasPort}/healthz`, 30_000);
    // Where the admin API's token is, so README's `curl -H "Authorization: Bearer $W3POOL_ADMIN_TOKEN"` works.
    if (service.name === 'was') say(adminTokenNotice(tokenBefore, `http://127.0.0.1:${options.wasPort}`));
    if (service.name === 'was') {
      say(`dashboard: http://127.0.0.1:${options.wasPort}/dashboard/ (sign in with the admin token)`);
    }
  }
  say(
    `running: ${services.map((s) => `${s.name} (${s.role}) pid ${supervisor.pids[s.name] ?? '?'}`).join(', ')}`,
  );
} catch (error) {
  if (error instanceof ConfigError || error instanceof PlacementError)
    process.stderr.write(`${error.message}\n`);
  else if (error instanceof Error && error.message === NO_REDIS_MESSAGE)
    process.stderr.write(`${error.message}\n`);
  else process.stderr.write(`launcher: ${(error as Error).message}\n`);
  await shutdown(1);
}

async function waitForHealthy(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !shuttingDown) {
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  if (!shuttingDown) throw new Error(`WAS did not report healthy at ${url} within ${timeoutMs / 1000} s`);
}
