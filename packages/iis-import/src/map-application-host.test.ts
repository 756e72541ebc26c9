import { describe, expect, it } from 'vitest';
import { importBody, issueLines, validated } from './import.test-helper.js';

const POOLS = `
  <system.applicationHost>
    <applicationPools>
      <add name="A" startMode="alwaysrunning" queueLength="3000" managedPipelineMode="Classic">
        <processModel identityType="NetworkService" maxProcesses="4" />
        <recycling>
          <periodicRestart time="1.00:00:00" requests="100" memory="2000" privateMemory="1000">
            <schedule><add value="02:30:00" /></schedule>
          </periodicRestart>
        </recycling>
        <failure rapidFailProtection="false" rapidFailProtectionInterval="00:10:00" />
        <cpu limit="10000" action="KillW3wp" resetInterval="00:01:00" />
        <environmentVariables><add name="APP_ENV" value="production" /></environmentVariables>
      </add>
      <add name="B" />
      <applicationPoolDefaults autoStart="false" queueLength="500">
        <processModel idleTimeout="00:05:00" />
      </applicationPoolDefaults>
    </applicationPools>
    <sites>
      <site name="One" id="7">
        <application path="/"><virtualDirectory path="/" physicalPath="C:\\inetpub\\one" /></application>
        <application path="/api" applicationPool="A" enabledProtocols="http,https" preloadEnabled="true">
          <virtualDirectory path="/" physicalPath="C:\\inetpub\\api" />
          <virtualDirectory path="/images" physicalPath="C:\\inetpub\\images" />
        </application>
        <bindings>
          <binding protocol="http" bindingInformation="*:8080:one.example" />
          <binding protocol="net.pipe" bindingInformation="*" />
        </bindings>
        <limits maxBandwidth="1000000" />
      </site>
      <siteDefaults serverAutoStart="false">
        <limits connectionTimeout="00:00:45" />
        <logFile directory="C:\\inetpub\\logs\\LogFiles" period="Monthly" localTimeRollover="true" enabled="false" />
      </siteDefaults>
      <applicationDefaults applicationPool="B" />
    </sites>
    <webLimits connectionTimeout="00:00:50" maxGlobalBandwidth="5000" />
  </system.applicationHost>`;

const paths = { prefixes: [{ from: 'C:\\inetpub', to: '/srv/inetpub' }] };

