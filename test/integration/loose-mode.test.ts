/**
 * Issue 11: what a table holds because it was written under a looser sql_mode loads back as it is,
 * whatever mode the source and the target run: values (an ENUM's invalid value, clipped TIME and
 * numbers, zero and invalid dates), definitions only a non-strict mode accepts (duplicate ENUM
 * members), and (MariaDB) rows a CHECK constraint added later rejects. Rows that do not fit the
 * target table are still refused.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteIdent } from '../../src/core/ident.js';
import { adminSession, type AdminSession } from '../support/server.js';
import { Scratch, VARIANTS, dump, expectSameDatabase, load, runSql } from './exactness-fixture.js';

const probe = await adminSession();
const isMariadb = /mariadb/i.test(String(await probe.scalar('SELECT @@version')));
await probe.close();

/** MySQL 8's default: strict, and zero dates refused. */
const STRICT_MODE = 'ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION';

describe('values and definitions of a looser sql_mode', () => {
  const scratch = new Scratch();
  let admin: AdminSession;
  const src = scratch.db('loose');

  beforeAll(async () => {
    admin = await adminSession();
    await runSql(
      src,
      `CREATE TABLE t (c ENUM('a','b'));
       INSERT INTO t VALUES ('a'), ('zzz'), ('b'), (NULL), (0);
       CREATE TABLE v (id INT PRIMARY KEY, e ENUM('x','y') NOT NULL, tm TIME, t0 TIME(0), ti TINYINT, tu TINYINT UNSIGNED, d DECIMAL(5,2),
         y YEAR, dt DATE, dtt DATETIME, ts TIMESTAMP NULL, f FLOAT(5,2), db DOUBLE(5,2), c CHAR(3), b BIT(3), s SET('p','q'), dz DATE NOT NULL DEFAULT '0000-00-00');
       INSERT INTO v VALUES
         (1, 'zzz', '900:00:00', '12:00:00.7', 300, -5, 12345.678, 1800, '0000-00-00', '2004-00-00 00:00:00', '0000-00-00 00:00:00', 12345.6, 99999, 'abcdef', 15, 'p,z', '0000-00-00'),
         (2, 'x', '-900:00:00', 'xx', 'abc', 999, -99999, 99, '2004-02-00', '0000-00-00 00:00:00', NULL, -1e10, -1e10, 'a', 8, 'q', '2001-01-01');
       CREATE TABLE dup32 (id INT PRIMARY KEY, e ENUM('','') , s SET('x','X')) CHARACTER SET utf32;
       INSERT INTO dup32 VALUES (1, 1, 1), (2, 2, 2), (3, 0, 3);
       CREATE TABLE dupci (id INT PRIMARY KEY, e ENUM('a','A','b')) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;
       INSERT INTO dupci VALUES (1, 1), (2, 2), (3, 3), (4, 0);`,
      '',
    );
    // invalid dates exist only under ALLOW_INVALID_DATES
    await runSql(src, `CREATE TABLE inv (id INT PRIMARY KEY, d DATE, dt DATETIME); INSERT INTO inv VALUES (1, '2004-02-31', '2001-04-31 10:00:00')`, 'ALLOW_INVALID_DATES');
    if (isMariadb) {
      // a CHECK constraint added with the checks off: the rows before it need not satisfy it
      await runSql(src, `CREATE TABLE chk (id INT PRIMARY KEY, n INT); INSERT INTO chk VALUES (1, -1), (2, 5);
        SET SESSION check_constraint_checks = OFF; ALTER TABLE chk ADD CONSTRAINT positive CHECK (n > 0);`);
    }
  }, 120_000);

  afterAll(async () => {
    await scratch.cleanup();
    await admin?.close();
  });

  for (const v of VARIANTS) {
    for (const sourceMode of ['as recorded', 'strict'] as const) {
      it(`load back exactly in ${v.name} (source session ${sourceMode})`, async () => {
        const { out, result } = await dump(scratch, src, v, ['--checksum']);
        expect(result.code, result.stderr).toBe(0);
        if (sourceMode === 'strict') {
          // as if the source had run MySQL 8's default mode (the mode is recorded, not hashed)
          const file = path.join(out, 'manifest.json');
          const m = JSON.parse(readFileSync(file, 'utf8')) as { session: { sqlMode: string } };
          m.session.sqlMode = STRICT_MODE;
          writeFileSync(file, JSON.stringify(m, null, 1) + '\n');
        }
        const copy = scratch.db('loose_copy');
        const l = await load(out, copy);
        expect(l.code, l.stderr).toBe(0);
        await expectSameDatabase(admin, src, copy, `${v.name} ${sourceMode}`);
        const q = (db: string): string => `SELECT c + 0 AS i FROM ${quoteIdent(db)}.t ORDER BY i`;
        expect(await admin.query(q(copy))).toEqual(await admin.query(q(src)));
      }, 300_000);
    }
  }

  it('still refuses values the target table cannot hold, naming the line', async () => {
    const { out, result } = await dump(scratch, src, VARIANTS[2]!);
    expect(result.code, result.stderr).toBe(0);
    const dst = scratch.db('loose_narrow');
    // the same tables, but v.tu is signed: 255 does not fit
    await runSql(dst, `CREATE TABLE v (id INT PRIMARY KEY, e ENUM('x','y') NOT NULL, tm TIME, t0 TIME(0), ti TINYINT, tu TINYINT, d DECIMAL(5,2),
         y YEAR, dt DATE, dtt DATETIME, ts TIMESTAMP NULL, f FLOAT(5,2), db DOUBLE(5,2), c CHAR(3), b BIT(3), s SET('p','q'), dz DATE NOT NULL DEFAULT '0000-00-00')`, '');
    const l = await load(out, dst, ['--drop-table', 'truncate']);
    expect(l.code, l.stderr).toBe(1);
    expect(l.stderr).toMatch(/Out of range value for column 'tu' at row 2 \(line 1 of [^)]*v\.000001\.sql\)/);
    expect(Number(await admin.scalar(`SELECT COUNT(*) FROM ${quoteIdent(dst)}.v`))).toBe(0);
  }, 300_000);
});
