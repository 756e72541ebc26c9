import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { W3poolError } from '@w3pool/protocol';
import { readSecuritySettings } from './security-settings.js';
import { resolveAdminToken, TOKEN_HASH_FILE } from './token-store.js';

describe('the admin token store', () => {
  let dir: string;
  const configFile = () => join(dir, 'w3pool.yaml');
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'w3pool-token-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('generates a 256-bit token at first start, stores only its SHA-256, and verifies against it later', async () => {
    const settings = readSecuritySettings({}, configFile());
    const first = await resolveAdminToken(settings);
    const token = first.generated!;
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    const hashFile = join(dir, '.w3pool', TOKEN_HASH_FILE);
    expect(first.verifier.hashFile).toBe(hashFile);
    const stored = await readFile(hashFile, 'utf8');
    expect(stored).not.toContain(token);
    expect(stored).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    expect((await stat(hashFile)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, '.w3pool'))).mode & 0o777).toBe(0o700);

    // The next start finds the hash: no new token, the old one still works, others do not.
    const second = await resolveAdminToken(settings);
    expect(second.generated).toBeUndefined();
    expect(second.verifier.source).toBe('stored hash');
    expect(second.verifier.verify(token)).toBe(true);
    expect(second.verifier.verify(`${token}x`)).toBe(false);
    expect(second.verifier.verify('')).toBe(false);
  });

  it('takes W3POOL_ADMIN_TOKEN first, then W3POOL_ADMIN_TOKEN_FILE (trimmed), and stores nothing for them', async () => {
    const file = join(dir, 'token');
    await writeFile(file, 'from-the-file\n');
    const both = await resolveAdminToken(
      readSecuritySettings({ W3POOL_ADMIN_TOKEN: 'from-env', W3POOL_ADMIN_TOKEN_FILE: file }, configFile()),
    );
    expect(both.verifier.source).toBe('W3POOL_ADMIN_TOKEN');
    expect(both.verifier.verify('from-env')).toBe(true);
    expect(both.verifier.verify('from-the-file')).toBe(false);

    const fromFile = await resolveAdminToken(
      readSecuritySettings({ W3POOL_ADMIN_TOKEN_FILE: file }, configFile()),
    );
    expect(fromFile.verifier.source).toBe('W3POOL_ADMIN_TOKEN_FILE');
    expect(fromFile.verifier.verify('from-the-file')).toBe(true);
    await expect(stat(join(dir, '.w3pool'))).rejects.toThrow(/ENOENT/);
  });

  it('keeps the hash in W3POOL_STATE_DIR when set', async () => {
    const stateDir = join(dir, 'state');
    const { generated, verifier } = await resolveAdminToken(
      readSecuritySettings({ W3POOL_STATE_DIR: stateDir }, configFile()),
    );
    expect(verifier.hashFile).toBe(join(stateDir, TOKEN_HASH_FILE));
    expect(verifier.verify(generated!)).toBe(true);
  });

  it('refuses to start on a missing or empty token file, or a damaged hash, with WAS_ADMIN_TOKEN_UNAVAILABLE', async () => {
    const code = (promise: Promise<unknown>) =>
      promise.then(
        () => 'resolved',
        (error: unknown) => (error as W3poolError).code,
      );
    expect(
      await code(
        resolveAdminToken(readSecuritySettings({ W3POOL_ADMIN_TOKEN_FILE: join(dir, 'none') }, configFile())),
      ),
    ).toBe('WAS_ADMIN_TOKEN_UNAVAILABLE');
    await writeFile(join(dir, 'empty'), '\n');
    expect(
      await code(
        resolveAdminToken(
          readSecuritySettings({ W3POOL_ADMIN_TOKEN_FILE: join(dir, 'empty') }, configFile()),
        ),
      ),
    ).toBe('WAS_ADMIN_TOKEN_UNAVAILABLE');
    const stateDir = join(dir, 'damaged');
    await resolveAdminToken(readSecuritySettings({ W3POOL_STATE_DIR: stateDir }, configFile()));
    await writeFile(join(stateDir, TOKEN_HASH_FILE), 'sha256:abc\n');
    expect(
      await code(resolveAdminToken(readSecuritySettings({ W3POOL_STATE_DIR: stateDir }, configFile()))),
    ).toBe('WAS_ADMIN_TOKEN_UNAVAILABLE');
  });
});
