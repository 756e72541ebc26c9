import { ConfigError } from '@w3pool/config';
import { argument, stopOnSignals, serviceLogger } from '@w3pool/runtime';
import { buildWas } from './app.js';
import { isRedisOutage } from './redis-outage.js';

// WAS: owns the configuration and hands it to the listener and the pool workers.
const configFile = argument('--config') ?? process.env.W3POOL_CONFIG ?? 'config/w3pool.yaml';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const port = Number(process.env.W3POOL_WAS_PORT ?? 8172);
const host = process.env.W3POOL_WAS_HOST ?? '127.0.0.1';
const log = serviceLogger({ service: 'was', pid: process.pid });

try {
  const was = await buildWas({ redisUrl, configFile, log });
  await was.http.listen({ port, host });
  log.info({ port, host }, 'WAS ready');

  // SIGHUP re-reads the file, as WAS picks up applicationHost.config edits. A bad file is refused whole.
  process.on('SIGHUP', () => {
    was.config.load().catch((error: unknown) => {
      if (isRedisOutage(error)) {
        // Validated but not published: send SIGHUP again once Redis is back.
        log.error({ err: error }, 'configuration not published: Redis is unreachable; the running one stays');
        return;
      }
      log.error(
        { err: error, issues: (error as ConfigError).issues },
        'configuration change refused; the running configuration is unchanged',
      );
    });
  });
  stopOnSignals(() => was.close(), log);
} catch (error) {
  if (error instanceof ConfigError) {
    // One line per problem, each naming its JSON pointer, on stderr where an admin looks first.
    process.stderr.write(`${error.message}\n`);
    log.fatal({ code: error.code, issues: error.issues }, 'configuration refused');
  } else {
    log.fatal({ err: error }, 'WAS failed to start');
  }
  process.exit(1);
}
