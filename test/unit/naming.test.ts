/**
 * File names from identifiers (docs/FORMAT.md): injective, never a path separator, `..` or NUL,
 * short enough for any file system, readable for plain names; and store paths refuse escapes.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TsError } from '../../src/core/errors.js';
import { chunkFile, databaseDir, encodeIdentifier, objectFile } from '../../src/format/naming.js';
import { checkRelativePath } from '../../src/storage/store-path.js';

const SAFE = /^[A-Za-z0-9_@~-]+$/;

const HOSTILE = [
  'a.b',
  'a',
  'b.c',
  'c',
  '..',
  '.',
  '../../etc',
  '/etc/passwd',
  'a/b',
  'a\\b',
  'back`tick',
  "quo'te",
  'dq"uote',
  'sp ace',
  'tab\there',
  'Ünïcödé',
  '日本語テーブル',
  '🙂emoji',
  'CON',
  'nul',
  '@40',
  '@',
  '',
  'x'.repeat(64),
  'é'.repeat(64),
  '🙂'.repeat(64),
  '日'.repeat(64),
];

describe('encodeIdentifier', () => {
  it('keeps plain names readable', () => {
    for (const n of ['orders', 'Order_Items', 'a-b', 't1', 'x'.repeat(64)]) expect(encodeIdentifier(n)).toBe(n);
  });

  it('never produces a separator, a dot, NUL or a name reserved by the file system', () => {
    for (const n of HOSTILE) {
      const e = encodeIdentifier(n);
      expect(e, n).toMatch(SAFE);
      expect(e).not.toContain('/');
      expect(e).not.toContain('\\');
      expect(e).not.toContain('.');
      expect(e).not.toContain('\0');
      expect(e.length).toBeGreaterThan(0);
    }
  });

  it('is injective on the hostile set and on table/db splits (a.b + c vs a + b.c)', () => {
    const seen = new Map<string, string>();
    for (const n of HOSTILE) {
      const e = encodeIdentifier(n);
      expect(seen.get(e), `${JSON.stringify(n)} collides with ${JSON.stringify(seen.get(e))}`).toBeUndefined();
      seen.set(e, n);
    }
    expect(chunkFile('a.b', 'c', 1, 'csv')).not.toBe(chunkFile('a', 'b.c', 1, 'csv'));
    expect(objectFile('a.b', 'table', 'c')).not.toBe(objectFile('a', 'table', 'b.c'));
    // a literal '@40' must not collide with '@' encoded ('@' -> '@40')
    expect(encodeIdentifier('@')).not.toBe(encodeIdentifier('@40'));
  });

  it('keeps 64-character unicode names under 255 bytes, still distinct', () => {
    const longs = ['é'.repeat(64), 'é'.repeat(63) + 'è', '🙂'.repeat(64), '🙂'.repeat(63) + '🙃', '日'.repeat(64)];
    const encoded = longs.map(encodeIdentifier);
    for (const e of encoded) {
      expect(Buffer.byteLength(e)).toBeLessThan(255);
      // the longest file name we build from it: <enc>.000001.csv.gz / <enc>.procedure.sql
      expect(Buffer.byteLength(path.basename(chunkFile('d', longs[0]!, 999999, 'csv.gz')))).toBeLessThan(255);
      expect(Buffer.byteLength(path.basename(objectFile('d', 'procedure', longs[0]!)))).toBeLessThan(255);
    }
    expect(new Set(encoded).size).toBe(longs.length);
  });

  it('is deterministic', () => {
    for (const n of HOSTILE) expect(encodeIdentifier(n)).toBe(encodeIdentifier(n));
  });

  it('places every file of a database inside its own directory', () => {
    for (const db of HOSTILE) {
      for (const t of HOSTILE) {
        const f = chunkFile(db, t, 1, 'csv');
        const parts = f.split('/');
        expect(parts).toHaveLength(2);
        expect(parts[0]).toBe(databaseDir(db));
        expect(parts.every((p) => p !== '..' && p !== '.' && p !== '')).toBe(true);
        expect(() => checkRelativePath(f)).not.toThrow();
      }
    }
  });
});

describe('checkRelativePath (every store checks paths with it)', () => {
  const bad = ['../x', 'a/../../x', '/etc/passwd', 'a/./b', 'a//b', '', 'a\\..\\b', 'a\0b', '..', 'db/..'];
  it.each(bad)('refuses %j', (rel) => {
    let err: unknown;
    try {
      checkRelativePath(rel);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TsError);
    expect((err as TsError).code).toBe('bad-dump');
    expect((err as TsError).exitCode).toBe(6);
  });

  it('accepts paths inside the directory', () => {
    expect(checkRelativePath('db/t.000001.csv')).toBe('db/t.000001.csv');
  });
});
