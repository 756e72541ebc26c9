import { copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STATIC_FILE_MAPPING } from '@w3pool/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printOutputOnFailure } from '../helpers/failure-output.js';
import { httpRequest, type SimpleResponse } from '../helpers/http-client.js';
import { repoRoot } from '../helpers/service-process.js';
import { eventually, startSystem, type RunningSystem } from '../helpers/system.js';

const probe = join(repoRoot, 'test/fixtures/extensions/sdk-probe.js');
const fixtures = join(repoRoot, 'test/fixtures/security');

// bcrypt hashes (cost 4, to keep the suite fast) of `alice-pw`, `bob-pw`, `dave-pw` and, for the rotated
// users file, `carol-new-pw`; made with the command in docs/security-modules.md. users.json holds carol's
// `carol-pw`.
const ALICE = '$2b$04$UN8FPB3EU1.crSe4JLCXr.l5En32Tds63C7NSW1eLBiJd4J4W7uC6';
const BOB = '$2b$04$Pdv5cxQLUSJUB4nEp/Xhsu3nDhhClUF31.NKFhkB6FjJSTIxOBdGO';
const DAVE = '$2b$04$3hln0yNQK0Vx.PDvPKXA1uWxxW0CVh1QjGr6kdDXUl.gndKe1sxxK';
const CAROL_ROTATED = '$2b$04$nnA2EbYlAXUfSRLWpVx6CeDSPVt/nAwl.KQLicEEd4pQ3QZCltGAm';

const basic = (name: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${name}:${password}`).toString('base64')}`,
});

