import { mkdtemp, rm, writeFile, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { webServerFor } from './module-harness.test-helper.js';
import { parseUsers, UserDirectory } from './user-directory.js';

// Cost 4, bcrypt's least, keeps the tests fast; the comparison is the same at any cost.
const hash = (password: string) => bcrypt.hashSync(password, 4);

function settings(basic: Record<string, unknown>) {
  return webServerFor({
    server: { security: { authentication: { basicAuthentication: { enabled: true, ...basic } } } },
  }).security.authentication.basicAuthentication;
}

describe('UserDirectory', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'w3pool-users-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('logs on a known user with the right password, by a name compared case-insensitively', async () => {
    const users = await UserDirectory.open(
      settings({ users: [{ name: 'Alice', passwordHash: hash('s3cret'), roles: ['editors'] }] }),
      () => undefined,
    );
    expect(await users.verify('alice', 's3cret')).toEqual({
      name: 'Alice',
      authType: 'Basic',
      roles: ['editors'],
    });
    expect(await users.verify('alice', 'wrong')).toBeUndefined();
    expect(await users.verify('mallory', 's3cret')).toBeUndefined();
  });

  it('puts defaultLogonDomain before a name sent without a domain', async () => {
    const users = await UserDirectory.open(
      settings({
        defaultLogonDomain: 'CONTOSO',
        users: [{ name: 'CONTOSO\\bob', passwordHash: hash('pw') }],
      }),
      () => undefined,
    );
    expect((await users.verify('bob', 'pw'))?.name).toBe('CONTOSO\\bob');
    expect((await users.verify('contoso\\bob', 'pw'))?.name).toBe('CONTOSO\\bob');
    expect(await users.verify('OTHER\\bob', 'pw')).toBeUndefined();
  });

  it('adds the users of usersFile and re-reads it when it changes, at most once a second', async () => {
    const file = join(dir, 'users.json');
    await writeFile(file, JSON.stringify([{ name: 'carol', passwordHash: hash('one') }]));
    let now = 0;
    const users = await UserDirectory.open(
      settings({ usersFile: file, users: [{ name: 'alice', passwordHash: hash('a') }] }),
      () => undefined,
      () => now,
    );
    expect(users.size).toBe(2);
    expect((await users.verify('carol', 'one'))?.name).toBe('carol');

    await writeFile(
      `${file}.new`,
      JSON.stringify([{ name: 'carol', passwordHash: hash('two'), roles: ['x'] }]),
    );
    await rename(`${file}.new`, file);
    now += 500;
    expect(await users.refresh()).toBe(false); // within the second: not looked at
    now += 500;
    expect(await users.refresh()).toBe(true);
    expect(await users.verify('carol', 'one')).toBeUndefined();
    expect(await users.verify('carol', 'two')).toMatchObject({ name: 'carol', roles: ['x'] });
    now += 1000;
    expect(await users.refresh()).toBe(false); // unchanged
  });

  it('keeps the users it had when usersFile becomes invalid, and says so', async () => {
    const file = join(dir, 'users.json');
    await writeFile(file, JSON.stringify([{ name: 'carol', passwordHash: hash('one') }]));
    let now = 0;
    const warnings: string[] = [];
    const users = await UserDirectory.open(
      settings({ usersFile: file }),
      (m) => warnings.push(m),
      () => now,
    );
    await writeFile(file, '[{ "name": "carol", "passwordHash": "plain-text" }]');
    now += 1000;
    expect(await users.refresh()).toBe(false);
    expect(warnings).toEqual([
      'basicAuthentication usersFile is invalid; the users read before stay in force',
    ]);
    expect((await users.verify('carol', 'one'))?.name).toBe('carol');
  });

  it('refuses to start with an unreadable or invalid usersFile, or a user defined twice', async () => {
    await expect(
      UserDirectory.open(settings({ usersFile: join(dir, 'missing.json') }), () => undefined),
    ).rejects.toThrow(/usersFile .*missing\.json: ENOENT/);
    const file = join(dir, 'users.json');
    await writeFile(file, JSON.stringify([{ name: 'ALICE', passwordHash: hash('x') }]));
    await expect(
      UserDirectory.open(
        settings({ usersFile: file, users: [{ name: 'alice', passwordHash: hash('y') }] }),
        () => undefined,
      ),
    ).rejects.toThrow('user "ALICE" is defined twice');
  });

  it('checks the entries of a users file as the schema checks the configuration', () => {
    const good = hash('x');
    expect(parseUsers([{ name: 'a', passwordHash: good }], 'f')).toEqual([
      { name: 'a', passwordHash: good, roles: [] },
    ]);
    expect(() => parseUsers({}, 'f')).toThrow('expected a JSON array of users');
    expect(() => parseUsers([null], 'f')).toThrow('[0]: expected { name, passwordHash, roles }');
    expect(() => parseUsers([{ name: 'a:b', passwordHash: good }], 'f')).toThrow('without a colon');
    expect(() => parseUsers([{ name: 'a', passwordHash: 'md5:abc' }], 'f')).toThrow('must be a bcrypt hash');
    expect(() => parseUsers([{ name: 'a', passwordHash: good, roles: [''] }], 'f')).toThrow('roles must be');
  });
});
