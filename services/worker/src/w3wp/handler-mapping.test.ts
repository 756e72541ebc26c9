import { describe, expect, it } from 'vitest';
import type { HandlerMapping } from '@w3pool/config';
import { selectHandler } from './handler-mapping.js';

const mapping = (name: string, path: string, verb: string): HandlerMapping => ({
  name,
  path,
  verb,
  modules: 'X',
  scriptProcessor: '',
  resourceType: 'Unspecified',
  requireAccess: 'Script',
  preCondition: '',
  allowPathInfo: false,
  responseBufferLimit: 0,
});
const list = [
  mapping('php', '*.php', 'GET,HEAD,POST'),
  mapping('hello', 'hello.axd', '*'),
  mapping('StaticFile', '*', 'GET,HEAD'),
];

describe('selectHandler', () => {
  it('takes the first mapping whose path and verb match, in order', () => {
    expect(selectHandler(list, 'POST', '/a/index.PHP')).toMatchObject({ kind: 'mapped', index: 0 });
    expect(selectHandler(list, 'DELETE', '/x/hello.axd')).toMatchObject({ kind: 'mapped', index: 1 });
    expect(selectHandler(list, 'GET', '/style.css')).toMatchObject({ kind: 'mapped', index: 2 });
  });

  it('splits PATH_INFO off at the first segment an allowPathInfo mapping matches', () => {
    const php = { ...mapping('php', '*.php', '*'), allowPathInfo: true };
    const mappings = [php, mapping('StaticFile', '*', '*')];
    expect(selectHandler(mappings, 'GET', '/app/index.php/a/b.txt')).toMatchObject({
      index: 0,
      scriptName: '/app/index.php',
      pathInfo: '/a/b.txt',
    });
    expect(selectHandler(mappings, 'GET', '/app/index.php')).toMatchObject({
      index: 0,
      scriptName: '/app/index.php',
      pathInfo: '',
    });
    // Without allowPathInfo, only the last segment decides: the static mapping takes it.
    expect(selectHandler(list, 'GET', '/app/index.php/a')).toMatchObject({ index: 2, pathInfo: '' });
  });

  it('is 405 when paths match but no verb does, and none when no path matches', () => {
    expect(selectHandler(list, 'PUT', '/style.css')).toEqual({ kind: 'verb-not-allowed' });
    expect(selectHandler([list[0]!], 'GET', '/style.css')).toEqual({ kind: 'none' });
  });
});
