/**
 * Issue 11: a bad CSV row is reported at its own line of the chunk file, also when the server's
 * message says "Row 5 was truncated" (not "at row 5") or names no row at all (a duplicate key that
 * LOAD DATA LOCAL turns into a warning): the loader then finds the line by loading prefixes.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteIdent } from '../../src/core/ident.js';
import type { Manifest } from '../../src/format/manifest.js';
import { adminSession, type AdminSession } from '../support/server.js';
import { Scratch, VARIANTS, dump, load, runSql } from './exactness-fixture.js';

/** Rewrites line `n` (1-based) of the table's only chunk, and the manifest's size and hash of it (a deliberately edited dump: the row check, not the hash, must catch it). */
function editLine(out: string, table: string, n: number, edit: (line: string) => string): string {
  const file = path.join(out, 'manifest.json');
  const m = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
  const chunk = m.databases[0]!.tables.find((t) => t.name === table)!.chunks[0]!;
  const lines = readFileSync(path.join(out, chunk.path), 'latin1').split('\n');
  lines[n - 1] = edit(lines[n - 1]!);
  const data = Buffer.from(lines.join('\n'), 'latin1');
  writeFileSync(path.join(out, chunk.path), data);
  (chunk as { bytes: number }).bytes = data.length;
  (chunk as { sha256: string }).sha256 = createHash('sha256').update(data).digest('hex');
  // as a dump written before prefix hashes: the loader checks the whole file's sha256
  delete (chunk as { prefixes?: unknown }).prefixes;
  writeFileSync(file, JSON.stringify(m, null, 1) + '\n');
  return chunk.path;
}

describe('the line of a bad CSV row', () => {
  const scratch = new Scratch();
  let admin: AdminSession;
  const src = scratch.db('lines');

  beforeAll(async () => {
    admin = await adminSession();
    await runSql(src, `CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10)); INSERT INTO t SELECT seq, CONCAT('v', seq) FROM seq_1_to_10;
      CREATE TABLE k (x INT, y VARCHAR(10)); INSERT INTO k SELECT IF(seq = 7, 3, seq), 'y' FROM seq_1_to_10;`);
  }, 60_000);

  afterAll(async () => {
    await scratch.cleanup();
    await admin?.close();
  });

  it('a line with an extra column is reported at its line', async () => {
    const { out, result } = await dump(scratch, src, VARIANTS[0]!, ['-T', `${src}.t`]);
    expect(result.code, result.stderr).toBe(0);
    const file = editLine(out, 't', 5, (l) => `${l},"extra"`);
    const dst = scratch.db('lines_extra');
    const l = await load(out, dst);
    expect(l.code, l.stderr).toBe(1);
    expect(l.stderr).toContain(`Row 5 was truncated; it contained more data than there were input columns (line 5 of ${file})`);
    expect(Number(await admin.scalar(`SELECT COUNT(*) FROM ${quoteIdent(dst)}.t`))).toBe(0);
  }, 120_000);

  it('a duplicate key the server reports without a row is found at its line', async () => {
    const { out, result } = await dump(scratch, src, VARIANTS[0]!, ['-T', `${src}.k`]);
    expect(result.code, result.stderr).toBe(0);
    const dst = scratch.db('lines_dup');
    await runSql(dst, 'CREATE TABLE k (x INT NOT NULL PRIMARY KEY, y VARCHAR(10))');
    const l = await load(out, dst, ['--drop-table', 'truncate']);
    expect(l.code, l.stderr).toBe(1);
    expect(l.stderr).toMatch(new RegExp(`Duplicate entry '3' .*\\(line 7 of ${src}/k\\.000001\\.csv\\)`));
    expect(Number(await admin.scalar(`SELECT COUNT(*) FROM ${quoteIdent(dst)}.k`))).toBe(0);
  }, 120_000);
});
