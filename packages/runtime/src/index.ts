// Process lifecycle shared by every service's main.ts: one graceful stop, however it is asked for.

export interface StopLogger {
  info(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/**
 * Run `close` once on SIGTERM or SIGINT (Ctrl-C reaches every process of the foreground group), then exit.
 * Under the launcher (W3POOL_EXIT_WITH_PARENT=1) stdin is a pipe from it: end-of-file means the launcher
 * died without stopping us, and we stop rather than linger as an orphan.
 */
export function stopOnSignals(
  close: () => Promise<void>,
  log: StopLogger,
  /** The most a graceful stop may take before the process exits anyway (default 120 s). */
  deadlineMs = 120_000,
): void {
  let stopping = false;
  const stop = (why: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ why }, 'stopping');
    // Whatever a stop waits for (requests in flight, a Redis that is away), it does not wait for ever.
    setTimeout(() => {
      log.error({ deadlineMs }, 'stop did not finish in time; exiting');
      process.exit(1);
    }, deadlineMs).unref();
    close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  if (process.env.W3POOL_EXIT_WITH_PARENT === '1') {
    process.stdin.on('end', () => stop('launcher exited')).resume();
  }
}

/** The value after `--name` on the command line. */
export function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
}
export {
  DEFAULT_LOG_LIMITS,
  LogDestination,
  serviceLogger,
  type LogDestinationLimits,
} from './log-destination.js';
export { freePort } from './free-port.js';
export {
  describeRedisEndpoint,
  parseRedisEndpoint,
  type RedisEndpoint,
  type RedisNode,
} from './redis-endpoint.js';
export { closeRedis, createRedis, redisReady, reconnectDelayMs, type RedisRole } from './redis-connection.js';
export { ThrottledLog, type WarnLogger } from './throttled-log.js';
export {
  ProcessMetricsReport,
  processRegistry,
  type ProcessMetricsDocument,
} from './process-metrics-report.js';