// The built-in security and request modules through listener → queue → worker pipeline: Basic and anonymous
// authentication, URL authorization, custom headers, HTTP redirection and the request filtering the worker
// applies for an application, each configured per application with IIS's names.
describe('the security and request modules', () => {
  let system: RunningSystem;
  printOutputOnFailure(() => system);
  let content: string;
  let usersFile: string;

  beforeAll(async () => {
    content = await mkdtemp(join(tmpdir(), 'w3pool-security-'));
    await mkdir(join(content, 'drafts'));
    await mkdir(join(content, 'new'));
    await writeFile(join(content, 'index.html'), '<h1>home</h1>');
    await writeFile(join(content, 'a.txt'), 'a');
    await writeFile(join(content, 'drafts/a.txt'), 'draft');
    await writeFile(join(content, 'new/page.htm'), 'new page');
    // Outside every application's root: a change to a .json file there would restart that application.
    const secrets = await mkdtemp(join(tmpdir(), 'w3pool-security-users-'));
    usersFile = join(secrets, 'users.json');
    await copyFile(join(fixtures, 'users.json'), usersFile);

    const app = (path: string, webServer?: Record<string, unknown>) => ({
      path,
      applicationPool: 'Sec',
      virtualDirectories: [{ path: '/', physicalPath: content }],
      ...(webServer ? { webServer } : {}),
    });
    const redirect = (path: string, httpRedirect: Record<string, unknown>) =>
      app(path, { httpRedirect: { enabled: true, ...httpRedirect } });
    system = await startSystem({
      workers: ['Sec'],
      config: ([port]) => ({
        applicationPools: [{ name: 'Sec', startMode: 'AlwaysRunning' }],
        webServer: {
          handlers: {
            list: [{ name: 'Probe', path: '*.probe', verb: '*', type: probe }, STATIC_FILE_MAPPING],
          },
          httpProtocol: {
            customHeaders: [
              { name: 'X-Powered-By', value: 'w3pool' },
              { name: 'X-Frame-Options', value: 'SAMEORIGIN' },
            ],
          },
          security: {
            authentication: {
              basicAuthentication: {
                realm: 'w3pool tests',
                users: [
                  { name: 'alice', passwordHash: ALICE, roles: ['editors'] },
                  { name: 'bob', passwordHash: BOB, roles: ['guests'] },
                  { name: 'dave', passwordHash: DAVE },
                ],
                usersFile,
              },
            },
          },
        },
        sites: [
          {
            name: 'Secure',
            id: 9,
            bindings: [{ protocol: 'http', bindingInformation: `127.0.0.1:${port}:` }],
            applications: [
              app('/'),
              app('/basic', {
                security: {
                  authentication: {
                    basicAuthentication: { enabled: true },
                    anonymousAuthentication: { enabled: false },
                  },
                },
              }),
              app('/authz', {
                security: {
                  authentication: { basicAuthentication: { enabled: true } },
                  authorization: {
                    rules: [
                      { remove: { users: '*' } },
                      { accessType: 'Allow', users: 'alice' },
                      { accessType: 'Allow', users: '*', verbs: 'GET,HEAD' },
                      { accessType: 'Deny', roles: 'guests' },
                    ],
                  },
                },
              }),
              app('/strict', {
                httpProtocol: {
                  customHeaders: [{ remove: 'X-Powered-By' }, { name: 'X-App', value: 'strict' }],
                  redirectHeaders: [{ name: 'X-Redirect-Reason', value: 'moved' }],
                },
                requestFiltering: {
                  hiddenSegments: ['drafts'],
                  verbs: { list: [{ verb: 'DELETE', allowed: false }] },
                  denyQueryStringSequences: ['<script'],
                  requestLimits: { headerLimits: [{ header: 'X-Token', sizeLimit: 8 }] },
                  filteringRules: [
                    { name: 'NoScanners', scanHeaders: ['User-Agent'], denyStrings: ['sqlmap'] },
                  ],
                },
              }),
              redirect('/moved', { destination: 'https://new.example.com/' }),
              redirect('/exact', {
                destination: 'https://new.example.com/landing$S$Q',
                exactDestination: true,
                httpResponseStatus: 'Permanent',
              }),
              redirect('/child', {
                destination: '/child/new',
                childOnly: true,
                httpResponseStatus: 'Temporary',
              }),
              redirect('/perm', {
                destination: '/',
                exactDestination: true,
                httpResponseStatus: 'PermRedirect',
              }),
            ],
          },
        ],
      }),
    });
    // Eight applications, each an application domain of its own: give a loaded machine time to start them.
    await system.worker.waitForLine(/worker process ready/, 60_000);
  });
  afterAll(async () => {
    await system?.stop();
    await rm(content, { recursive: true, force: true });
    await rm(join(usersFile, '..'), { recursive: true, force: true });
  });

  const send = (path: string, options: { method?: string; headers?: Record<string, string> } = {}) =>
    httpRequest(`${system.baseUrl}${path}`, options);
  const variables = (response: SimpleResponse) => JSON.parse(response.body) as Record<string, string | null>;

  describe('Basic authentication, anonymous disabled', () => {
    it('logs a user on with the right password: the handler sees LOGON_USER and AUTH_TYPE', async () => {
      const response = await send('/basic/v.probe?do=variables', { headers: basic('alice', 'alice-pw') });
      expect(response.status).toBe(200);
      expect(variables(response)).toMatchObject({ LOGON_USER: 'alice', AUTH_TYPE: 'Basic' });
    });

    it('answers 401.1 with the challenge for a wrong password or an unknown user', async () => {
      for (const headers of [
        basic('alice', 'wrong'),
        basic('mallory', 'alice-pw'),
        { authorization: 'Basic %%%' },
      ]) {
        const response = await send('/basic/v.probe', { headers });
        expect(response.status).toBe(401);
        expect(response.body).toContain('HTTP Error 401.1 - Unauthorized');
        expect(response.headers['www-authenticate']).toBe('Basic realm="w3pool tests"');
      }
    });

    it('answers 401.2 with the challenge to a request without credentials', async () => {
      const requests: Record<string, string>[] = [{}, { authorization: 'Bearer abc' }];
      for (const headers of requests) {
        const response = await send('/basic/index.html', { headers });
        expect(response.status).toBe(401);
        expect(response.body).toContain('HTTP Error 401.2 - Unauthorized');
        expect(response.headers['www-authenticate']).toBe('Basic realm="w3pool tests"');
      }
    });

    it('logs the user as cs-username in the W3C log', async () => {
      await send('/basic/logged.probe?do=log', { headers: basic('bob', 'bob-pw') });
      const dir = join(system.dir, 'logs/LogFiles/W3SVC9');
      const line = await eventually(async () => {
        const [name] = await readdir(dir).catch(() => []);
        if (!name) return undefined;
        const text = await readFile(join(dir, name), 'utf8');
        return text.split('\r\n').find((l) => l.includes('/basic/logged.probe'));
      }, 'the W3C line of the logged-on request');
      expect(line).toContain(' bob ');
      expect(line).toMatch(/ 200 0 /);
    });

    it('reads the users of usersFile, and again when the file changes', async () => {
      expect((await send('/basic/v.probe', { headers: basic('carol', 'carol-pw') })).status).toBe(200);
      await writeFile(`${usersFile}.new`, JSON.stringify([{ name: 'carol', passwordHash: CAROL_ROTATED }]));
      await rename(`${usersFile}.new`, usersFile);
      await eventually(
        async () =>
          (await send('/basic/v.probe', { headers: basic('carol', 'carol-new-pw') })).status === 200
            ? true
            : undefined,
        'the rotated password to be accepted',
      );
      expect((await send('/basic/v.probe', { headers: basic('carol', 'carol-pw') })).status).toBe(401);
    });
  });

  describe('URL authorization', () => {
    it('lets the anonymous user GET but asks it to log on (401.2 and the challenge) to POST', async () => {
      expect((await send('/authz/v.probe?do=variables')).status).toBe(200);
      const post = await send('/authz/v.probe?do=variables', { method: 'POST' });
      expect(post.status).toBe(401);
      expect(post.body).toContain('HTTP Error 401.2');
      expect(post.body).toContain('WORKER_URL_AUTHORIZATION_LOGON_REQUIRED');
      expect(post.headers['www-authenticate']).toBe('Basic realm="w3pool tests"');
    });

    it('allows a user a verb the others are refused, and refuses a denied role with 403', async () => {
      const alice = await send('/authz/v.probe?do=variables', {
        method: 'POST',
        headers: basic('alice', 'alice-pw'),
      });
      expect([alice.status, variables(alice).LOGON_USER]).toEqual([200, 'alice']);
      // dave has no role: no rule allows him to POST, though he may GET.
      const refused = await send('/authz/v.probe', { method: 'POST', headers: basic('dave', 'dave-pw') });
      expect(refused.status).toBe(403);
      expect(refused.body).toContain('HTTP Error 403.0 - Forbidden');
      expect(refused.headers['www-authenticate']).toBeUndefined();
      expect((await send('/authz/v.probe', { headers: basic('dave', 'dave-pw') })).status).toBe(200);
      const bob = await send('/authz/v.probe', { headers: basic('bob', 'bob-pw') });
      expect(bob.status).toBe(403);
      expect(bob.body).toContain('WORKER_URL_AUTHORIZATION_DENIED');
    });
  });

  describe('custom headers', () => {
    it('adds the server’s customHeaders to every response, an application’s own after them', async () => {
      const root = await send('/index.html');
      expect([root.headers['x-powered-by'], root.headers['x-frame-options'], root.headers['x-app']]).toEqual([
        'w3pool',
        'SAMEORIGIN',
        undefined,
      ]);
      const strict = await send('/strict/a.txt');
      expect(strict.status).toBe(200);
      expect([
        strict.headers['x-powered-by'],
        strict.headers['x-frame-options'],
        strict.headers['x-app'],
      ]).toEqual([undefined, 'SAMEORIGIN', 'strict']);
      expect(strict.headers['x-redirect-reason']).toBeUndefined();
    });

    it('adds redirectHeaders to redirects only, and customHeaders to error responses too', async () => {
      const redirect = await send('/strict/r.probe?do=redirect');
      expect([redirect.status, redirect.headers['x-redirect-reason'], redirect.headers['x-app']]).toEqual([
        307,
        'moved',
        'strict',
      ]);
      const refused = await send('/strict/drafts/a.txt');
      expect([refused.status, refused.headers['x-app'], refused.headers['x-redirect-reason']]).toEqual([
        404,
        'strict',
        undefined,
      ]);
    });
  });

  describe('HTTP redirection', () => {
    it('appends the rest of the path to the destination with 302 Found', async () => {
      const response = await send('/moved/a/b.htm?x=1');
      expect(response.status).toBe(302);
      expect(response.headers.location).toBe('https://new.example.com/a/b.htm');
      expect(response.body).toContain('Object Moved');
      expect(response.headers['x-powered-by']).toBe('w3pool');
    });

    it('sends every request to an exact destination with $S and $Q replaced, 301 Permanent', async () => {
      const response = await send('/exact/a/b.htm?x=1');
      expect(response.status).toBe(301);
      expect(response.headers.location).toBe('https://new.example.com/landing/a/b.htm?x=1');
    });

    it('with childOnly redirects content of the directory (307 Temporary) and serves its subdirectories', async () => {
      const response = await send('/child/page.htm');
      expect(response.status).toBe(307);
      expect(response.headers.location).toBe('/child/new/page.htm');
      const served = await send('/child/new/page.htm');
      expect([served.status, served.body]).toEqual([200, 'new page']);
    });

    it('answers 308 for PermRedirect', async () => {
      const response = await send('/perm/anything', { method: 'POST' });
      expect([response.status, response.headers.location]).toEqual([308, '/']);
    });
  });

  describe('request filtering per application', () => {
    it('hides a segment in the application that sets it, not in the others', async () => {
      const refused = await send('/strict/drafts/a.txt');
      expect(refused.status).toBe(404);
      expect(refused.body).toContain('HTTP Error 404.8');
      expect(refused.body).toContain('WORKER_FILTER_HIDDEN_SEGMENT');
      expect((await send('/drafts/a.txt')).status).toBe(200);
    });

    it('refuses a denied verb (404.6), a denied query sequence (404.18) and a long header (404.10)', async () => {
      expect((await send('/strict/a.txt', { method: 'DELETE' })).body).toContain('HTTP Error 404.6');
      const query = await send('/strict/a.txt?q=%3CScript%3Ealert(1)');
      expect([query.status, query.body.includes('HTTP Error 404.18')]).toEqual([404, true]);
      const header = await send('/strict/a.txt', { headers: { 'x-token': '123456789' } });
      expect([header.status, header.body.includes('HTTP Error 404.10')]).toEqual([404, true]);
      expect((await send('/strict/a.txt', { headers: { 'x-token': '12345678' } })).status).toBe(200);
    });

    it('applies a filtering rule (404.19) and marks the responses it let through with Vary', async () => {
      const scanner = { 'user-agent': 'sqlmap/1.7' };
      const refused = await send('/strict/a.txt', { headers: scanner });
      expect([refused.status, refused.body.includes('HTTP Error 404.19')]).toEqual([404, true]);
      expect((await send('/a.txt', { headers: scanner })).status).toBe(200);
      const passed = await send('/strict/a.txt', { headers: { 'user-agent': 'curl/8' } });
      expect([passed.status, passed.headers.vary]).toEqual([200, 'x-token, user-agent']);
    });

    it('logs the substatus of a refusal in the W3C log and keeps serving', async () => {
      await send('/strict/drafts/logged.txt');
      const dir = join(system.dir, 'logs/LogFiles/W3SVC9');
      const line = await eventually(async () => {
        const [name] = await readdir(dir).catch(() => []);
        if (!name) return undefined;
        const text = await readFile(join(dir, name), 'utf8');
        return text.split('\r\n').find((l) => l.includes('/strict/drafts/logged.txt'));
      }, 'the W3C line of the refused request');
      expect(line).toMatch(/ 404 8 /);
      expect((await send('/strict/a.txt')).status).toBe(200);
    });
  });
});
