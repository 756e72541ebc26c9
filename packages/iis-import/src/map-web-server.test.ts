import { effectiveWebServer } from '@w3pool/config';
import { describe, expect, it } from 'vitest';
import { importBody, issueLines, validated } from './import.test-helper.js';

const ws = (body: string) => `<system.webServer>${body}</system.webServer>`;

describe('system.webServer at the server level', () => {
  it('resolves handlers with <clear/> and <remove>, and keeps only mappings w3pool can run', () => {
    const result = importBody(
      ws(`<handlers accessPolicy="Read, Script, Execute">
            <add name="Old" path="*.old" verb="*" modules="StaticFileModule" />
            <clear />
            <add name="CGI-exe" path="*.exe" verb="*" modules="CgiModule" resourceType="File" requireAccess="Execute" allowPathInfo="true" />
            <add name="Gone" path="*.gone" verb="GET" modules="StaticFileModule" />
            <add name="PageHandlerFactory-Integrated" path="*.aspx" verb="GET,POST" type="System.Web.UI.PageHandlerFactory" />
            <add name="SSINC-shtml" path="*.shtml" verb="GET" modules="ServerSideIncludeModule" />
            <remove name="Gone" />
            <add name="StaticFile" path="*" verb="*" modules="StaticFileModule,DefaultDocumentModule,DirectoryListingModule" resourceType="Either" requireAccess="Read" />
          </handlers>`),
    );
    const { handlers } = validated(result).webServer;
    expect(handlers.accessPolicy).toBe('Read, Script, Execute');
    expect(handlers.list.map((h) => h.name)).toEqual(['CGI-exe', 'StaticFile']);
    expect(handlers.list[0]).toMatchObject({
      modules: 'CgiModule',
      resourceType: 'File',
      requireAccess: 'Execute',
      allowPathInfo: true,
    });
    expect(issueLines(result)).toEqual([
      "warning /configuration/system.webServer/handlers/add[@name='PageHandlerFactory-Integrated']: a managed (ASP.NET) handler, System.Web.UI.PageHandlerFactory: w3pool has no CLR (a handler of your own is an ES module in `type`); left out",
      "warning /configuration/system.webServer/handlers/add[@name='SSINC-shtml']: module ServerSideIncludeModule has no w3pool handler (w3pool serves StaticFileModule, CgiModule, FastCgiModule, iisnode); left out",
    ]);
  });

  it('maps modules to the built-in ones, renames ProtocolSupportModule and reports native modules', () => {
    const result = importBody(
      ws(`<globalModules>
            <add name="UriCacheModule" image="%IIS_BIN%\\cachuri.dll" />
            <add name="CustomErrorModule" image="%IIS_BIN%\\custerr.dll" />
          </globalModules>
          <modules>
            <add name="HttpCacheModule" lockItem="true" />
            <add name="StaticFileModule" />
            <add name="ProtocolSupportModule" />
            <add name="IpRestrictionModule" />
            <add name="Session" type="System.Web.SessionState.SessionStateModule" />
            <add name="CustomErrorModule" />
          </modules>`),
    );
    const { webServer } = validated(result);
    expect(webServer.modules.map((m) => m.name)).toEqual([
      'HttpCacheModule',
      'CustomHeaderModule',
      'CustomErrorModule',
    ]);
    expect(webServer.globalModules).toEqual([]);
    expect(issueLines(result)).toEqual([
      "warning /configuration/system.webServer/globalModules/add[@name='UriCacheModule']: native module UriCacheModule (%IIS_BIN%\\cachuri.dll) has no w3pool equivalent; not imported",
      "info /configuration/system.webServer/globalModules/add[@name='CustomErrorModule']: CustomErrorModule is built into w3pool; its DLL is not needed",
      "info /configuration/system.webServer/modules/add[@name='HttpCacheModule']/@lockItem: IIS's configuration locking (delegation): w3pool has no web.config files to lock against",
      "info /configuration/system.webServer/modules/add[@name='StaticFileModule']: StaticFileModule runs from handler mappings in w3pool and needs no modules entry",
      "info /configuration/system.webServer/modules/add[@name='ProtocolSupportModule']: ProtocolSupportModule is w3pool's CustomHeaderModule (custom and redirect headers)",
      "warning /configuration/system.webServer/modules/add[@name='IpRestrictionModule']: native module IpRestrictionModule has no w3pool equivalent; left out",
      "warning /configuration/system.webServer/modules/add[@name='Session']: a managed (ASP.NET) module, System.Web.SessionState.SessionStateModule: w3pool has no CLR; left out",
    ]);
  });

  it('maps defaultDocument, directoryBrowse, staticContent with clientCache, and caching profiles', () => {
    const result = importBody(
      ws(`<defaultDocument enabled="true"><files><clear /><add value="index.php" /><add value="home.htm" /><remove value="home.htm" /></files></defaultDocument>
          <directoryBrowse enabled="true" showFlags="Date, Size" />
          <staticContent>
            <mimeMap fileExtension=".txt" mimeType="text/plain" />
            <mimeMap fileExtension=".bin" mimeType="application/octet-stream" />
            <remove fileExtension=".bin" />
            <clientCache cacheControlMode="DisableCache" setEtag="false" />
          </staticContent>
          <caching enabled="true" enableKernelCache="false" maxResponseSize="1000">
            <profiles><add extension=".jpg" policy="CacheUntilChange" kernelCachePolicy="CacheForTimePeriod" duration="00:01:00" /></profiles>
          </caching>`),
    );
    const { webServer } = validated(result);
    expect(webServer.defaultDocument.files).toEqual(['index.php']);
    expect(webServer.directoryBrowse).toEqual({ enabled: true, showFlags: 'Date, Size' });
    expect(webServer.staticContent.mimeMap).toEqual([{ fileExtension: '.txt', mimeType: 'text/plain' }]);
    expect(webServer.staticContent.clientCache).toMatchObject({
      cacheControlMode: 'DisableCache',
      setEtag: false,
    });
    expect(webServer.caching).toMatchObject({ enableKernelCache: false, maxResponseSize: 1000 });
    expect(webServer.caching.profiles).toEqual([
      expect.objectContaining({
        extension: '.jpg',
        policy: 'CacheUntilChange',
        kernelCachePolicy: 'CacheForTimePeriod',
        duration: '00:01:00',
      }),
    ]);
    expect(issueLines(result)).toEqual([]);
  });

  it('maps requestFiltering lists and limits, httpErrors, httpProtocol, httpRedirect and compression', () => {
    const result = importBody(
      ws(`<security><requestFiltering allowDoubleEscaping="true">
            <requestLimits maxAllowedContentLength="1000" maxUrl="2000" maxQueryString="300">
              <headerLimits><add header="Cookie" sizeLimit="4096" /></headerLimits>
            </requestLimits>
            <fileExtensions allowUnlisted="false"><add fileExtension=".html" allowed="true" /></fileExtensions>
            <verbs><add verb="TRACE" allowed="false" /></verbs>
            <hiddenSegments><clear /><add segment="secret" /></hiddenSegments>
            <denyUrlSequences><add sequence=".." /></denyUrlSequences>
          </requestFiltering></security>
          <httpErrors errorMode="Custom" existingResponse="Replace" defaultResponseMode="ExecuteURL" defaultPath="/error.php">
            <error statusCode="404" subStatusCode="3" path="/404-3.html" responseMode="ExecuteURL" />
            <error statusCode="500" path="C:\\errors\\500.htm" />
          </httpErrors>
          <httpProtocol allowKeepAlive="false">
            <customHeaders><clear /><add name="X-Frame-Options" value="DENY" /><remove name="X-Old" /></customHeaders>
            <redirectHeaders><add name="X-Redirected" value="1" /></redirectHeaders>
          </httpProtocol>
          <httpRedirect enabled="true" destination="https://www.contoso.com" exactDestination="true" httpResponseStatus="Permanent" />
          <urlCompression doDynamicCompression="false" />
          <httpCompression minFileSizeForComp="1024" directory="%SystemDrive%\\temp">
            <scheme name="gzip" dll="%Windir%\\system32\\inetsrv\\gzip.dll" staticCompressionLevel="9" />
            <scheme name="deflate" dll="%Windir%\\system32\\inetsrv\\gzip.dll" />
            <staticTypes><add mimeType="text/*" enabled="true" /><add mimeType="*/*" enabled="false" /></staticTypes>
          </httpCompression>`),
      { paths: { prefixes: [{ from: 'C:\\errors', to: '/srv/errors' }] } },
    );
    const { webServer } = validated(result);
    expect(webServer.requestFiltering).toMatchObject({
      allowDoubleEscaping: true,
      requestLimits: {
        maxAllowedContentLength: 1000,
        maxUrl: 2000,
        maxQueryString: 300,
        headerLimits: [{ header: 'Cookie', sizeLimit: 4096 }],
      },
      fileExtensions: { allowUnlisted: false, list: [{ fileExtension: '.html', allowed: true }] },
      verbs: { allowUnlisted: true, list: [{ verb: 'TRACE', allowed: false }] },
      hiddenSegments: ['secret'],
      denyUrlSequences: ['..'],
    });
    expect(webServer.httpErrors).toMatchObject({
      errorMode: 'Custom',
      existingResponse: 'Replace',
      defaultResponseMode: 'ExecuteURL',
      defaultPath: '/error.php',
      errors: [
        { statusCode: 404, subStatusCode: 3, path: '/404-3.html', responseMode: 'ExecuteURL' },
        { statusCode: 500, subStatusCode: -1, path: '/srv/errors/500.htm', responseMode: 'File' },
      ],
    });
    expect(webServer.httpProtocol).toEqual({
      allowKeepAlive: false,
      customHeaders: [{ clear: true }, { name: 'X-Frame-Options', value: 'DENY' }, { remove: 'X-Old' }],
      redirectHeaders: [{ name: 'X-Redirected', value: '1' }],
    });
    expect(webServer.httpRedirect).toMatchObject({
      enabled: true,
      destination: 'https://www.contoso.com',
      exactDestination: true,
      httpResponseStatus: 'Permanent',
    });
    expect(webServer.urlCompression.doDynamicCompression).toBe(false);
    expect(webServer.httpCompression.minFileSizeForComp).toBe(1024);
    expect(webServer.httpCompression.schemes).toEqual([
      {
        name: 'gzip',
        doStaticCompression: true,
        doDynamicCompression: true,
        staticCompressionLevel: 9,
        dynamicCompressionLevel: 0,
      },
    ]);
    expect(webServer.httpCompression.staticTypes).toEqual([
      { mimeType: 'text/*', enabled: true },
      { mimeType: '*/*', enabled: false },
    ]);
    expect(issueLines(result)).toEqual([
      'info /configuration/system.webServer/httpCompression/@directory: w3pool keeps compressed responses in memory (the response cache), not in a folder',
      "info /configuration/system.webServer/httpCompression/scheme[@name='gzip']/@dll: w3pool compresses with node:zlib, not a DLL",
      "warning /configuration/system.webServer/httpCompression/scheme[@name='deflate']: the deflate scheme: w3pool compresses with gzip and br only; left out",
    ]);
  });

  it('maps requestFiltering filteringRules with their scanHeaders, appliesTo and denyStrings', () => {
    const result = importBody(
      ws(`<security><requestFiltering>
            <denyQueryStringSequences><add sequence="union select" /></denyQueryStringSequences>
            <filteringRules>
              <filteringRule name="SQL" scanUrl="false" scanQueryString="true" scanAllRaw="false">
                <scanHeaders><add requestHeader="User-Agent" /></scanHeaders>
                <appliesTo><add fileExtension=".php" /></appliesTo>
                <denyStrings><add string="--" /><add string="xp_" /></denyStrings>
              </filteringRule>
              <filteringRule name="Old" scanUrl="true" />
              <remove name="Old" />
            </filteringRules>
          </requestFiltering></security>`),
    );
    const { requestFiltering } = validated(result).webServer;
    expect(requestFiltering.denyQueryStringSequences).toEqual(['union select']);
    expect(requestFiltering.filteringRules).toEqual([
      {
        name: 'SQL',
        scanUrl: false,
        scanQueryString: true,
        scanAllRaw: false,
        scanHeaders: ['User-Agent'],
        appliesTo: ['.php'],
        denyStrings: ['--', 'xp_'],
      },
    ]);
    expect(issueLines(result)).toEqual([]);
  });

  it('maps authentication, authorization, isapiCgiRestriction, fastCgi and cgi; reports Windows authentication', () => {
    const result = importBody(
      ws(`<security>
            <authentication>
              <anonymousAuthentication enabled="false" />
              <basicAuthentication enabled="true" realm="r" defaultLogonDomain="CONTOSO" />
              <windowsAuthentication enabled="true"><providers><add value="Negotiate" /></providers></windowsAuthentication>
              <digestAuthentication enabled="false" />
            </authentication>
            <authorization><clear /><add accessType="Deny" users="?" /><add accessType="allow" roles="Admins" verbs="GET" /></authorization>
            <isapiCgiRestriction notListedCgisAllowed="true">
              <add path="C:\\PHP\\php-cgi.exe" allowed="true" groupId="PHP" description="PHP 8" />
              <add path="%windir%\\system32\\inetsrv\\asp.dll" allowed="true" />
            </isapiCgiRestriction>
          </security>
          <fastCgi>
            <application fullPath="C:\\PHP\\php-cgi.exe" maxInstances="4" instanceMaxRequests="1000" requestTimeout="120" protocol="Tcp" monitorChangesTo="C:\\PHP\\php.ini">
              <environmentVariables><environmentVariable name="PHPRC" value="C:\\PHP" /></environmentVariables>
            </application>
          </fastCgi>
          <cgi timeout="00:05:00" createProcessAsUser="false" />`),
      {
        paths: {
          prefixes: [
            { from: 'C:\\PHP\\php-cgi.exe', to: '/usr/bin/php-cgi' },
            { from: 'C:\\PHP', to: '/etc/php' },
          ],
        },
      },
    );
    const { webServer } = validated(result);
    expect(webServer.security.authentication.anonymousAuthentication.enabled).toBe(false);
    expect(webServer.security.authentication.basicAuthentication).toMatchObject({
      enabled: true,
      realm: 'r',
      defaultLogonDomain: 'CONTOSO',
    });
    expect(webServer.security.authorization.rules).toEqual([
      { clear: true },
      { accessType: 'Deny', users: '?', roles: '', verbs: '' },
      { accessType: 'Allow', users: '', roles: 'Admins', verbs: 'GET' },
    ]);
    expect(webServer.security.isapiCgiRestriction).toEqual({
      notListedIsapisAllowed: false,
      notListedCgisAllowed: true,
      list: [{ path: '/usr/bin/php-cgi', allowed: true, groupId: 'PHP', description: 'PHP 8' }],
    });
    expect(webServer.fastCgi.applications).toEqual([
      expect.objectContaining({
        fullPath: '/usr/bin/php-cgi',
        maxInstances: 4,
        instanceMaxRequests: 1000,
        requestTimeout: 120,
        protocol: 'Tcp',
        monitorChangesTo: '/etc/php/php.ini',
        environmentVariables: [{ name: 'PHPRC', value: 'C:\\PHP' }],
      }),
    ]);
    expect(webServer.cgi).toEqual({
      timeout: '00:05:00',
      createProcessAsUser: false,
      createCGIWithNewConsole: false,
    });
    expect(issueLines(result)).toEqual([
      'warning /configuration/system.webServer/security/authentication/basicAuthentication: IIS checks Basic credentials against Windows accounts: give w3pool its users (users, with bcrypt hashes, or usersFile; docs/security-modules.md)',
      'warning /configuration/system.webServer/security/authentication/windowsAuthentication: Windows authentication (Negotiate, NTLM, Kerberos) needs Windows accounts: w3pool does not have it, so requests it logged on are anonymous (or Basic) here',
      'info /configuration/system.webServer/security/authentication/digestAuthentication: Digest authentication checks Windows domain accounts: w3pool does not have it; it is disabled here, so nothing changes',
      "info /configuration/system.webServer/security/isapiCgiRestriction/add[@path='%windir%\\system32\\inetsrv\\asp.dll']: an ISAPI DLL: w3pool loads no DLLs, so the entry has nothing to allow; left out",
    ]);
  });

  it('reports sections and attributes w3pool does not have', () => {
    const result = importBody(
      ws(`<rewrite><rules><rule name="r" /></rules></rewrite>
          <directoryBrowse enabled="true" frobnicate="1" />
          <security><ipSecurity allowUnlisted="false" /></security>`),
    );
    validated(result);
    expect(issueLines(result)).toEqual([
      'warning /configuration/system.webServer/rewrite: URL Rewrite rules are not in w3pool',
      'warning /configuration/system.webServer/directoryBrowse/@frobnicate: w3pool has no equivalent for this attribute; not imported',
      'warning /configuration/system.webServer/security/ipSecurity: IP address restrictions (IpRestrictionModule) are not in w3pool',
    ]);
  });
});

