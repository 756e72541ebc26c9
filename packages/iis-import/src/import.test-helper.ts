import { validateConfig, type W3poolConfig } from '@w3pool/config';
import { expect } from 'vitest';
import { importApplicationHost, type ImportOptions, type ImportResult } from './import-application-host.js';

/** The smallest system.applicationHost IIS accepts: one pool and one site, for tests of other sections. */
export const MINIMAL_APP_HOST = `
  <system.applicationHost>
    <applicationPools><add name="DefaultAppPool" /></applicationPools>
    <sites>
      <site name="Default Web Site" id="1">
        <application path="/"><virtualDirectory path="/" physicalPath="/srv/www" /></application>
        <bindings><binding protocol="http" bindingInformation="*:80:" /></bindings>
      </site>
    </sites>
  </system.applicationHost>`;

/** Import `body` inside <configuration>, with the minimal applicationHost unless it has its own. */
export function importBody(body: string, options: ImportOptions = {}): ImportResult {
  const appHost = body.includes('<system.applicationHost>') ? '' : MINIMAL_APP_HOST;
  return importApplicationHost(`<?xml version="1.0"?>\n<configuration>${appHost}${body}</configuration>`, {
    baseDir: '/tmp',
    ...options,
  });
}

/** The result validates, and the validated configuration (IIS defaults filled in) is returned. */
export function validated(result: ImportResult, baseDir = '/tmp'): W3poolConfig {
  expect(result.issues.filter((i) => i.severity === 'error')).toEqual([]);
  expect(result.valid).toBe(true);
  return validateConfig(result.config, { source: 'test', baseDir });
}

/** The issues as `severity xpath: reason` lines, for exact assertions. */
export function issueLines(result: ImportResult): string[] {
  return result.issues.map((i) => `${i.severity} ${i.xpath}: ${i.reason}`);
}
