import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printOutputOnFailure } from '../helpers/failure-output.js';
import { httpRequest } from '../helpers/http-client.js';
import { repoRoot } from '../helpers/service-process.js';
import { eventually, fixtureSite, startSystem, testHandlers, type RunningSystem } from '../helpers/system.js';
import { cliEnv, cliOk, runCli, startCli } from './cli-process.js';

type Row = Record<string, unknown>;

const app = (path: string, applicationPool: string) => ({
  path,
  applicationPool,
  virtualDirectories: [{ path: '/', physicalPath: fixtureSite }],
});

/** A full-IIS sample of our own: two pools, a site with an application, and a path to map. */
const importSample = (port: number) => `<?xml version="1.0" encoding="UTF-8"?>
<configuration>
  <system.applicationHost>
    <applicationPools>
      <add name="Imported" queueLength="321" />
      <add name="ImportedApi" queueLength="77" />
    </applicationPools>
    <sites>
      <site name="From IIS" id="1">
        <bindings><binding protocol="http" bindingInformation="127.0.0.1:${port}:" /></bindings>
        <application path="/" applicationPool="Imported">
          <virtualDirectory path="/" physicalPath="%SystemDrive%\\inetpub\\wwwroot" />
        </application>
        <application path="/api" applicationPool="ImportedApi">
          <virtualDirectory path="/" physicalPath="C:\\inetpub\\wwwroot" />
        </application>
      </site>
    </sites>
  </system.applicationHost>
</configuration>
`;