describe('<location> sections', () => {
  it("become the site's and the application's webServer, resolving replaced lists over the parent's", () => {
    const result = importBody(`
      <system.applicationHost>
        <applicationPools><add name="DefaultAppPool" /></applicationPools>
        <sites><site name="S" id="1">
          <application path="/"><virtualDirectory path="/" physicalPath="/srv/s" /></application>
          <application path="/app"><virtualDirectory path="/" physicalPath="/srv/app" /></application>
          <bindings><binding protocol="http" bindingInformation="*:80:" /></bindings>
        </site></sites>
      </system.applicationHost>
      ${ws(`<defaultDocument><files><add value="a.htm" /><add value="b.htm" /></files></defaultDocument>
            <handlers><add name="StaticFile" path="*" verb="*" modules="StaticFileModule" resourceType="Either" requireAccess="Read" /></handlers>`)}
      <location path="S">${ws(`<defaultDocument><files><remove value="a.htm" /><add value="c.htm" /></files></defaultDocument>
            <httpProtocol><customHeaders><add name="X-Site" value="s" /></customHeaders></httpProtocol>`)}</location>
      <location path="S/app" overrideMode="Allow">${ws(`<defaultDocument><files><add value="d.htm" /></files></defaultDocument>
            <handlers><remove name="StaticFile" /><add name="Txt" path="*.txt" verb="GET" modules="StaticFileModule" /></handlers>`)}</location>`);
    const config = validated(result);
    expect(config.sites[0]?.webServer).toEqual({
      defaultDocument: { files: ['b.htm', 'c.htm'] },
      httpProtocol: { customHeaders: [{ name: 'X-Site', value: 's' }] },
    });
    expect(effectiveWebServer(config, 1, '/app').defaultDocument.files).toEqual(['b.htm', 'c.htm', 'd.htm']);
    expect(effectiveWebServer(config, 1, '/app').handlers.list.map((h) => h.name)).toEqual([
      'Txt',
      'StaticFile',
    ]);
    expect(issueLines(result)).toEqual([
      "info /configuration/location[@path='S/app']/@overrideMode: IIS's configuration locking (delegation): w3pool has no web.config files to lock against",
      "warning /configuration/location[@path='S/app']/system.webServer/handlers/remove: <remove> of an inherited entry cannot be expressed: a site's or application's list comes before its parent's in w3pool, which has no way to forget an inherited entry; the parent's entries stay in force after this level's own",
    ]);
  });

  it('reports a location for a site that does not exist', () => {
    const result = importBody(`<location path="Nope">${ws('<directoryBrowse enabled="true" />')}</location>`);
    expect(issueLines(result)).toEqual([
      `error /configuration/location: no site is named "Nope"; the location is not imported`,
    ]);
  });
});

