import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { effectiveWebServer, parseConfig } from '@w3pool/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importApplicationHost } from './import-application-host.js';
import { issueLines, validated } from './import.test-helper.js';
import { toYaml } from './report.js';

const fixture = (url: URL) => readFileSync(url, 'utf8');

// IIS Express's own applicationhost.config, as shipped (a copy of shared/fixtures/iis/, kept in the
// repository so that a clean clone tests it wherever it is checked out).
const IIS_EXPRESS = new URL('../test-fixtures/iisexpress-applicationhost.config', import.meta.url);
const FULL_IIS = new URL('../test-fixtures/full-iis.applicationHost.config', import.meta.url);

const fullIisPaths = {
  vars: { SystemDrive: 'C:' },
  prefixes: [
    { from: 'C:\\inetpub', to: '/srv/inetpub' },
    { from: 'C:\\PHP\\php-cgi.exe', to: '/usr/bin/php-cgi' },
    { from: 'D:\\', to: '/srv/d' },
  ],
};

describe('IIS Express applicationhost.config', () => {
  const paths = {
    vars: { IIS_SITES_HOME: '/srv/sites', IIS_USER_HOME: '/var/lib/w3pool', IIS_BIN: '/opt/iisexpress' },
    prefixes: [{ from: 'F:\\drive\\coding', to: '/srv/code' }],
  };

  it('imports into a configuration that validates, with its sites, pools and server settings', () => {
    const result = importApplicationHost(fixture(IIS_EXPRESS), { paths, baseDir: '/tmp' });
    const config = validated(result);
    expect(
      config.applicationPools.map((p) => [p.name, p.managedRuntimeVersion, p.managedPipelineMode]),
    ).toEqual([
      ['Clr4IntegratedAppPool', 'v4.0', 'Integrated'],
      ['Clr4ClassicAppPool', 'v4.0', 'Classic'],
      ['Clr2IntegratedAppPool', 'v2.0', 'Integrated'],
      ['Clr2ClassicAppPool', 'v2.0', 'Classic'],
      ['UnmanagedClassicAppPool', '', 'Classic'],
    ]);
    expect(
      config.sites.map((s) => ({ name: s.name, id: s.id, bindings: s.bindings, apps: s.applications })),
    ).toEqual([
      {
        name: 'WebSite1',
        id: 1,
        bindings: [{ protocol: 'http', bindingInformation: ':8080:localhost', sslFlags: 0 }],
        apps: [
          {
            path: '/',
            applicationPool: 'Clr4IntegratedAppPool',
            enabledProtocols: 'http',
            preloadEnabled: false,
            virtualDirectories: [{ path: '/', physicalPath: '/srv/sites/WebSite1' }],
          },
        ],
      },
      {
        name: 'Tasklist',
        id: 2,
        bindings: [{ protocol: 'http', bindingInformation: '*:52321:localhost', sslFlags: 0 }],
        apps: [
          {
            path: '/',
            applicationPool: 'Clr4IntegratedAppPool',
            enabledProtocols: 'http',
            preloadEnabled: false,
            virtualDirectories: [
              { path: '/', physicalPath: '/srv/code/work/TotalObjects/Tasklist/Tasklist' },
            ],
          },
        ],
      },
    ]);
    expect(config.sites[0]?.logFile.directory).toBe('/var/lib/w3pool/Logs');
    const { webServer } = config;
    expect(webServer.handlers.list.map((h) => h.name)).toEqual(['CGI-exe', 'StaticFile']);
    expect(webServer.modules.map((m) => m.name)).toEqual([
      'BasicAuthenticationModule',
      'DynamicCompressionModule',
      'StaticCompressionModule',
      'CustomHeaderModule',
      'HttpRedirectionModule',
      'AnonymousAuthenticationModule',
      'UrlAuthorizationModule',
      'RequestFilteringModule',
      'CustomErrorModule',
    ]);
    expect(webServer.httpProtocol.customHeaders).toEqual([
      { clear: true },
      { name: 'X-Powered-By', value: 'ASP.NET' },
    ]);
    expect(webServer.httpErrors.errors[0]).toEqual({
      statusCode: 401,
      subStatusCode: -1,
      path: '401.htm',
      responseMode: 'File',
      prefixLanguageFilePath: '/opt/iisexpress/custerr',
    });
    expect(webServer.staticContent.mimeMap.length).toBeGreaterThan(300);
    expect(webServer.security.isapiCgiRestriction).toMatchObject({
      notListedIsapisAllowed: true,
      notListedCgisAllowed: true,
      list: [],
    });
    expect(webServer.httpCompression.schemes.map((s) => s.name)).toEqual(['gzip']);
  });

  it('reports what it leaves out, element by element, and never an unmapped path it was given a rule for', () => {
    const result = importApplicationHost(fixture(IIS_EXPRESS), { paths, baseDir: '/tmp' });
    const lines = issueLines(result);
    expect(lines).toContain(
      'info /configuration/system.webServer/security/authentication/windowsAuthentication: Windows authentication (Negotiate, NTLM, Kerberos) needs Windows accounts: w3pool does not have it; it is disabled here, so nothing changes',
    );
    expect(lines).toContain(
      'warning /configuration/system.webServer/isapiFilters: ISAPI filters are native DLLs: w3pool loads no DLLs',
    );
    expect(lines).toContain(
      "warning /configuration/location/system.webServer/handlers/add[@name='PageHandlerFactory-Integrated-4.0']: a managed (ASP.NET) handler, System.Web.UI.PageHandlerFactory: w3pool has no CLR (a handler of your own is an ES module in `type`); left out",
    );
    expect(lines).toContain(
      "warning /configuration/location/system.webServer/modules/add[@name='HttpLoggingModule']: native module HttpLoggingModule has no w3pool equivalent; left out",
    );
    expect(lines.filter((l) => l.includes('no path rule'))).toEqual([]);
    expect(result.issues.every((i) => i.line > 0)).toBe(true);
  });

  it('gives YAML that w3pool loads', () => {
    const result = importApplicationHost(fixture(IIS_EXPRESS), { paths, baseDir: '/tmp' });
    const config = parseConfig(toYaml(result.config), { source: 'imported.yaml', baseDir: '/tmp' });
    expect(config.sites.map((s) => s.name)).toEqual(['WebSite1', 'Tasklist']);
  });
});

