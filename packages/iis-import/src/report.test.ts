import { describe, expect, it } from 'vitest';
import { importApplicationHost } from './import-application-host.js';
import { importBody } from './import.test-helper.js';
import { formatReport, toYaml } from './report.js';
import { XmlSyntaxError } from './xml-tree.js';

describe('formatReport and toYaml', () => {
  it('prints a summary, then each issue by severity with its line and XPath', () => {
    const result = importBody(`<system.webServer>
      <security><authentication><windowsAuthentication enabled="true" /></authentication></security>
      <asp />
    </system.webServer>`);
    expect(formatReport(result)).toBe(
      [
        'The imported configuration validates. 0 error(s), 2 warning(s), 0 note(s).',
        '',
        'WARNINGS',
        '  line 12: /configuration/system.webServer/security/authentication/windowsAuthentication',
        '    Windows authentication (Negotiate, NTLM, Kerberos) needs Windows accounts: w3pool does not have it, so requests it logged on are anonymous (or Basic) here',
        '  line 13: /configuration/system.webServer/asp',
        '    classic ASP does not run in w3pool',
        '',
      ].join('\n'),
    );
  });

  it('serialises the configuration as YAML', () => {
    const result = importBody('');
    expect(toYaml(result.config)).toBe(
      [
        'applicationPools:',
        '  - name: DefaultAppPool',
        'sites:',
        '  - name: Default Web Site',
        '    id: 1',
        '    bindings:',
        '      - bindingInformation: "*:80:"',
        '    applications:',
        '      - path: /',
        '        virtualDirectories:',
        '          - path: /',
        '            physicalPath: /srv/www',
        '',
      ].join('\n'),
    );
  });

  it('says when the configuration does not validate', () => {
    const result = importApplicationHost('<configuration />', { baseDir: '/tmp' });
    expect(result.valid).toBe(false);
    expect(formatReport(result).split('\n')[0]).toBe(
      'The imported configuration does NOT validate. 2 error(s), 0 warning(s), 0 note(s).',
    );
    expect(result.issues.map((i) => i.reason)).toEqual([
      'the imported configuration does not validate at /applicationPools: Expected required property (missing)',
      'the imported configuration does not validate at /sites: Expected required property (missing)',
    ]);
  });
});

describe('input that is not applicationHost.config', () => {
  it('refuses XML that is not well-formed with CONFIG_IMPORT_XML_INVALID, naming line and column', () => {
    let error: unknown;
    try {
      importApplicationHost('<configuration>\n  <system.webServer>\n</configuration>');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(XmlSyntaxError);
    expect(error).toMatchObject({ code: 'CONFIG_IMPORT_XML_INVALID', status: 400, line: 3 });
  });

  it('refuses a document whose root is not <configuration>', () => {
    expect(() => importApplicationHost('<settings />')).toThrow(
      /the document element is not <configuration>/,
    );
  });
});
