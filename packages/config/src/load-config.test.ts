import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import { parseConfig, validateConfig } from './load-config.js';
import { timeSpanToMs } from './timespan.js';

const minimal = () => ({
  applicationPools: [{ name: 'DefaultAppPool' }],
  sites: [
    {
      name: 'Default Web Site',
      id: 1,
      bindings: [{ bindingInformation: '*:80:' }],
      applications: [{ path: '/', virtualDirectories: [{ path: '/', physicalPath: 'www' }] }],
    },
  ],
});

function issuesOf(raw: unknown): { pointer: string; reason: string }[] {
  try {
    validateConfig(raw, { source: 'test.yaml', baseDir: '/srv' });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).issues];
  }
  throw new Error('expected the configuration to be refused');
}

describe('validateConfig', () => {
  it('fills every application pool setting with its IIS default', () => {
    const config = validateConfig(minimal(), { source: 'test.yaml', baseDir: '/srv' });
    const pool = config.applicationPools[0]!;
    expect(pool).toMatchObject({
      queueLength: 1000,
      startMode: 'OnDemand',
      autoStart: true,
      managedPipelineMode: 'Integrated',
    });
    expect(pool.processModel).toMatchObject({
      idleTimeout: '00:20:00',
      idleTimeoutAction: 'Terminate',
      maxProcesses: 1,
      pingingEnabled: true,
      pingInterval: '00:00:30',
      pingResponseTime: '00:01:30',
      startupTimeLimit: '00:01:30',
      shutdownTimeLimit: '00:01:30',
      identityType: 'ApplicationPoolIdentity',
    });
    expect(pool.recycling).toMatchObject({
      disallowOverlappingRotation: false,
      disallowRotationOnConfigChange: false,
    });
    expect(pool.recycling.periodicRestart).toEqual({
      time: '1.05:00:00',
      requests: 0,
      memory: 0,
      privateMemory: 0,
      schedule: [],
    });
    expect(pool.failure).toMatchObject({
      rapidFailProtection: true,
      rapidFailProtectionInterval: '00:05:00',
      rapidFailProtectionMaxCrashes: 5,
      loadBalancerCapabilities: 'HttpLevel',
      orphanWorkerProcess: false,
    });
    expect(pool.cpu).toMatchObject({ limit: 0, action: 'NoAction', resetInterval: '00:05:00' });
    expect(config.sites[0]!.applications[0]!.applicationPool).toBe('DefaultAppPool');
    expect(config.sites[0]!.limits.connectionTimeout).toBe('00:02:00');
    expect(config.webServer.defaultDocument.files[0]).toBe('Default.htm');
    expect(config.webServer.requestFiltering.requestLimits).toEqual({
      maxAllowedContentLength: 30000000,
      maxUrl: 4096,
      maxQueryString: 2048,
      headerLimits: [],
    });
    expect(config.webServer.handlers.list.at(-1)).toMatchObject({ name: 'StaticFile', path: '*', verb: '*' });
    expect(config.webServer.staticContent.mimeMap.find((m) => m.fileExtension === '.css')?.mimeType).toBe(
      'text/css',
    );
  });

  it('resolves physical paths against the config file directory', () => {
    const config = validateConfig(minimal(), { source: 'test.yaml', baseDir: '/srv' });
    expect(config.sites[0]!.applications[0]!.virtualDirectories[0]!.physicalPath).toBe('/srv/www');
  });

  it('resolves the program of a scriptProcessor and keeps its FastCGI arguments as written', () => {
    const raw = {
      ...minimal(),
      webServer: {
        handlers: {
          list: [
            {
              name: 'php',
              path: '*.php',
              verb: '*',
              modules: 'FastCgiModule',
              scriptProcessor: './php/php-cgi|-c ./a//b.ini',
            },
            {
              name: 'cgi',
              path: '*.cgi',
              verb: '*',
              modules: 'CgiModule',
              scriptProcessor: '/usr/bin/perl %s',
            },
          ],
        },
        fastCgi: {
          applications: [
            { fullPath: './php/php-cgi', arguments: '-c ./a//b.ini', monitorChangesTo: 'php.ini' },
          ],
        },
      },
    };
    const config = validateConfig(raw, { source: 'test.yaml', baseDir: '/srv' });
    const [php, cgi] = config.webServer.handlers.list;
    expect(php!.scriptProcessor).toBe('/srv/php/php-cgi|-c ./a//b.ini');
    expect(cgi!.scriptProcessor).toBe('/usr/bin/perl %s');
    expect(config.webServer.fastCgi.applications[0]).toMatchObject({
      fullPath: '/srv/php/php-cgi',
      monitorChangesTo: '/srv/php.ini',
    });
  });

  it('leaves its input untouched', () => {
    const raw = minimal();
    const before = JSON.stringify(raw);
    validateConfig(raw, { source: 'test.yaml', baseDir: '/srv' });
    expect(JSON.stringify(raw)).toBe(before);
  });

  it('names the JSON pointer and the reason of each schema problem', () => {
    const raw = minimal() as Record<string, any>;
    raw.applicationPools[0].queueLength = 70000;
    raw.applicationPools[0].startMode = 'Sometimes';
    raw.applicationPools[0].processModel = { pingInterval: '30s', pingIntervall: '00:00:30' };
    raw.sites[0].bindings[0].bindingInformation = 'localhost';
    const issues = issuesOf(raw);
    const byPointer = Object.fromEntries(issues.map((i) => [i.pointer, i.reason]));
    expect(byPointer['/applicationPools/0/queueLength']).toMatch(/65535/);
    expect(byPointer['/applicationPools/0/startMode']).toMatch(/OnDemand, AlwaysRunning/);
    expect(byPointer['/applicationPools/0/processModel/pingInterval']).toMatch(/timespan/);
    expect(byPointer['/applicationPools/0/processModel/pingIntervall']).toMatch(/Unexpected property/);
    expect(byPointer['/sites/0/bindings/0/bindingInformation']).toMatch(/IP:port:host/);
  });

  it('names broken references and duplicates', () => {
    const raw = minimal() as Record<string, any>;
    raw.applicationPools.push({ name: 'DefaultAppPool' });
    raw.sites[0].applications[0].applicationPool = 'Missing';
    raw.sites[0].bindings[0].bindingInformation = '*:70000:';
    const pointers = issuesOf(raw).map((i) => i.pointer);
    expect(pointers).toEqual(
      expect.arrayContaining([
        '/applicationPools/1/name',
        '/sites/0/applications/0/applicationPool',
        '/sites/0/bindings/0/bindingInformation',
      ]),
    );
  });

  it('requires a root application and a handler module', () => {
    const raw = minimal() as Record<string, any>;
    raw.sites[0].applications[0].path = '/app';
    raw.webServer = { handlers: { list: [{ name: 'x', path: '*', verb: '*' }] } };
    const pointers = issuesOf(raw).map((i) => i.pointer);
    expect(pointers).toEqual(expect.arrayContaining(['/sites/0/applications', '/webServer/handlers/list/0']));
  });
});

describe('parseConfig', () => {
  it('reports malformed YAML as CONFIG_SYNTAX with the line', () => {
    expect(() => parseConfig('applicationPools: [\n  - name', { source: 'bad.yaml', baseDir: '/' })).toThrow(
      /CONFIG_SYNTAX[\s\S]*line/,
    );
  });
});

describe('timeSpanToMs', () => {
  it('reads IIS timespans', () => {
    expect(timeSpanToMs('00:00:30')).toBe(30_000);
    expect(timeSpanToMs('00:01:30')).toBe(90_000);
    expect(timeSpanToMs('1.05:00:00')).toBe(29 * 3_600_000);
    expect(timeSpanToMs('00:00:00.250')).toBe(250);
    expect(() => timeSpanToMs('30s')).toThrow(RangeError);
  });
});