describe('security/access', () => {
  it('keeps sslFlags in IIS spelling, per level, as the listener and the worker read it', () => {
    const result = importBody(
      `${ws('<security><access sslFlags="ssl,  SslNegotiateCert" /></security>')}
      <location path="Default Web Site"><system.webServer><security><access sslFlags="Ssl, SslRequireCert, Ssl128" /></security></system.webServer></location>`,
    );
    const config = validated(result);
    expect(config.webServer.security.access.sslFlags).toBe('Ssl, SslNegotiateCert');
    expect(effectiveWebServer(config, 1, '/').security.access.sslFlags).toBe('Ssl, SslRequireCert, Ssl128');
    expect(issueLines(result).filter((line) => line.includes('access'))).toEqual([]);
  });

  it('takes None as the default it is, and reports a name IIS does not have', () => {
    expect(issueLines(importBody(ws('<security><access sslFlags="None" /></security>')))).toEqual([]);
    const bad = importBody(ws('<security><access sslFlags="Ssl, SslMaybe" /></security>'));
    expect(issueLines(bad)).toEqual([
      'error /configuration/system.webServer/security/access/@sslFlags: "SslMaybe" is not an access@sslFlags name (None, Ssl, SslNegotiateCert, SslRequireCert, Ssl128); left out, so w3pool\'s default (None) applies',
    ]);
  });
});
