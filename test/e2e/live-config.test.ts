import { chmod, readFile, readdir } from 'node:fs/promises';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printOutputOnFailure } from '../helpers/failure-output.js';
import { httpRequest, type SimpleResponse } from '../helpers/http-client.js';
import { startNode, type ServiceProcess } from '../helpers/service-process.js';
import { eventually, fixtureSite, startSystem, type RunningSystem } from '../helpers/system.js';

type Tree = Record<string, unknown>;

/** The configuration as a user writes it: relative log directory, absolute content path. */
const configFor = (port: number) => ({
  applicationPools: [{ name: 'DefaultAppPool', queueLength: 1000 }],
  sites: [
    {
      name: 'Live',
      id: 1,
      bindings: [{ protocol: 'http', bindingInformation: `127.0.0.1:${port}:` }],
      logFile: { directory: 'logs/LogFiles' },
      applications: [
        {
          path: '/',
          applicationPool: 'DefaultAppPool',
          virtualDirectories: [{ path: '/', physicalPath: fixtureSite }],
        },
      ],
    },
  ],
});

/** Admin API calls as a client makes them: bearer token, JSON in and out. */
function adminClient(system: () => RunningSystem) {
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await httpRequest(`${system().wasUrl}${path}`, {
      method,
      headers: {
        ...system().adminHeaders(),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { ...res, json: res.body ? (JSON.parse(res.body) as Tree) : undefined };
  };
  const read = async () => {
    const res = await call('GET', '/api/config');
    expect(res.status).toBe(200);
    return { tree: res.json!, etag: res.headers.etag as string, text: res.body };
  };
  return { call, read };
}

const etagOf = (res: SimpleResponse) => res.headers.etag as string;

describe('live configuration through the admin API', () => {
  let system: RunningSystem;
  printOutputOnFailure(() => system);
  const { call, read } = adminClient(() => system);
  beforeAll(async () => {
    system = await startSystem({ portCount: 2, config: ([port]) => configFor(port!) });
  });
  afterAll(async () => {
    await system?.stop();
  });
  const fileTree = async () => parse(await readFile(system.configFile, 'utf8')) as Tree;

  it('GET gives the tree as written (relative paths unresolved) with the version as ETag', async () => {
    const { tree, etag } = await read();
    expect(etag).toMatch(/^"\d+-1"$/);
    expect(tree).toEqual(configFor(system.port));
  });

  it('PUT of the whole tree needs If-Match (428); a stale one is 412 and nothing changes', async () => {
    const before = await read();
    const changed = { ...before.tree, applicationPools: [{ name: 'DefaultAppPool', queueLength: 5 }] };
    const missing = await call('PUT', '/api/config', changed);
    expect([missing.status, missing.json?.code]).toEqual([428, 'WAS_CONFIG_PRECONDITION_REQUIRED']);
    const stale = await call('PUT', '/api/config', changed, { 'if-match': '"1-999"' });
    expect([stale.status, stale.json?.code]).toEqual([412, 'WAS_CONFIG_PRECONDITION_FAILED']);
    const after = await read();
    expect([after.etag, after.text]).toEqual([before.etag, before.text]);
    expect(await fileTree()).toEqual(before.tree);
  });

  it('an invalid write is 400 with the JSON pointer and reason, and changes nothing', async () => {
    const before = await read();
    const bad = { ...before.tree, applicationPools: [{ name: 'DefaultAppPool', queueLength: -3 }] };
    const res = await call('PUT', '/api/config', bad, { 'if-match': before.etag });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({
      code: 'WAS_CONFIG_REJECTED',
      issues: [{ pointer: '/applicationPools/0/queueLength', reason: expect.stringContaining('-3') }],
    });
    // Not an object at all: refused by the body's schema, with the admin API's common code.
    const notObject = await call('PUT', '/api/config', [1], { 'if-match': before.etag });
    expect([notObject.status, notObject.json?.code]).toEqual([400, 'WAS_BODY_INVALID']);
    const unknownPool = await call('POST', '/api/config/sites/1/applications', {
      path: '/x',
      applicationPool: 'Nope',
      virtualDirectories: [{ path: '/', physicalPath: fixtureSite }],
    });
    expect(unknownPool.status).toBe(400);
    expect(JSON.stringify(unknownPool.json)).toContain('/sites/0/applications/1/applicationPool');
    const after = await read();
    expect([after.etag, after.text]).toEqual([before.etag, before.text]);
    const health = await call('GET', '/healthz');
    expect(health.json?.configVersion).toBe(1);
  });

  it('PUT with the right If-Match is applied live (a new binding answers), written back with a backup', async () => {
    const second = `http://127.0.0.1:${system.ports[1]}/index.html`;
    await expect(httpRequest(second)).rejects.toThrow(/ECONNREFUSED/);
    const before = await read();
    const site = (before.tree.sites as Tree[])[0]!;
    const bindings = [
      ...(site.bindings as Tree[]),
      { protocol: 'http', bindingInformation: `127.0.0.1:${system.ports[1]}:` },
    ];
    const next = { ...before.tree, sites: [{ ...site, bindings }] };
    const res = await call('PUT', '/api/config', next, { 'if-match': before.etag });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ version: 2, persisted: 'file' });
    expect(etagOf(res)).toBe(res.json!.etag);
    // The listener re-binds from the published version, as after a SIGHUP.
    const served = await eventually(async () => {
      const page = await httpRequest(second).catch(() => undefined);
      return page?.status === 200 ? page : undefined;
    }, 'the listener on the new binding');
    expect(served.body).toContain('<');
    // On disk: the change, the relative log directory as written, and the previous file as a backup.
    const onDisk = await fileTree();
    expect(onDisk).toEqual(next);
    expect(((onDisk.sites as Tree[])[0]!.logFile as Tree).directory).toBe('logs/LogFiles');
    const backups = (await readdir(system.dir)).filter((name) => name.endsWith('.bak'));
    expect(backups).toHaveLength(1);
    expect(parse(await readFile(`${system.dir}/${backups[0]}`, 'utf8'))).toEqual(before.tree);
  });

  it('creates, reads, patches and deletes an application pool and a site application', async () => {
    const created = await call('POST', '/api/config/apppools', { name: 'Api', queueLength: 50 });
    expect([created.status, created.json?.persisted]).toEqual([201, 'file']);
    const again = await call('POST', '/api/config/apppools', { name: 'Api' });
    expect([again.status, again.json?.code]).toEqual([409, 'WAS_CONFIG_ITEM_EXISTS']);
    const patched = await call(
      'PATCH',
      '/api/config/apppools/Api',
      { queueLength: 60 },
      { 'if-match': etagOf(created) },
    );
    expect(patched.status).toBe(200);
    expect((await call('GET', '/api/config/apppools/Api')).json).toEqual({ name: 'Api', queueLength: 60 });
    // Live: WAS's runtime view lists the new pool with its queue bound.
    const pools = await call('GET', '/api/apppools');
    expect(JSON.stringify(pools.json)).toContain('"Api"');

    const two = await call('POST', '/api/config/sites/1/applications', {
      path: '/two',
      applicationPool: 'DefaultAppPool',
      virtualDirectories: [{ path: '/', physicalPath: fixtureSite }],
    });
    expect(two.status).toBe(201);
    await eventually(async () => {
      const page = await httpRequest(`${system.baseUrl}/two/range.txt`);
      return page.status === 200 ? true : undefined;
    }, '/two served');
    const app = await call('GET', `/api/config/sites/1/applications/${encodeURIComponent('/two')}`);
    expect(app.json).toMatchObject({ path: '/two', applicationPool: 'DefaultAppPool' });
    const vdirs = await call('GET', '/api/config/sites/1/applications/%2Ftwo/virtualDirectories');
    expect(vdirs.json).toEqual([{ path: '/', physicalPath: fixtureSite }]);

    expect((await call('DELETE', '/api/config/sites/1/applications/%2Ftwo')).status).toBe(200);
    expect((await call('DELETE', '/api/config/apppools/Api')).status).toBe(200);
    const gone = await call('GET', '/api/config/apppools/Api');
    expect([gone.status, gone.json?.code]).toEqual([404, 'WAS_CONFIG_ITEM_NOT_FOUND']);
    // An application still names it: deleting the last pool's reference target is refused with a pointer.
    const inUse = await call('DELETE', '/api/config/apppools/DefaultAppPool');
    expect(inUse.status).toBe(400);
  });

  it('lists the versions in the history, and restores one as a new version', async () => {
    const history = await call('GET', '/api/config/history');
    const versions = history.json!.versions as { version: number; origin: string; changed: string[] }[];
    expect(versions[0]!.version).toBeGreaterThan(versions.at(-1)!.version);
    expect(versions.at(-1)).toMatchObject({ version: 1, origin: 'file' });
    expect(versions.find((v) => v.version === 2)).toMatchObject({ origin: 'api', changed: ['sites'] });

    const restored = await call('POST', '/api/config/history/1/restore');
    expect(restored.status).toBe(200);
    expect(restored.json).toMatchObject({ persisted: 'file' });
    const now = await read();
    expect(now.tree).toEqual(configFor(system.port));
    expect(now.etag).toBe(etagOf(restored));
    expect((await call('GET', '/api/config/history')).json!.versions).toContainEqual(
      expect.objectContaining({ origin: 'restore', version: restored.json!.version }),
    );
    const missing = await call('POST', '/api/config/history/9999/restore');
    expect([missing.status, missing.json?.code]).toEqual([404, 'WAS_CONFIG_VERSION_NOT_FOUND']);
  });

  it('of two writers holding the same ETag, one wins and the other gets 412', async () => {
    const { etag } = await read();
    const write = (queueLength: number) =>
      call('PATCH', '/api/config/apppools/DefaultAppPool', { queueLength }, { 'if-match': etag });
    const answers = await Promise.all([write(500), write(600)]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 412]);
    const winner = answers.find((a) => a.status === 200)!;
    expect((await read()).etag).toBe(etagOf(winner));
  });

  it('records a SIGHUP reload of the file in the history too', async () => {
    const before = await read();
    process.kill(system.was.pid, 'SIGHUP');
    const entry = await eventually(async () => {
      const { versions } = (await call('GET', '/api/config/history')).json as {
        versions: { origin: string; changed: string[] }[];
      };
      return versions[0]?.origin === 'sighup' ? versions[0] : undefined;
    }, 'the SIGHUP version in the history');
    expect(entry.changed).toEqual([]); // the file holds what the API wrote: nothing differs
    expect((await read()).tree).toEqual(before.tree);
  });

  // Typically 6 s alone; the bound leaves room for a loaded CI machine running two suites at once.
  it(
    'fuzzed invalid writes (wrong types at random pointers, over every route) change nothing',
    { timeout: 120_000 },
    async () => {
      const FUZZ = 1000;
      let seed = 20261121;
      const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
      const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)]!;
      // A value of another JSON type than the one it replaces: never valid where the schema wants a type.
      const wrongFor = (value: unknown): unknown => {
        // Not []: validateConfig takes an empty array for a section of defaults (such as logFile) as that section.
        const candidates: unknown[] = [-1.5, 'not-a-value', true, [1], { unknown: 1 }];
        const kind = Array.isArray(value) ? 'array' : typeof value;
        return pick(candidates.filter((c) => (Array.isArray(c) ? 'array' : typeof c) !== kind));
      };
      const pointers = (node: unknown, path: string[] = []): string[][] =>
        typeof node === 'object' && node !== null
          ? [path, ...Object.entries(node).flatMap(([k, v]) => pointers(v, [...path, k]))]
          : [path];
      const setAt = (tree: unknown, path: string[], value: unknown): unknown => {
        if (path.length === 0) return value;
        const copy = structuredClone(tree) as Record<string, unknown>;
        let node = copy;
        for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
        node[path.at(-1)!] = value;
        return copy;
      };
      const before = await read();
      const paths = pointers(before.tree).filter((p) => p.length > 0);
      const fileBefore = await readFile(system.configFile, 'utf8');
      const started = Date.now();
      const answers = new Map<number, number>();
      for (let i = 0; i < FUZZ; i += 1) {
        const path = pick(paths);
        const target = path.reduce<unknown>((node, key) => (node as Tree)[key], before.tree);
        const route = pick(['put', 'put', 'pool', 'app', 'binding']);
        const res =
          route === 'put'
            ? await call('PUT', '/api/config', setAt(before.tree, path, wrongFor(target)), {
                'if-match': before.etag,
              })
            : route === 'pool'
              ? await call('PATCH', '/api/config/apppools/DefaultAppPool', { queueLength: wrongFor(1) })
              : route === 'app'
                ? await call('POST', '/api/config/sites/1/applications', { path: wrongFor('/a') })
                : await call('POST', '/api/config/sites/1/bindings', {
                    bindingInformation: wrongFor('*:1:'),
                  });
        answers.set(res.status, (answers.get(res.status) ?? 0) + 1);
        expect(res.status, `${route} ${path.join('/')}: ${res.body}`).toBe(400);
      }
      const after = await read();
      expect([after.etag, after.text]).toEqual([before.etag, before.text]);
      expect(await readFile(system.configFile, 'utf8')).toBe(fileBefore);
      process.stdout.write(
        `live-config fuzz: ${FUZZ} writes in ${Date.now() - started} ms, ${JSON.stringify([...answers])}\n`,
      );
    },
  );
});