/** The fixture's https binding names this thumbprint; the tests put a real certificate's in its place. */
const FIXTURE_HASH = '0123456789ABCDEF0123456789ABCDEF01234567';

describe('a full IIS applicationHost.config (test-fixtures/full-iis.applicationHost.config)', () => {
  // The configuration's folder, holding certs/WebHosting/<HASH>.pfx: the exported certificate of the
  // https binding, made by openssl, whose thumbprint replaces the fixture's.
  let dir: string;
  let hash: string;
  let fullIis: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'w3pool-import-'));
    const openssl = (...args: string[]) =>
      execFileSync('openssl', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    openssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '30',
      '-subj',
      '/CN=www.contoso.com',
      '-keyout',
      'contoso.key',
      '-out',
      'contoso.crt',
    );
    hash = openssl('x509', '-in', 'contoso.crt', '-noout', '-fingerprint', '-sha1')
      .split('=')[1]!
      .trim()
      .replaceAll(':', '');
    mkdirSync(join(dir, 'certs/WebHosting'), { recursive: true });
    openssl(
      'pkcs12',
      '-export',
      '-in',
      'contoso.crt',
      '-inkey',
      'contoso.key',
      '-out',
      `certs/WebHosting/${hash}.pfx`,
      '-passout',
      'pass:',
    );
    fullIis = fixture(FULL_IIS).replace(FIXTURE_HASH, hash);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('maps pools, sites, PHP over FastCGI and the locations exactly', () => {
    const result = importApplicationHost(fullIis, { paths: fullIisPaths, baseDir: dir });
    const config = validated(result, dir);
    expect(result.config.applicationPools).toEqual([
      { name: 'DefaultAppPool', managedRuntimeVersion: 'v4.0', processModel: { idleTimeout: '00:10:00' } },
      {
        name: 'PhpPool',
        processModel: { idleTimeout: '00:10:00', maxProcesses: 2 },
        startMode: 'AlwaysRunning',
        queueLength: 2000,
        recycling: {
          periodicRestart: {
            time: '00:00:00',
            requests: 5000,
            privateMemory: 1048576,
            schedule: ['03:00:00', '15:00:00'],
          },
        },
        failure: { rapidFailProtectionMaxCrashes: 10 },
        cpu: { limit: 50000, action: 'Throttle' },
      },
      {
        name: 'StaticPool',
        managedRuntimeVersion: 'v4.0',
        processModel: { idleTimeout: '00:10:00' },
        autoStart: false,
      },
    ]);
    const [site, intranet] = config.sites;
    expect(site?.bindings).toEqual([
      { protocol: 'http', bindingInformation: '*:80:', sslFlags: 0 },
      {
        protocol: 'https',
        bindingInformation: '*:443:www.contoso.com',
        sslFlags: 1,
        certificateHash: hash,
        certificateStoreName: 'WebHosting',
      },
    ]);
    expect(site?.logFile.directory).toBe('/srv/inetpub/logs/LogFiles');
    expect(site?.limits.maxUrlSegments).toBe(64);
    expect(intranet).toMatchObject({
      serverAutoStart: false,
      limits: { connectionTimeout: '00:00:30', maxConnections: 100, maxUrlSegments: 64 },
      logFile: { period: 'Hourly' },
    });
    expect(intranet?.applications[0]?.virtualDirectories).toEqual([
      { path: '/', physicalPath: '/srv/d/intranet' },
    ]);

    expect(config.webServer.fastCgi.applications).toEqual([
      expect.objectContaining({
        fullPath: '/usr/bin/php-cgi',
        arguments: '-d display_errors=0',
        maxInstances: 8,
        activityTimeout: 60,
        environmentVariables: [{ name: 'PHP_FCGI_MAX_REQUESTS', value: '10000' }],
      }),
    ]);
    const php = effectiveWebServer(config, 1, '/php');
    expect(php.handlers.list[0]).toMatchObject({
      name: 'PHP_via_FastCGI',
      modules: 'FastCgiModule',
      scriptProcessor: '/usr/bin/php-cgi|-d display_errors=0',
    });
    expect(php.security.authorization.rules).toEqual([
      { accessType: 'Allow', users: '*', roles: '', verbs: '' },
      { remove: { users: '*', roles: '', verbs: '' } },
      { accessType: 'Allow', users: '', roles: 'Administrators', verbs: '' },
      { accessType: 'Deny', users: '?', roles: '', verbs: '' },
    ]);
    expect(php.httpErrors.errorMode).toBe('Detailed');
    expect(php.security.authentication.basicAuthentication).toMatchObject({
      enabled: true,
      realm: 'contoso',
    });

    const root = effectiveWebServer(config, 1, '/');
    expect(root.staticContent.mimeMap.map((m) => m.fileExtension)).toEqual(['.html', '.css', '.js', '.webp']);
    expect(root.httpErrors.errors).toEqual([
      {
        statusCode: 404,
        subStatusCode: -1,
        path: '/srv/inetpub/wwwroot/errors/404.html',
        responseMode: 'File',
        prefixLanguageFilePath: '',
      },
    ]);
    expect(root.handlers.list.map((h) => h.name)).toEqual(['Markdown', 'PHP_via_FastCGI', 'StaticFile']);
    expect(config.webServer.modules.map((m) => m.name)).toEqual([
      'StaticCompressionModule',
      'RequestFilteringModule',
      'CustomHeaderModule',
      'CustomErrorModule',
    ]);
    expect(config.webServer.staticContent.clientCache).toMatchObject({
      cacheControlMode: 'UseMaxAge',
      cacheControlMaxAge: '7.00:00:00',
    });
    expect(config.webServer.requestFiltering.requestLimits.maxAllowedContentLength).toBe(10485760);
  });

  it('reports exactly what it could not carry over', () => {
    const result = importApplicationHost(fullIis, { paths: fullIisPaths, baseDir: dir });
    const pool = "/configuration/system.applicationHost/applicationPools/add[@name='PhpPool']/processModel";
    const php = "/configuration/location[@path='Default Web Site/php']/system.webServer";
    expect(issueLines(result)).toEqual([
      `warning ${pool}/@identityType: the pool's account (SpecificUser) is not imported: w3pool's workers run as the user w3pool runs as`,
      `warning ${pool}/@userName: a Windows account is not imported (w3pool's workers run as the user w3pool runs as); the password is not copied`,
      `warning ${pool}/@password: a Windows account is not imported (w3pool's workers run as the user w3pool runs as); the password is not copied`,
      'warning /configuration/system.applicationHost/applicationPools/applicationPoolDefaults/@managedRuntimeVersion: ASP.NET (CLR v4.0) does not run in w3pool; the value is kept, and the pool serves static files, CGI, FastCGI and Node applications',
      "info /configuration/system.applicationHost/applicationPools/applicationPoolDefaults/processModel/@identityType: the pool's account (ApplicationPoolIdentity) is not imported: w3pool's workers run as the user w3pool runs as",
      `warning /configuration/system.applicationHost/sites/site[@name='Default Web Site']/bindings/binding[2]/@certificateHash: the certificate is in a Windows certificate store: export it with its private key to <httpSys.certificateStoreDirectory>/WebHosting/${hash}.pfx (default certs/WebHosting/${hash}.pfx beside the configuration), with certificatePassword if the .pfx has one`,
      "warning /configuration/system.applicationHost/sites/site[@name='Default Web Site']/bindings/binding[3]: a net.tcp binding: w3pool listens for http and https only; left out",
      'info /configuration/system.applicationHost/sites/siteDefaults/logFile/@logExtFileFlags: w3pool writes the IIS default W3C fields',
      'info /configuration/system.applicationHost/sites/siteDefaults/traceFailedRequestsLogging: failed request tracing (FREB) is not in w3pool',
      'info /configuration/system.applicationHost/sites/virtualDirectoryDefaults/@allowSubDirConfig: web.config files in folders: w3pool reads no web.config (put the settings in a location)',
      "info /configuration/system.webServer/globalModules/add[@name='StaticFileModule']: StaticFileModule is built into w3pool; its DLL is not needed",
      "warning /configuration/system.webServer/globalModules/add[@name='WindowsAuthenticationModule']: native module WindowsAuthenticationModule (%windir%\\System32\\inetsrv\\authsspi.dll) has no w3pool equivalent; not imported",
      "warning /configuration/system.webServer/handlers/add[@name='ASPClassic']: an ISAPI extension (%windir%\\system32\\inetsrv\\asp.dll): w3pool loads no DLLs (its IsapiModule loads an ES module); left out",
      "warning /configuration/system.webServer/modules/add[@name='WindowsAuthenticationModule']: native module WindowsAuthenticationModule has no w3pool equivalent; left out",
      "info /configuration/system.webServer/modules/add[@name='ProtocolSupportModule']: ProtocolSupportModule is w3pool's CustomHeaderModule (custom and redirect headers)",
      'info /configuration/system.webServer/security/authentication/anonymousAuthentication/@userName: the anonymous user account (IUSR): w3pool runs anonymous requests as the worker user',
      'warning /configuration/system.webServer/security/authentication/windowsAuthentication: Windows authentication (Negotiate, NTLM, Kerberos) needs Windows accounts: w3pool does not have it, so requests it logged on are anonymous (or Basic) here',
      "info /configuration/location[@path='Default Web Site']/system.webServer/handlers/remove: removes an entry the parent level does not have (or that was not imported); nothing to do",
      "info /configuration/location[@path='Default Web Site']/system.webServer/httpErrors/remove: removes an entry that is not in the list; nothing to do",
      `info ${php}/handlers/clear: this level's own list has a \`*\` mapping for every verb, which w3pool reaches before any inherited mapping: the same effect as <clear/>`,
      `warning ${php}/security/authentication/basicAuthentication: IIS checks Basic credentials against Windows accounts: give w3pool its users (users, with bcrypt hashes, or usersFile; docs/security-modules.md)`,
      "warning /configuration/location[@path='Intranet/docs']: /docs is not an application of Intranet: w3pool has settings per site and per application, not per folder; not imported",
    ]);
  });

  it('does not validate until the certificate is exported where certificateHash names it', () => {
    const result = importApplicationHost(fixture(FULL_IIS), { paths: fullIisPaths, baseDir: dir });
    const binding =
      "/configuration/system.applicationHost/sites/site[@name='Default Web Site']/bindings/binding[2]";
    expect(result.valid).toBe(false);
    expect(issueLines(result).filter((line) => line.startsWith('error'))).toEqual([
      `error ${binding}/@certificateHash: the imported configuration does not validate at /sites/0/bindings/1/certificateHash: no certificate file for certificateHash ${FIXTURE_HASH}: expected ${join(dir, 'certs/WebHosting', `${FIXTURE_HASH}.pfx`)} or ${join(dir, 'certs/WebHosting', `${FIXTURE_HASH}.pem`)}`,
    ]);
  });
});
