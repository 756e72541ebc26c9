import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STATIC_FILE_MAPPING } from '@w3pool/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printOutputOnFailure } from '../helpers/failure-output.js';
import { httpRequest } from '../helpers/http-client.js';
import { repoRoot } from '../helpers/service-process.js';
import { eventually, startSystem, type RunningSystem } from '../helpers/system.js';

const probe = join(repoRoot, 'test/fixtures/extensions/sdk-probe.js');
const recorder = join(repoRoot, 'test/fixtures/modules/stage-recorder.js');
const template = join(repoRoot, 'packages/extensions/template/dist/index.js');

// The worker's integrated pipeline and the ISAPI contract of the SDK, through listener → queue → worker:
// handler mapping rules, server variables, ServerSupportFunction equivalents, log data and modules.
describe('the integrated pipeline and the extension SDK', () => {
  let system: RunningSystem;
  printOutputOnFailure(() => system);
  let root: string;
  let sub: string;
  const data = Buffer.from(Array.from({ length: 100 }, (_, i) => i));

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'w3pool-pipeline-'));
    sub = await mkdtemp(join(tmpdir(), 'w3pool-pipeline-sub-'));
    await writeFile(join(root, 'data.bin'), data);
    await writeFile(join(root, 'exists.file'), 'x');
    await mkdir(join(root, 'blocked'));
    system = await startSystem({
      workers: ['Pipe'],
      config: ([port]) => ({
        applicationPools: [{ name: 'Pipe', startMode: 'AlwaysRunning' }],
        sites: [
          {
            name: 'Pipe',
            id: 7,
            bindings: [{ protocol: 'http', bindingInformation: `127.0.0.1:${port}:` }],
            applications: [
              {
                path: '/',
                applicationPool: 'Pipe',
                virtualDirectories: [{ path: '/', physicalPath: root }],
                webServer: { modules: [{ name: 'StageRecorder', type: recorder }] },
              },
              {
                path: '/sub',
                applicationPool: 'Pipe',
                virtualDirectories: [{ path: '/', physicalPath: sub }],
                webServer: {
                  handlers: { list: [{ name: 'SubOnly', path: '*.only', verb: 'GET', type: probe }] },
                },
              },
            ],
          },
        ],
        webServer: {
          handlers: {
            list: [
              { name: 'Hello', path: '*.hello', verb: 'GET,HEAD', type: template },
              { name: 'Probe', path: '*.probe', verb: 'GET,POST', type: probe, allowPathInfo: true },
              { name: 'Bitness32', path: '*.b32', verb: '*', type: probe, preCondition: 'bitness32' },
              { name: 'NeedsWrite', path: '*.write', verb: '*', type: probe, requireAccess: 'Write' },
              { name: 'FileOnly', path: '*.file', verb: '*', type: probe, resourceType: 'File' },
              {
                name: 'ShellCgi',
                path: '*.cgi',
                verb: '*',
                modules: 'CgiModule',
                scriptProcessor: '/bin/sh',
              },
              STATIC_FILE_MAPPING,
            ],
          },
        },
      }),
    });
    await system.worker.waitForLine(/worker process ready/);
  });
  afterAll(async () => {
    await system?.stop();
    await rm(root, { recursive: true, force: true });
    await rm(sub, { recursive: true, force: true });
  });

  const get = (path: string, headers: Record<string, string> = {}) =>
    httpRequest(`${system.baseUrl}${path}`, { headers });

  it('serves the template extension mapped to *.hello, with server variables in its answer', async () => {
    const response = await get('/greet.hello?name=Ann');
    expect(response.status).toBe(200);
    expect(response.body).toContain('Hello, Ann!');
    expect(response.body).toContain('SCRIPT_NAME=/greet.hello');
    expect(response.body).toContain('APP_POOL_ID=Pipe');
    expect(response.body).toContain('APPL_MD_PATH=/LM/W3SVC/7/ROOT\n');
  });

  it('splits SCRIPT_NAME and PATH_INFO for an allowPathInfo mapping and answers the IIS variables', async () => {
    const response = await get('/dir/app.probe/extra/x?do=variables', { 'x-probe': 'yes', 'x-user': 'ann' });
    expect(response.status).toBe(200);
    const v = JSON.parse(response.body) as Record<string, string | null>;
    expect(v).toMatchObject({
      SCRIPT_NAME: '/dir/app.probe',
      PATH_INFO: '/extra/x',
      PATH_TRANSLATED: join(root, 'extra/x'),
      SCRIPT_FILENAME: join(root, 'dir/app.probe'),
      QUERY_STRING: 'do=variables',
      REQUEST_METHOD: 'GET',
      APPL_MD_PATH: '/LM/W3SVC/7/ROOT',
      APPL_PHYSICAL_PATH: `${root}/`,
      APP_POOL_ID: 'Pipe',
      INSTANCE_ID: '7',
      SERVER_NAME: '127.0.0.1',
      SERVER_PORT: String(system.port),
      SERVER_PROTOCOL: 'HTTP/1.1',
      HTTPS: 'off',
      UNENCODED_URL: '/dir/app.probe/extra/x?do=variables',
      HTTP_X_PROBE: 'yes',
      CONTENT_LENGTH: '0',
      // Set by the test module at AuthenticateRequest.
      LOGON_USER: 'ann',
      AUTH_TYPE: 'Test',
      physicalPath: join(root, 'dir/app.probe'),
      mapPathOfSub: join(sub, 'file.txt'),
    });
    expect(v.SERVER_SOFTWARE).toMatch(/^w3pool\//);
  });

  it('answers a client redirect and a custom error through the response', async () => {
    const redirect = await get('/r.probe?do=redirect');
    expect(redirect.status).toBe(307);
    expect(redirect.headers.location).toBe('/elsewhere?x=1');
    const custom = await get('/e.probe?do=customError');
    expect(custom.status).toBe(410);
    expect(custom.body).toContain('HTTP Error 410.7');
  });

  it('transmits a file with ranges, or the slice the handler asks for', async () => {
    const whole = await get('/t.probe?do=transmit');
    expect(whole.status).toBe(200);
    expect(whole.headers['content-length']).toBe('100');
    const ranged = await httpRequest(`${system.baseUrl}/t.probe?do=transmit`, {
      headers: { range: 'bytes=0-9' },
    });
    expect(ranged.status).toBe(206);
    expect(ranged.headers['content-range']).toBe('bytes 0-9/100');
    const slice = await get('/t.probe?do=transmitSlice');
    expect(slice.headers['content-length']).toBe('5');
  });

  it('executes a child URL through the whole pipeline in the same worker, and bounds recursion', async () => {
    const parent = await get('/p.probe?do=exec');
    expect(parent.status).toBe(200);
    expect(parent.headers['x-parent']).toBe('yes');
    expect(parent.body).toBe('child saw GET /child.probe?do=child x-probe=from-parent');
    const loop = await get('/loop.probe?do=execSelf');
    expect(loop.status).toBe(500);
    expect(loop.body).toContain('WORKER_EXEC_URL_TOO_DEEP');
    const other = await get('/o.probe?do=execOther');
    expect(other.status).toBe(403);
    expect(other.body).toContain('403.18');
  });

  it('applies preCondition, requireAccess, resourceType and the ISAPI/CGI restriction list', async () => {
    // bitness32 does not hold here: the mapping is left out and the StaticFile mapping takes the request.
    const skipped = await get('/x.b32');
    expect(skipped.status).toBe(404);
    expect(skipped.headers['x-mapping']).toBe('StaticFile');
    const write = await get('/x.write');
    expect([write.status, write.body.includes('403.3')]).toEqual([403, true]);
    const missing = await get('/missing.file');
    expect([missing.status, missing.body.includes('404.0')]).toEqual([404, true]);
    expect((await get('/exists.file?do=log')).status).toBe(200);
    const restricted = await get('/x.cgi');
    expect([restricted.status, restricted.body.includes('404.2')]).toEqual([404, true]);
  });

  it('notifies modules at each stage in IIS order, lets one finish the request, and lets one answer errors', async () => {
    const response = await get('/s.probe?do=child');
    expect(response.headers['x-stages']).toBe(
      'BeginRequest,AuthenticateRequest,AuthorizeRequest,ResolveRequestCache,MapRequestHandler,AcquireRequestState,PreExecuteRequestHandler,ExecuteRequestHandler',
    );
    expect(response.headers['x-mapping']).toBe('Probe');
    const blocked = await get('/blocked/a.probe');
    expect([blocked.status, blocked.body]).toEqual([403, 'blocked by / module']);
    const custom = await get('/custom-errors/a.probe?do=throw');
    expect([custom.status, custom.body]).toEqual([500, 'custom page for 500.0 WORKER_HANDLER_FAILED']);
    // The worker keeps serving after a handler throws.
    expect((await get('/a.probe?do=child')).status).toBe(200);
  });

  it('prepends an application’s own handler mappings to the server’s', async () => {
    const own = await get('/sub/a.only?do=child');
    expect([own.status, own.body]).toEqual([200, 'child saw GET /sub/a.only?do=child x-probe=undefined']);
    const root = await get('/a.only');
    expect(root.headers['x-mapping']).toBe('StaticFile');
  });

  it('appends the extension’s log data to cs-uri-query, and logs the user as cs-username', async () => {
    await get('/exists.file?do=log', { 'x-user': 'bob' });
    const dir = join(system.dir, 'logs/LogFiles/W3SVC7');
    const line = await eventually(async () => {
      const [name] = await readdir(dir).catch(() => []);
      if (!name) return undefined;
      const text = await readFile(join(dir, name), 'utf8');
      return text.split('\r\n').find((l) => l.includes('/exists.file') && l.includes('bob'));
    }, 'the W3C line of the request with log data');
    expect(line).toContain(' /exists.file do=log|probe|data+with+spaces ');
    expect(line).toContain(' bob ');
  });
});
