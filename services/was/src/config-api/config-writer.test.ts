import { chmod, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BACKUPS_KEPT, writeFileAtomically } from './config-writer.js';

describe('the atomic configuration writer', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'w3pool-writer-'));
    file = join(dir, 'w3pool.yaml');
    await writeFile(file, 'old: 1\n');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('replaces the file and keeps the previous one as a backup', async () => {
    const { backup } = await writeFileAtomically(file, 'new: 2\n');
    expect(await readFile(file, 'utf8')).toBe('new: 2\n');
    expect(await readFile(backup, 'utf8')).toBe('old: 1\n');
    expect(backup.startsWith(`${file}.`) && backup.endsWith('.bak')).toBe(true);
  });

  it('leaves the old file intact, and no temporary file, when the rename fails (a crash before it)', async () => {
    const crash = { rename: async () => Promise.reject(new Error('simulated crash before rename')) };
    await expect(writeFileAtomically(file, 'new: 2\n', crash)).rejects.toThrow('simulated crash');
    expect(await readFile(file, 'utf8')).toBe('old: 1\n');
    expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it(`keeps at most ${BACKUPS_KEPT} backups, dropping the oldest`, async () => {
    for (let i = 0; i < BACKUPS_KEPT + 3; i += 1) await writeFileAtomically(file, `n: ${i}\n`);
    const backups = (await readdir(dir)).filter((name) => name.endsWith('.bak'));
    expect(backups).toHaveLength(BACKUPS_KEPT);
    expect(await readFile(file, 'utf8')).toBe(`n: ${BACKUPS_KEPT + 2}\n`);
  });

  // Root writes anywhere (RawConfigStore checks the mode bits for that case): only meaningful as a user.
  it.skipIf(process.getuid?.() === 0)(
    'fails, and changes nothing, where the directory cannot be written',
    async () => {
      await chmod(dir, 0o555);
      await expect(writeFileAtomically(file, 'new: 2\n')).rejects.toMatchObject({ code: 'EACCES' });
      await chmod(dir, 0o755);
      expect(await readFile(file, 'utf8')).toBe('old: 1\n');
    },
  );
});
