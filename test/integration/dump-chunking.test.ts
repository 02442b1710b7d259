import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { qualified, quoteIdent } from '../../src/core/ident.js';
import { checksumSql } from '../../src/format/content-checksum.js';
import { rangeCondition } from '../../src/format/key-range.js';
import type { Manifest, TableEntry } from '../../src/format/manifest.js';
import { connArgs, runCli } from '../support/cli.js';
import { adminSession, dropDbs, uniqueDb, type AdminSession } from '../support/server.js';

/**
 * Gap-free chunking: for every key shape, the chunks' rows add up to COUNT(*), each chunk's range
 * holds exactly the rows the dump wrote for it, and the chunks' content checksums add up to the
 * table's — so no row is lost or written twice.
 */
describe('tsdump chunking', () => {
  const db = uniqueDb('chunking');
  const out = mkdtempSync(path.join(os.tmpdir(), 'tsdump-chunk-'));
  let admin: AdminSession;
  let manifest: Manifest;

  beforeAll(async () => {
    admin = await adminSession();
    await admin.query(`CREATE DATABASE ${quoteIdent(db)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    await admin.query(`USE \`${db}\``);
    await admin.query(`
      CREATE TABLE sparse (id BIGINT NOT NULL PRIMARY KEY, v INT);
      INSERT INTO sparse SELECT (1 << (seq DIV 40)) + seq, seq FROM seq_0_to_2399;
      CREATE TABLE negative (id INT NOT NULL PRIMARY KEY, v VARCHAR(10));
      INSERT INTO negative SELECT CAST(seq AS SIGNED) * 7 - 10000, 'n' FROM seq_0_to_2999;
      CREATE TABLE ubig (id BIGINT UNSIGNED NOT NULL PRIMARY KEY);
      INSERT INTO ubig VALUES (0), (1), (18446744073709551615), (18446744073709551614), (9223372036854775807), (9223372036854775808);
      INSERT INTO ubig SELECT seq * 1000003 FROM seq_2_to_1999;
      CREATE TABLE composite (a INT NOT NULL, b VARCHAR(20) NOT NULL, c INT, PRIMARY KEY (a, b));
      INSERT INTO composite SELECT seq % 7, CONCAT('k', seq), seq FROM seq_1_to_3000;
      CREATE TABLE unicode_pk (k VARCHAR(40) NOT NULL PRIMARY KEY, v INT) COLLATE utf8mb4_unicode_ci;
      INSERT INTO unicode_pk SELECT CONCAT(ELT(1 + seq % 6, 'a', 'B', 'é', 'Ä', '😀', 'ß'), seq), seq FROM seq_1_to_2500;
      CREATE TABLE binary_pk (k VARBINARY(32) NOT NULL PRIMARY KEY, v INT);
      INSERT INTO binary_pk SELECT UNHEX(SHA2(seq, 256)) , seq FROM seq_1_to_2000;
      INSERT INTO binary_pk VALUES (0x00, -1), (0xff, -2), (0x0000, -3), ('', -4);
      CREATE TABLE unique_only (u CHAR(8) NOT NULL, v INT, UNIQUE KEY uq (u));
      INSERT INTO unique_only SELECT LPAD(seq, 8, '0'), seq FROM seq_1_to_2000;
      CREATE TABLE keyless (a INT, b VARCHAR(5));
      INSERT INTO keyless SELECT seq % 10, 'dup' FROM seq_1_to_1500;
      CREATE TABLE enum_pk (e ENUM('z','y','x') NOT NULL, n INT NOT NULL, PRIMARY KEY (e, n));
      INSERT INTO enum_pk SELECT ELT(1 + seq % 3, 'x', 'y', 'z'), seq FROM seq_1_to_1200;
      CREATE TABLE empty_t (id INT PRIMARY KEY);
      CREATE TABLE tenant_int (tenant INT NOT NULL, id BIGINT NOT NULL, v INT, PRIMARY KEY (tenant, id));
      INSERT INTO tenant_int SELECT IF(seq <= 2000, -5, seq % 40), CAST(seq AS SIGNED) * 1009 - 500000, seq FROM seq_1_to_3000;
      CREATE TABLE tenant_str (tenant SMALLINT NOT NULL, k VARCHAR(20) NOT NULL, v INT, PRIMARY KEY (tenant, k));
      INSERT INTO tenant_str SELECT IF(seq <= 2400, 7, seq), CONCAT(ELT(1 + seq % 3, 'é', 'a', 'Z'), seq), seq FROM seq_1_to_3000;
      CREATE TABLE float_pk (f FLOAT NOT NULL, id INT NOT NULL, v INT, PRIMARY KEY (f, id));
      INSERT INTO float_pk SELECT ELT(1 + seq % 3, 0.1, 0.7, -2.3), seq, seq FROM seq_1_to_1800;
      CREATE TABLE float_one (f FLOAT NOT NULL PRIMARY KEY, v INT);
      INSERT INTO float_one SELECT seq / 7, seq FROM seq_1_to_1500;
      ANALYZE TABLE sparse, negative, ubig, composite, unicode_pk, binary_pk, unique_only, keyless, enum_pk, tenant_int, tenant_str, float_pk, float_one;
    `);
    const r = await runCli('tsdump', [...connArgs(), '-B', db, '-o', out, '--rows', '300', '-t', '3', '--checksum', '-q']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    manifest = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8')) as Manifest;
  });

  afterAll(async () => {
    await dropDbs(db);
    await admin?.close();
    rmSync(out, { recursive: true, force: true });
  });

  const table = (name: string): TableEntry => {
    const t = manifest.databases[0]!.tables.find((x) => x.name === name);
    if (!t) throw new Error(`no table ${name} in manifest`);
    return t;
  };

  it.each(['sparse', 'negative', 'ubig', 'composite', 'unicode_pk', 'binary_pk', 'unique_only', 'keyless', 'enum_pk', 'empty_t', 'tenant_int', 'tenant_str', 'float_pk', 'float_one'])(
    '%s: chunk rows add up to COUNT(*) and each range holds exactly its chunk',
    async (name) => {
      const t = table(name);
      const count = Number(await admin.scalar(`SELECT COUNT(*) FROM ${qualified(db, name)}`));
      expect(t.chunks.reduce((s, c) => s + c.rows, 0)).toBe(count);
      expect(t.rows).toBe(count);
      let n = 0n;
      let sum = 0n;
      for (const c of t.chunks) {
        const where = rangeCondition(t.key, c.lower, c.upper);
        const inRange = Number(await admin.scalar(`SELECT COUNT(*) FROM ${qualified(db, name)}${where ? ` WHERE ${where}` : ''}`));
        expect(inRange, `chunk ${c.index} of ${name}`).toBe(c.rows);
        const [cn, cs] = c.checksum!.split(':');
        n += BigInt(cn!);
        sum += BigInt(cs!);
      }
      const [whole] = await admin.query<{ n: string; s: string }>(checksumSql(db, name, t.columns, null));
      expect(`${n}:${sum}`).toBe(`${whole!.n}:${whole!.s}`);
    },
  );

  it('splits the tables that are larger than a chunk, without floods of empty chunks on sparse keys', () => {
    for (const name of ['sparse', 'negative', 'composite', 'unicode_pk', 'binary_pk', 'unique_only', 'enum_pk']) {
      expect(table(name).chunks.length, name).toBeGreaterThan(2);
    }
    expect(table('sparse').chunks.length).toBeLessThanOrEqual(20);
    expect(table('keyless').chunks).toHaveLength(1);
    expect(table('unique_only').key).toMatchObject({ kind: 'unique', index: 'uq' });
  });

  it('splits a composite key with an integer first column where its rows are, also inside one heavy first value', () => {
    // tenant_int: 2000 of 3000 rows have tenant -5 (split on id); tenant_str: 2400 have tenant 7 (split on k)
    for (const name of ['tenant_int', 'tenant_str']) {
      const chunks = table(name).chunks;
      expect(chunks.length, name).toBeGreaterThanOrEqual(6);
      expect(Math.max(...chunks.map((c) => c.rows)), name).toBeLessThanOrEqual(900);
      expect(chunks.filter((c) => c.lower?.[0] === (name === 'tenant_int' ? '-5' : '7')).length, name).toBeGreaterThan(2);
    }
  });

  // A FLOAT's own text is another number than the stored one ('0.1' vs 0.100000001490116…): with it as
  // a bound, `f = 0.1` matched none of a group's rows and `f > 0.1` all of them, so splitting a group
  // of one FLOAT value by OFFSET found the same bound forever (the dump hung in planning).
  it('splits a composite key on a FLOAT first column inside its heavy values, with bounds the server compares as stored', () => {
    const chunks = table('float_pk').chunks;
    expect(chunks.length).toBeGreaterThanOrEqual(6);
    expect(Math.max(...chunks.map((c) => c.rows))).toBeLessThanOrEqual(600);
    expect(chunks.some((c) => c.lower?.[0] === '0.10000000149011612')).toBe(true);
    expect(table('float_one').chunks.length).toBeGreaterThan(2);
  });

  // Aria answers `k >= 'b'` on a CHAR ucs2/utf32 key without 'b' (MariaDB; found by the generative round
  // trip): chunked, the dump left rows out. Such a table is read whole, with a warning naming it.
  it('reads an Aria table keyed on CHAR utf32 or ucs2 whole, so no row is left out', async () => {
    const engine = await admin.scalar("SELECT COUNT(*) FROM information_schema.ENGINES WHERE ENGINE = 'Aria' AND SUPPORT IN ('YES', 'DEFAULT')");
    if (engine !== '1') return; // Aria is MariaDB's
    await admin.query(`CREATE TABLE aria_utf32 (k CHAR(12) CHARACTER SET utf32 NOT NULL PRIMARY KEY, v INT) ENGINE=Aria;
      INSERT INTO aria_utf32 SELECT CONCAT('k', LPAD(seq, 5, '0')), seq FROM seq_1_to_3000;
      CREATE TABLE aria_ucs2 (a INT NOT NULL, k CHAR(12) CHARACTER SET ucs2 NOT NULL, PRIMARY KEY (a, k)) ENGINE=Aria;
      INSERT INTO aria_ucs2 SELECT seq % 3, CONCAT('k', seq) FROM seq_1_to_3000;`);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tsdump-chunk-aria-'));
    try {
      const r = await runCli('tsdump', [...connArgs(), '-T', `${db}.aria_utf32,${db}.aria_ucs2`, '-o', dir, '--rows', '300', '--progress', 'plain']);
      expect(r.code, r.stderr).toBe(0);
      const m = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
      for (const name of ['aria_utf32', 'aria_ucs2']) {
        const t = m.databases[0]!.tables.find((x) => x.name === name)!;
        expect(t.rows, name).toBe(3000);
        expect(t.chunks, name).toHaveLength(1);
        expect(r.stderr).toContain(`${db}.${name}: Aria misreads ranges of a CHAR key`);
      }
      // and Aria is not in the snapshot: said once, naming both
      expect(r.stderr).toContain(`2 tables of a non-transactional engine are not in the consistent snapshot: ${db}.aria_ucs2 (Aria), ${db}.aria_utf32 (Aria)`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
