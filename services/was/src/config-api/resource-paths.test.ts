import { describe, expect, it } from 'vitest';
import {
  addItem,
  collections,
  deleteItem,
  getItem,
  listItems,
  mergePatch,
  patchItem,
} from './resource-paths.js';

const raw = {
  applicationPools: [{ name: 'DefaultAppPool' }],
  sites: [
    {
      name: 'Test',
      id: 1,
      bindings: [{ protocol: 'http', bindingInformation: '*:8080:' }],
      applications: [
        {
          path: '/',
          applicationPool: 'DefaultAppPool',
          virtualDirectories: [{ path: '/', physicalPath: './site' }],
        },
        {
          path: '/php',
          applicationPool: 'DefaultAppPool',
          virtualDirectories: [{ path: '/', physicalPath: 'php' }],
        },
      ],
    },
  ],
};
const frozen = JSON.stringify(raw);

describe('edits of the raw configuration tree', () => {
  it('adds, patches and deletes an application pool on a copy, never on the held tree', () => {
    const added = addItem(raw, collections.apppools, {}, { name: 'Api', queueLength: 10 });
    expect(listItems(added, collections.apppools, {})).toEqual([
      { name: 'DefaultAppPool' },
      { name: 'Api', queueLength: 10 },
    ]);
    const patched = patchItem(added, collections.apppools, {}, 'Api', {
      queueLength: null,
      startMode: 'AlwaysRunning',
    });
    expect(getItem(patched, collections.apppools, {}, 'Api')).toEqual({
      name: 'Api',
      startMode: 'AlwaysRunning',
    });
    expect(
      listItems(deleteItem(patched, collections.apppools, {}, 'Api'), collections.apppools, {}),
    ).toHaveLength(1);
    expect(JSON.stringify(raw)).toBe(frozen);
  });

  it('refuses a second item with the same key (409) and names a missing one (404)', () => {
    expect(() => addItem(raw, collections.apppools, {}, { name: 'DefaultAppPool' })).toThrow(
      expect.objectContaining({ code: 'WAS_CONFIG_ITEM_EXISTS' }),
    );
    expect(() => getItem(raw, collections.apppools, {}, 'Nope')).toThrow(
      expect.objectContaining({ code: 'WAS_CONFIG_ITEM_NOT_FOUND' }),
    );
    expect(() => listItems(raw, collections.bindings, { id: '9' })).toThrow(
      expect.objectContaining({ code: 'WAS_SITE_NOT_FOUND' }),
    );
  });

  it("keeps relative paths as written and finds an application by its path, with or without '/'", () => {
    const scope = { id: '1', app: '/php' };
    expect(getItem(raw, collections.virtualDirectories, scope, '/')).toEqual({
      path: '/',
      physicalPath: 'php',
    });
    expect(getItem(raw, collections.applications, { id: '1' }, 'php')).toMatchObject({ path: '/php' });
  });

  it("creates a site's or application's handler list on the first POST", () => {
    const handler = { name: 'Hello', path: '*.hello', verb: '*', modules: 'StaticFileModule' };
    const tree = addItem(raw, collections.handlers, { id: '1', app: '%2Fphp'.replace('%2F', '/') }, handler);
    expect(
      (tree.sites as { applications: { webServer?: unknown }[] }[])[0]!.applications[1]!.webServer,
    ).toEqual({
      handlers: { list: [handler] },
    });
  });

  it('merge-patches objects, removes with null and replaces arrays whole (RFC 7396)', () => {
    expect(mergePatch({ a: { b: 1, c: 2 }, d: [1] }, { a: { b: null, e: 3 }, d: [2] })).toEqual({
      a: { c: 2, e: 3 },
      d: [2],
    });
  });
});