// Every command of the `w3pool` CLI, run as the built binary against the running system (private Redis).
describe('w3pool CLI', () => {
  let system: RunningSystem;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  printOutputOnFailure(() => system);
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'w3pool-cli-'));
    system = await startSystem({
      config: ([port]) => ({
        applicationPools: [{ name: 'DefaultAppPool' }, { name: 'Second', queueLength: 10 }],
        sites: [
          {
            name: 'Cli',
            id: 1,
            bindings: [{ protocol: 'http', bindingInformation: `127.0.0.1:${port}:` }],
            applications: [app('/', 'DefaultAppPool'), app('/second', 'Second')],
          },
        ],
        webServer: { handlers: testHandlers() },
      }),
    });
    env = cliEnv(system);
  });
  afterAll(async () => {
    await system?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const w3pool = (...args: string[]) => cliOk(args, env);
  const json = async (...args: string[]) => JSON.parse(await cliOk(['--json', ...args], env)) as Row[] & Row;
  const get = (path: string) => httpRequest(`${system.baseUrl}${path}`);

  it('lists pools, sites and applications as aligned tables, and as JSON', async () => {
    const pools = await w3pool('list', 'apppools');
    const lines = pools.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^APPPOOL\s+STATE\s+queueLength\s+CurrentQueueSize/);
    expect(lines.find((l) => l.startsWith('Second'))).toMatch(/^Second\s+Started\s+10\s+0/);
    // Aligned: every row's STATE starts in the header's column.
    const column = lines[0]!.indexOf('STATE');
    for (const line of lines.slice(1)) expect(line.slice(column)).toMatch(/^(Started|Stopped)/);
    expect((await json('list', 'apppools')).map((p) => [p.name, p.queueLength])).toEqual([
      ['DefaultAppPool', 1000],
      ['Second', 10],
    ]);

    expect(await w3pool('list', 'sites')).toMatch(
      new RegExp(`1\\s+Cli\\s+Started\\s+http/127.0.0.1:${system.port}:`),
    );
    const apps = await json('list', 'apps');
    expect(apps.map((a) => [a.site, a.path, a.pool])).toEqual([
      ['Cli', '/', 'DefaultAppPool'],
      ['Cli', '/second', 'Second'],
    ]);
    expect(await w3pool('list', 'apps')).toMatch(/Cli\s+1\s+\/second\s+Second/);
  });

  it('lists worker processes and the requests in flight, filtered by elapsed time and pool', async () => {
    expect((await get('/pid.test')).status).toBe(200);
    const wps = await eventually(async () => {
      const found = await json('list', 'wps', '--pool', 'DefaultAppPool');
      // The pool host reports a worker as Starting until its first ping: wait for Running.
      return found.some((w) => w.state === 'Running')
        ? found.filter((w) => w.state === 'Running')
        : undefined;
    }, 'a running worker in list wps');
    const pid = Number(wps[0]!.pid);
    expect(await w3pool('list', 'wps')).toMatch(new RegExp(`^${pid}\\s+DefaultAppPool\\s+Running`, 'm'));

    // Long enough to outlast the CLI calls below: each starts a node process, which takes
    // seconds on a loaded CI host, and the table must still see the request in flight.
    const slow = get('/sleep.test?ms=12000');
    // The pid joins once the pool host has reported the request in its worker's record (every second).
    const requests = await eventually(async () => {
      const found = await json('list', 'requests', '--elapsed', '1000');
      return found.length > 0 && found[0]!.pid !== null ? found : undefined;
    }, 'a request in flight past 1000 ms');
    expect(requests[0]).toMatchObject({
      pool: 'DefaultAppPool',
      pid,
      siteId: 1,
      verb: 'GET',
      url: '/sleep.test?ms=12000',
    });
    expect(Number(requests[0]!.elapsedMs)).toBeGreaterThanOrEqual(1000);
    expect(await w3pool('list', 'requests')).toMatch(
      /^REQUEST\s+APPPOOL\s+PID\s+SITE\s+VERB\s+URL\s+ELAPSED_MS\n\S+\s+DefaultAppPool\s+\d+\s+1\s+GET\s+\/sleep\.test/,
    );
    expect(await json('list', 'requests', '--pool', 'Second')).toEqual([]);
    expect((await slow).status).toBe(200);
  });

  it('sets pool settings by their IIS names, typed by the schema, through the live configuration', async () => {
    expect(
      await w3pool(
        'set',
        'apppool',
        'Second',
        '--queueLength',
        '25',
        '--processModel.idleTimeout',
        '00:10:00',
      ),
    ).toMatch(/APPPOOL "Second" changed: version \d+ \(file\)/);
    const pools = await json('config', 'get');
    const second = (pools.applicationPools as Row[]).find((p) => p.name === 'Second')!;
    expect(second.queueLength).toBe(25);
    expect(second.processModel).toMatchObject({ idleTimeout: '00:10:00' });
    // Refused by the schema before anything is sent, and by WAS when it is out of range.
    const word = await runCli(['set', 'apppool', 'Second', '--queueLength', 'many'], env);
    expect(word.code).toBe(1);
    expect(word.stderr).toContain('WAS_CLI_ARGUMENT_INVALID');
    const range = await runCli(['set', 'apppool', 'Second', '--queueLength', '0'], env);
    expect(range.code).toBe(1);
    expect(range.stderr).toMatch(/WAS_CONFIG_REJECTED: .*\n\s+\/applicationPools\/1\/queueLength/);
  });

  it('stops and starts a pool and a site: the listener answers 503, then serves again', async () => {
    expect(await w3pool('stop', 'apppool', 'Second')).toMatch(
      /^APPPOOL "Second" stopped \(applied by 1 listener\(s\) in \d+ ms\)\n$/,
    );
    await eventually(
      async () => ((await get('/second/pid.test')).status === 503 ? true : undefined),
      '503 from a stopped pool',
    );
    expect((await json('list', 'apppools')).find((p) => p.name === 'Second')!.state).toBe('Stopped');
    expect(await w3pool('start', 'apppool', 'Second')).toMatch(/APPPOOL "Second" started/);
    expect((await json('list', 'apppools')).find((p) => p.name === 'Second')!.state).toBe('Started');

    expect(await w3pool('stop', 'site', 'Cli')).toMatch(/SITE "Cli" stopped/);
    await eventually(
      async () => ((await get('/pid.test')).status === 503 ? true : undefined),
      '503 from a stopped site',
    );
    expect((await json('start', 'site', '1')).id).toBe(1);
    await eventually(
      async () => ((await get('/pid.test')).status === 200 ? true : undefined),
      '200 once started',
    );
  });

  it('recycles a pool: a new worker process replaces the old one', async () => {
    const before = (await json('list', 'wps', '--pool', 'DefaultAppPool')).map((w) => Number(w.pid));
    expect(before).toHaveLength(1);
    // The acknowledged recycle answers once the new worker runs: its pid is in the answer.
    const text = await w3pool('recycle', 'apppool', 'DefaultAppPool');
    const [, oldPids, newPids] =
      /^APPPOOL "DefaultAppPool" recycled \(old pids \[(\d+)\], new pids \[(\d+)\]\)\n$/.exec(text) ?? [];
    expect(Number(oldPids)).toBe(before[0]);
    expect(Number(newPids)).not.toBe(before[0]);
    expect((await json('list', 'wps', '--pool', 'DefaultAppPool')).map((w) => w.pid)).toContain(
      Number(newPids),
    );
    expect((await get('/pid.test')).body).toBe(newPids);
  });

  it('adds and deletes pools, sites, applications and virtual directories', async () => {
    expect(await w3pool('add', 'apppool', 'Extra', '--queueLength', '70')).toMatch(
      /APPPOOL added: version \d+/,
    );
    expect((await json('list', 'apppools')).find((p) => p.name === 'Extra')?.queueLength).toBe(70);
    const extraPort = String(system.port + 0); // the same listener address, another Host: a second site
    await w3pool(
      'add',
      'site',
      'Extra Site',
      '--id',
      '2',
      '--bindings',
      `http/127.0.0.1:${extraPort}:extra.example`,
      '--physicalPath',
      fixtureSite,
      '--applicationPool',
      'Extra',
    );
    await w3pool(
      'add',
      'app',
      '--site',
      'Extra Site',
      '--path',
      '/shop',
      '--physicalPath',
      fixtureSite,
      '--applicationPool',
      'Extra',
    );
    await w3pool(
      'add',
      'vdir',
      '--site',
      '2',
      '--app',
      '/shop',
      '--path',
      '/images',
      '--physicalPath',
      fixtureSite,
    );
    const site = (await json('config', 'get')).sites as Row[];
    expect(site.find((s) => s.id === 2)).toMatchObject({
      name: 'Extra Site',
      bindings: [{ protocol: 'http', bindingInformation: `127.0.0.1:${extraPort}:extra.example` }],
      applications: [
        { path: '/', applicationPool: 'Extra' },
        {
          path: '/shop',
          virtualDirectories: [{ path: '/' }, { path: '/images', physicalPath: fixtureSite }],
        },
      ],
    });
    // A pool still used by a site is refused by validation, and nothing changes.
    const inUse = await runCli(['delete', 'apppool', 'Extra'], env);
    expect(inUse.code).toBe(1);
    expect(inUse.stderr).toContain('WAS_CONFIG_REJECTED');

    await w3pool('delete', 'vdir', '--site', '2', '--app', '/shop', '--path', '/images');
    await w3pool('delete', 'app', '--site', '2', '--path', '/shop');
    await w3pool('delete', 'site', 'Extra Site');
    expect(await w3pool('delete', 'apppool', 'Extra')).toMatch(/APPPOOL deleted/);
    const after = await json('config', 'get');
    expect((after.sites as Row[]).map((s) => s.id)).toEqual([1]);
    expect((after.applicationPools as Row[]).map((p) => p.name)).toEqual(['DefaultAppPool', 'Second']);
  });

  it('gets, puts, lists and restores configuration versions', async () => {
    const text = await w3pool('config', 'get');
    expect(text).toMatch(/^# ETag: "\d+-\d+"\n/);
    const tree = parse(text) as Row;
    (tree.applicationPools as Row[]).find((p) => p.name === 'Second')!.queueLength = 33;
    const file = join(dir, 'w3pool.yaml');
    await writeFile(file, stringify(tree));
    expect(await w3pool('config', 'put', file)).toMatch(/configuration replaced: version (\d+) \(file\)/);
    const history = await json('config', 'history');
    const [newest, previous] = history as Row[];
    expect(newest).toMatchObject({ origin: 'api', changed: ['applicationPools'] });
    expect(await w3pool('config', 'history')).toMatch(/^VERSION\s+TIME\s+ORIGIN\s+CHANGED\n/);
    expect(await w3pool('config', 'history', 'restore', String(previous!.version))).toMatch(
      new RegExp(`version ${String(previous!.version)} restored`),
    );
    const restored = await json('config', 'get');
    expect((restored.applicationPools as Row[]).find((p) => p.name === 'Second')!.queueLength).toBe(25);
    // A file that is not a configuration: WAS's validation answers, with the pointer.
    await writeFile(file, 'applicationPools: 5\n');
    const bad = await runCli(['config', 'put', file], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^w3pool: WAS_CONFIG_REJECTED: /);
    expect(bad.stderr).toContain('  /applicationPools: Expected array');
  });

  it('lists events and follows the live stream', async () => {
    const listed = await json('events', '--count', '50');
    expect(
      listed.some((e) => e.kind === 'recycle' || e.kind === 'Recycle' || String(e.reason) === 'OnDemand'),
    ).toBe(true);
    expect(await w3pool('events')).toMatch(/^ID\s+EVENT\s+DETAIL\n/);

    const follow = startCli(['--json', 'events', '--follow'], env);
    try {
      // The stream is open once WAS holds it: each change made after that is a line of its own.
      await eventually(async () => {
        await w3pool(
          'set',
          'apppool',
          'Second',
          '--queueLength',
          String(40 + Math.floor(Math.random() * 50)),
        );
        return follow.output().includes('"event"') ? true : undefined;
      }, 'an event line from events --follow');
      const line = JSON.parse(
        follow
          .output()
          .split('\n')
          .find((l) => l.includes('"event"'))!,
      ) as Row;
      expect(line).toHaveProperty('data');
    } finally {
      follow.child.kill('SIGTERM');
      if (follow.child.exitCode === null) await once(follow.child, 'exit');
    }
  });

  it('imports applicationHost.config: a dry run shows the report and YAML, --apply makes it live', async () => {
    const xmlFile = join(dir, 'applicationHost.config');
    await writeFile(xmlFile, importSample(system.port));
    const dry = await w3pool(
      'import',
      xmlFile,
      '--var',
      'SystemDrive=C:',
      '--map',
      `C:\\inetpub\\wwwroot=${fixtureSite}`,
    );
    expect(dry).toMatch(/^The imported configuration validates\./);
    expect(dry).toContain('# dry run');
    expect(dry).toContain('name: Imported');
    expect((await json('list', 'apppools')).map((p) => p.name)).not.toContain('Imported');

    // IIS Express's own file: not valid as it stands (paths it cannot map), and said so.
    const express = await json(
      'import',
      join(repoRoot, 'packages/iis-import/test-fixtures/iisexpress-applicationhost.config'),
    );
    expect(express).toMatchObject({ applied: false });
    expect((express.issues as Row[]).length).toBeGreaterThan(10);

    const applied = await json(
      'import',
      xmlFile,
      '--apply',
      '--var',
      'SystemDrive=C:',
      '--map',
      `C:\\inetpub\\wwwroot=${fixtureSite}`,
    );
    expect(applied).toMatchObject({ applied: true, valid: true, persisted: 'file' });
    expect((await json('list', 'apppools')).map((p) => [p.name, p.queueLength])).toEqual([
      ['Imported', 321],
      ['ImportedApi', 77],
    ]);
    expect((await json('list', 'apps')).map((a) => [a.site, a.path, a.pool])).toEqual([
      ['From IIS', '/', 'Imported'],
      ['From IIS', '/api', 'ImportedApi'],
    ]);
    const tree = await json('config', 'get');
    const vdirs = ((tree.sites as Row[])[0]!.applications as Row[]).map(
      (a) => (a.virtualDirectories as Row[])[0]!.physicalPath,
    );
    expect(vdirs).toEqual([fixtureSite, fixtureSite]);
  });

  it('POST /api/config/import takes the XML as application/xml or text/xml, and wants If-Match to apply', async () => {
    const post = (query: string, body: string, headers: Record<string, string>) =>
      httpRequest(`${system.wasUrl}/api/config/import${query}`, {
        method: 'POST',
        headers: { ...system.adminHeaders(), ...headers },
        body,
      });
    const xml = importSample(system.port);
    for (const type of ['application/xml', 'text/xml; charset=utf-8']) {
      const dry = await post('', xml, { 'content-type': type });
      expect(dry.status).toBe(200);
      const body = JSON.parse(dry.body) as Row;
      expect(body).toMatchObject({ applied: false });
      expect(Object.keys(body)).toEqual(
        expect.arrayContaining(['config', 'issues', 'valid', 'yaml', 'report']),
      );
      // Unmapped Windows paths are reported, element by element, not guessed.
      expect(JSON.stringify(body.issues)).toContain('virtualDirectory');
    }
    const noMatch = await post('?apply=1', xml, { 'content-type': 'application/xml' });
    expect(noMatch.status).toBe(428);
    expect(JSON.parse(noMatch.body)).toMatchObject({ code: 'WAS_CONFIG_PRECONDITION_REQUIRED' });
    const stale = await post('?apply=1', xml, { 'content-type': 'application/xml', 'if-match': '"0-0"' });
    expect(stale.status).toBe(412);
    expect(JSON.parse(stale.body)).toMatchObject({ code: 'WAS_CONFIG_PRECONDITION_FAILED' });
    const anonymous = await httpRequest(`${system.wasUrl}/api/config/import`, {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: xml,
    });
    expect(anonymous.status).toBe(401);
    const broken = await post('', '<configuration><sites>', { 'content-type': 'application/xml' });
    expect(broken.status).toBe(400);
    expect(JSON.parse(broken.body)).toMatchObject({ code: 'CONFIG_IMPORT_XML_INVALID' });
    const noXml = await post('', JSON.stringify({ paths: {} }), { 'content-type': 'application/json' });
    expect(noXml.status).toBe(400);
    expect(JSON.parse(noXml.body)).toMatchObject({ code: 'WAS_BODY_INVALID' });
    // XML is accepted on this route only: the rest of the admin API stays JSON.
    const elsewhere = await httpRequest(`${system.wasUrl}/api/config/apppools`, {
      method: 'POST',
      headers: { ...system.adminHeaders(), 'content-type': 'application/xml' },
      body: '<add name="X" />',
    });
    expect(elsewhere.status).toBe(415);
  });

  it('reports errors on stderr with exit code 1: unknown pool, no token, wrong token, no server', async () => {
    const unknown = await runCli(['recycle', 'apppool', 'NoSuchPool'], env);
    expect(unknown).toMatchObject({ code: 1, stdout: '' });
    expect(unknown.stderr).toMatch(/^w3pool: WAS_POOL_NOT_FOUND: .*NoSuchPool/);

    const noToken = await runCli(['list', 'apppools'], cliEnv(system, { W3POOL_ADMIN_TOKEN: undefined }));
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toMatch(/^w3pool: WAS_TOKEN_MISSING: /);

    const tokenFile = join(dir, 'token');
    await writeFile(tokenFile, 'not-the-token\n');
    const wrong = await runCli(
      ['list', 'apppools'],
      cliEnv(system, { W3POOL_ADMIN_TOKEN: undefined, W3POOL_ADMIN_TOKEN_FILE: tokenFile }),
    );
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^w3pool: WAS_TOKEN_INVALID: /);
    await writeFile(tokenFile, `${system.adminToken}\n`);
    expect(
      await cliOk(
        ['list', 'sites'],
        cliEnv(system, { W3POOL_ADMIN_TOKEN: undefined, W3POOL_ADMIN_TOKEN_FILE: tokenFile }),
      ),
    ).toContain('SITE');

    const nowhere = await runCli(['--url', 'http://127.0.0.1:1', 'list', 'sites'], env);
    expect(nowhere.code).toBe(1);
    expect(nowhere.stderr).toMatch(
      /^w3pool: WAS_CLI_ADMIN_UNREACHABLE: cannot reach the admin API at http:\/\/127.0.0.1:1/,
    );

    const usage = await runCli(['list', 'nothing'], env);
    expect(usage.code).toBe(1);
    expect(usage.stderr).toMatch(/unknown command 'nothing'/);
  });
});
