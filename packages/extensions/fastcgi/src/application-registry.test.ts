import { afterEach, describe, expect, it, vi } from 'vitest';
import { processEnvironment, type FastCgiApplication } from './application-registry.js';

const log = { info: vi.fn(), warn: vi.fn(), error: vi.fn(), debug: vi.fn() };

function application(overrides: Partial<FastCgiApplication> = {}): FastCgiApplication {
  return {
    fullPath: '/usr/bin/php-cgi',
    arguments: '',
    address: '',
    maxInstances: 1,
    instanceMaxRequests: 200,
    activityTimeout: 30,
    requestTimeout: 30,
    idleTimeout: 300,
    queueLength: 10,
    rapidFailsPerMinute: 10,
    protocol: 'NamedPipe',
    stderrMode: 'ReturnStdErrIn500',
    signalBeforeTerminateSeconds: 0,
    monitorChangesTo: '',
    environmentVariables: [],
    ...overrides,
  };
}

describe('processEnvironment', () => {
  afterEach(() => vi.unstubAllEnvs());

  it("passes the few variables a program needs and PHP's own, never the worker's settings", () => {
    vi.stubEnv('REDIS_URL', 'redis://:secret@10.0.0.1:6379');
    vi.stubEnv('W3POOL_ADMIN_TOKEN', 'token');
    vi.stubEnv('PATH', '/opt/php/bin:/usr/bin');
    vi.stubEnv('PHPRC', '/etc/php/custom');
    const env = processEnvironment(application(), log);
    expect(env.REDIS_URL).toBeUndefined();
    expect(env.W3POOL_ADMIN_TOKEN).toBeUndefined();
    expect(env.PATH).toBe('/opt/php/bin:/usr/bin');
    expect(env.PHPRC).toBe('/etc/php/custom');
    expect(env.PHP_FCGI_MAX_REQUESTS).toBe('200');
  });

  it("adds the application's environmentVariables, which may name anything else it needs", () => {
    vi.stubEnv('REDIS_URL', 'redis://127.0.0.1:6379');
    const env = processEnvironment(
      application({ environmentVariables: [{ name: 'REDIS_URL', value: 'redis://app-cache:6379' }] }),
      log,
    );
    expect(env.REDIS_URL).toBe('redis://app-cache:6379');
  });
});
