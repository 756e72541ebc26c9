import { describe, expect, it } from 'vitest';
import type { RequestJob } from '@w3pool/protocol';
import { childJob } from './child-request.js';

const parent = {
  id: 'L.1',
  method: 'POST',
  rawUrl: '/shop/cart/add.php?x=1',
  path: '/shop/cart/add.php',
  query: 'x=1',
  headers: ['Host', 'a.example', 'X-Tag', 'parent', 'x-tag', 'again'],
} as unknown as RequestJob;

describe('childJob', () => {
  it('resolves a relative URL against the parent’s, decoded and normalised, with its own query', () => {
    const child = childJob(parent, '../list%20all.php?page=2', undefined);
    expect(child).toMatchObject({
      path: '/shop/list all.php',
      rawUrl: '/shop/list%20all.php?page=2',
      query: 'page=2',
      method: 'POST',
    });
    expect(childJob(parent, '/a/../b.php', undefined).path).toBe('/b.php');
  });

  it('replaces the headers the caller names, whatever their case, and keeps the others', () => {
    const child = childJob(parent, 'x.php', { method: 'get', headers: { 'x-tag': 'child' } });
    expect(child.method).toBe('GET');
    expect(child.headers).toEqual(['Host', 'a.example', 'x-tag', 'child']);
  });
});