describe('live configuration with a read-only configuration file', () => {
  let system: RunningSystem;
  let was: ServiceProcess | undefined;
  printOutputOnFailure(() => system);
  const { call, read } = adminClient(() => system);
  beforeAll(async () => {
    system = await startSystem({ config: ([port]) => configFor(port!) });
  });
  afterAll(async () => {
    await was?.stop('SIGKILL');
    await system?.stop();
  });

  it('keeps an accepted change in Redis, and a restarted WAS reads it back', async () => {
    await chmod(system.configFile, 0o444);
    const fileBefore = await readFile(system.configFile, 'utf8');
    const res = await call('POST', '/api/config/apppools', { name: 'Api', queueLength: 70 });
    expect([res.status, res.json?.persisted], res.body).toEqual([201, 'redis']);
    expect(await readFile(system.configFile, 'utf8')).toBe(fileBefore);

    // A new WAS on the same Redis: the saved tree is newer than the file, so it wins.
    await system.was.stop();
    was = startNode('was', ['services/was/dist/main.js', '--config', system.configFile], system.env);
    system.was = was; // for printOutputOnFailure; afterAll stops it
    await was.waitForLine(/WAS ready/);
    const { tree } = await read();
    expect(tree.applicationPools).toEqual([
      { name: 'DefaultAppPool', queueLength: 1000 },
      { name: 'Api', queueLength: 70 },
    ]);
  });
});
