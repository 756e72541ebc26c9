import { describe, expect, it } from 'vitest';
import type { HandlerMapping } from '@w3pool/config';
import { checkAccess, checkRestriction, parseAccessPolicy, preConditionMet } from './access-checks.js';

const mapping = (over: Partial<HandlerMapping>): HandlerMapping => ({
  name: 'm',
  path: '*',
  verb: '*',
  modules: 'X',
  scriptProcessor: '',
  resourceType: 'Unspecified',
  requireAccess: 'Script',
  preCondition: '',
  allowPathInfo: false,
  responseBufferLimit: 4194304,
  ...over,
});

const restriction = (over: object = {}) => ({
  notListedIsapisAllowed: false,
  notListedCgisAllowed: false,
  list: [] as { path: string; allowed: boolean; groupId: string; description: string }[],
  ...over,
});

describe('checkAccess', () => {
  it('refuses a mapping whose requireAccess the policy does not grant, with 403.1, 403.2 or 403.3', () => {
    const readOnly = parseAccessPolicy('Read');
    expect(() => checkAccess(mapping({ requireAccess: 'Script' }), readOnly, false)).toThrow(
      expect.objectContaining({ status: 403, substatus: 1 }),
    );
    expect(() => checkAccess(mapping({ requireAccess: 'Write' }), readOnly, false)).toThrow(
      expect.objectContaining({ status: 403, substatus: 3 }),
    );
    expect(() => checkAccess(mapping({ requireAccess: 'Read' }), parseAccessPolicy('Script'), false)).toThrow(
      expect.objectContaining({ status: 403, substatus: 2 }),
    );
    expect(() => checkAccess(mapping({ requireAccess: 'None' }), parseAccessPolicy(''), true)).not.toThrow();
  });

  it('lets Execute stand for Script, and NoRemote flags keep a right to local clients', () => {
    expect(() => checkAccess(mapping({}), parseAccessPolicy('Read, Execute'), true)).not.toThrow();
    const localScript = parseAccessPolicy('Read, Script, NoRemoteScript');
    expect(() => checkAccess(mapping({}), localScript, false)).not.toThrow();
    expect(() => checkAccess(mapping({}), localScript, true)).toThrow(
      expect.objectContaining({ substatus: 1 }),
    );
  });
});

describe('checkRestriction', () => {
  const cgi = mapping({ modules: 'CgiModule', scriptProcessor: '/usr/bin/php-cgi %s' });

  it('refuses a CGI program that is not listed with 404.2, unless notListedCgisAllowed', () => {
    expect(() => checkRestriction(cgi, restriction(), '/srv/a.php')).toThrow(
      expect.objectContaining({ status: 404, substatus: 2 }),
    );
    expect(() =>
      checkRestriction(cgi, restriction({ notListedCgisAllowed: true }), '/srv/a.php'),
    ).not.toThrow();
  });

  it('follows the list entry for the program, or for the script itself without a scriptProcessor', () => {
    const entry = (path: string, allowed: boolean) => ({ path, allowed, groupId: '', description: '' });
    const listed = restriction({ list: [entry('/usr/bin/php-cgi', true)] });
    expect(() => checkRestriction(cgi, listed, '/srv/a.php')).not.toThrow();
    const denied = restriction({ list: [entry('/usr/bin/php-cgi', false)], notListedCgisAllowed: true });
    expect(() => checkRestriction(cgi, denied, '/srv/a.php')).toThrow(
      expect.objectContaining({ substatus: 2 }),
    );
    const script = mapping({ modules: 'CgiModule' });
    expect(() =>
      checkRestriction(script, restriction({ list: [entry('/srv/x.cgi', true)] }), '/srv/x.cgi'),
    ).not.toThrow();
  });

  it('governs IsapiModule extensions by notListedIsapisAllowed, and leaves `type` handlers alone', () => {
    const isapi = mapping({ modules: 'IsapiModule', scriptProcessor: '/ext/a.mjs' });
    expect(() => checkRestriction(isapi, restriction({ notListedCgisAllowed: true }), '')).toThrow();
    expect(() => checkRestriction(isapi, restriction({ notListedIsapisAllowed: true }), '')).not.toThrow();
    expect(() => checkRestriction(mapping({ type: '/ext/b.mjs' }), restriction(), '')).not.toThrow();
  });
});

describe('preConditionMet', () => {
  const pool = {
    managedPipelineMode: 'Integrated' as const,
    managedRuntimeVersion: 'v4.0',
    enable32BitAppOnWin64: false,
  };
  it('holds for integratedMode and bitness64 here, and compares the runtime version with the pool’s', () => {
    expect(preConditionMet('integratedMode,bitness64', pool)).toBe(true);
    expect(preConditionMet('ISAPIMode', pool)).toBe(false);
    expect(preConditionMet('bitness32', pool)).toBe(false);
    expect(preConditionMet('runtimeVersionv4.0', pool)).toBe(true);
    expect(preConditionMet('runtimeVersionv2.0', pool)).toBe(false);
    expect(preConditionMet('', pool)).toBe(true);
  });
});