describe('system.applicationHost', () => {
  it('maps every pool over applicationPoolDefaults, with recycling, failure, cpu and environment', () => {
    const result = importBody(POOLS, { paths });
    const config = validated(result);
    const [a, b] = config.applicationPools;
    expect(a).toMatchObject({
      name: 'A',
      autoStart: false,
      startMode: 'AlwaysRunning',
      queueLength: 3000,
      managedPipelineMode: 'Classic',
      environmentVariables: [{ name: 'APP_ENV', value: 'production' }],
    });
    expect(a?.processModel).toMatchObject({
      maxProcesses: 4,
      idleTimeout: '00:05:00',
      identityType: 'ApplicationPoolIdentity',
    });
    expect(a?.recycling.periodicRestart).toEqual({
      time: '1.00:00:00',
      requests: 100,
      memory: 2000,
      privateMemory: 1000,
      schedule: ['02:30:00'],
    });
    expect(a?.failure).toMatchObject({ rapidFailProtection: false, rapidFailProtectionInterval: '00:10:00' });
    expect(a?.cpu).toMatchObject({ limit: 10000, action: 'KillW3wp', resetInterval: '00:01:00' });
    expect(b).toMatchObject({ name: 'B', autoStart: false, queueLength: 500 });
    expect(b?.processModel.idleTimeout).toBe('00:05:00');
    // The raw output says only what differs from w3pool's defaults.
    expect(result.config.applicationPools).toEqual([
      expect.objectContaining({ name: 'A' }),
      { name: 'B', autoStart: false, queueLength: 500, processModel: { idleTimeout: '00:05:00' } },
    ]);
  });

  it('maps sites over siteDefaults and applications over applicationDefaults; leaves non-HTTP bindings out', () => {
    const result = importBody(POOLS, { paths });
    const [site] = validated(result).sites;
    expect(site).toMatchObject({
      name: 'One',
      id: 7,
      serverAutoStart: false,
      bindings: [{ protocol: 'http', bindingInformation: '*:8080:one.example', sslFlags: 0 }],
      limits: { connectionTimeout: '00:00:45', maxBandwidth: 1000000 },
      logFile: {
        directory: '/srv/inetpub/logs/LogFiles',
        period: 'Monthly',
        localTimeRollover: true,
        enabled: false,
      },
    });
    expect(site?.applications).toEqual([
      {
        path: '/',
        applicationPool: 'B',
        enabledProtocols: 'http',
        preloadEnabled: false,
        virtualDirectories: [{ path: '/', physicalPath: '/srv/inetpub/one' }],
      },
      {
        path: '/api',
        applicationPool: 'A',
        enabledProtocols: 'http,https',
        preloadEnabled: true,
        virtualDirectories: [
          { path: '/', physicalPath: '/srv/inetpub/api' },
          { path: '/images', physicalPath: '/srv/inetpub/images' },
        ],
      },
    ]);
    expect(validated(result).webLimits).toMatchObject({
      connectionTimeout: '00:00:50',
      maxGlobalBandwidth: 5000,
    });
    expect(issueLines(result)).toEqual([
      "warning /configuration/system.applicationHost/applicationPools/add[@name='A']/processModel/@identityType: the pool's account (NetworkService) is not imported: w3pool's workers run as the user w3pool runs as",
      'warning /configuration/system.applicationHost/sites/site/bindings/binding[2]: a net.pipe binding: w3pool listens for http and https only; left out',
    ]);
  });

  it('reports a path no rule maps and keeps it as written', () => {
    const result = importBody(POOLS);
    expect(result.config.sites).toEqual([
      expect.objectContaining({
        applications: expect.arrayContaining([
          expect.objectContaining({ virtualDirectories: [{ path: '/', physicalPath: 'C:\\inetpub\\one' }] }),
        ]) as unknown,
      }),
    ]);
    expect(issueLines(result)).toContain(
      'warning /configuration/system.applicationHost/sites/site/application[@path=\'/\']/virtualDirectory/@physicalPath: no path rule maps the Windows path "C:/inetpub/one" (add a prefix rule for its drive or folder); kept as written',
    );
  });

  it('lists values equal to the defaults as "same as default" in verbose mode only', () => {
    const xml = POOLS.replace('<add name="B" />', '<add name="B" managedPipelineMode="Integrated" />');
    expect(issueLines(importBody(xml, { paths }))).not.toContain(
      "info /configuration/system.applicationHost/applicationPools/add[@name='B']/@managedPipelineMode: same as default",
    );
    expect(issueLines(importBody(xml, { paths, verbose: true }))).toContain(
      "info /configuration/system.applicationHost/applicationPools/add[@name='B']/@managedPipelineMode: same as default",
    );
  });

  it('reports why the output does not validate, at the element it came from', () => {
    const xml = POOLS.replace('applicationPool="A"', 'applicationPool="Missing"');
    const result = importBody(xml, { paths });
    expect(result.valid).toBe(false);
    expect(issueLines(result)).toContain(
      'error /configuration/system.applicationHost/sites/site/application[@path=\'/api\']/@applicationPool: the imported configuration does not validate at /sites/0/applications/1/applicationPool: application pool "Missing" is not defined in /applicationPools',
    );
  });

  it("keeps an https binding's sslFlags and store reference, and says where each certificate must come from", () => {
    const binding = (attributes: string) =>
      POOLS.replace(
        '<binding protocol="net.pipe" bindingInformation="*" />',
        `<binding protocol="https" bindingInformation="*:8443:one.example" ${attributes} />`,
      );
    const at = '/configuration/system.applicationHost/sites/site/bindings/binding[2]';
    const hash = 'ab'.padEnd(40, 'c');
    const hashed = importBody(
      binding(`sslFlags="1" certificateHash="${hash}" certificateStoreName="WebHosting"`),
      { paths },
    );
    const sites = hashed.config.sites as { bindings: unknown[] }[];
    expect(sites[0]!.bindings[1]).toEqual({
      protocol: 'https',
      bindingInformation: '*:8443:one.example',
      sslFlags: 1,
      certificateHash: 'ab'.padEnd(40, 'c'),
      certificateStoreName: 'WebHosting',
    });
    expect(issueLines(hashed)).toContain(
      `warning ${at}/@certificateHash: the certificate is in a Windows certificate store: export it with its private key to <httpSys.certificateStoreDirectory>/WebHosting/${'AB'.padEnd(40, 'C')}.pfx (default certs/WebHosting/${'AB'.padEnd(40, 'C')}.pfx beside the configuration), with certificatePassword if the .pfx has one`,
    );
    expect(issueLines(importBody(binding('sslFlags="1"'), { paths }))).toContain(
      `warning ${at}/@protocol: IIS keeps this binding's certificate in http.sys, not in applicationHost.config (netsh http show sslcert hostnameport=one.example:8443): export it as a .pfx and name it with certificateFile (and certificatePassword)`,
    );
    expect(issueLines(importBody(binding('sslFlags="3"'), { paths }))).toContain(
      `warning ${at}/@sslFlags: a central certificate store binding: IIS keeps the store's settings in the registry; set centralCertProvider (enabled, certStoreLocation with one <host>.pfx per host name, privateKeyPassword)`,
    );
  });
});
