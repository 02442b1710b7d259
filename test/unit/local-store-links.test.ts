/**
 * The local store never writes through a symbolic link: a link planted where a new file's
 * `.partial` goes is refused, and the file it points to is left as it was.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TsError } from '../../src/core/errors.js';
import { DirectFile } from '../../src/storage/direct-file.js';
import { localStore } from '../../src/storage/local-store.js';

const dirs: string[] = [];
const temp = (): string => {
  const d = mkdtempSync(path.join(tmpdir(), 'tsdump-links-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('writes never follow a symbolic link', () => {
  it('LocalStore.create refuses a planted <file>.partial link; the target is untouched', async () => {
    const root = temp();
    const victim = path.join(temp(), 'victim.txt');
    writeFileSync(victim, 'precious\n');
    mkdirSync(path.join(root, 'db'));
    symlinkSync(victim, path.join(root, 'db', 't.000001.csv.partial'));
    const store = await localStore(root);
    const err = await store.create('db/t.000001.csv').then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TsError);
    expect((err as TsError).message).toContain('cannot write db/t.000001.csv: ELOOP');
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
  });

  it('DirectFile.create refuses a link, through the page cache too', async () => {
    const dir = temp();
    const victim = path.join(dir, 'victim.txt');
    writeFileSync(victim, 'precious\n');
    symlinkSync(victim, path.join(dir, 'link'));
    for (const direct of [true, false]) {
      await expect(DirectFile.create(path.join(dir, 'link'), { direct })).rejects.toMatchObject({ code: 'ELOOP' });
    }
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
  });
});
