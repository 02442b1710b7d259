/**
 * Issue 11: ENUM and SET values come back with the same index / bit mask. Their text is ambiguous —
 * the invalid value (index 0) and a '' member both print as '', a SET's '' member prints as
 * nothing — so they are dumped as numbers and loaded by number. A value the target's definition
 * does not hold is still refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteIdent } from '../../src/core/ident.js';
import { adminSession, type AdminSession } from '../support/server.js';
import { Scratch, VARIANTS, dump, expectSameDatabase, load, roundTrip, runSql } from './exactness-fixture.js';

const probe = await adminSession();
// --insert-method bulk: MariaDB's bulk INSERT sends the index and bit mask as integer parameters
const mariadb = /mariadb/i.test(String(await probe.scalar('SELECT @@version')));
await probe.close();

describe('ENUM and SET values', () => {
  const scratch = new Scratch();
  let admin: AdminSession;
  const src = scratch.db('enumset');

  beforeAll(async () => {
    admin = await adminSession();
    // the invalid value can only be stored in a non-strict mode
    await runSql(
      src,
      `CREATE TABLE es (id INT PRIMARY KEY, e ENUM('a','','b'), s SET('','a','b'), n ENUM('1','0','2'), ns SET('0','1','2'));
       INSERT INTO es VALUES (1,'a',0,'1','0'), (2,'',1,'0','1'), (3,'zzz',7,'2','2'), (4,0,2,0,0), (5,3,3,1,7), (6,NULL,NULL,NULL,NULL), (7,2,4,3,5), (8,1,6,2,3);
       CREATE TABLE ek (e ENUM('z','','y','x') NOT NULL, n INT NOT NULL, PRIMARY KEY (e, n));
       INSERT INTO ek SELECT seq MOD 5, seq FROM seq_1_to_400;`,
      '',
    );
  }, 120_000);

  afterAll(async () => {
    await scratch.cleanup();
    await admin?.close();
  });

  const cases = [...VARIANTS.map((v) => ({ v, bulk: false })), ...(mariadb ? VARIANTS.filter((v) => v.format === 'csv').map((v) => ({ v, bulk: true })) : [])];
  for (const { v, bulk } of cases) {
    it(`keep their index and bit mask in ${v.name}${bulk ? ' by bulk INSERT' : ''} (the invalid value, a '' member, members named like numbers, ENUM keys)`, async () => {
      const { copy } = await roundTrip(scratch, src, v, ['--rows', '50'], bulk ? ['--insert-method', 'bulk'] : []);
      const q = (db: string): string => `SELECT id, e + 0 AS e, s + 0 AS s, n + 0 AS n, ns + 0 AS ns FROM ${quoteIdent(db)}.es ORDER BY id`;
      expect(await admin.query(q(copy))).toEqual(await admin.query(q(src)));
      await expectSameDatabase(admin, src, copy, v.name);
    }, 300_000);
  }

  for (const method of mariadb ? ['load-data', 'bulk'] : ['load-data']) {
    it(`refuses an index the target table does not have, naming the line (${method})`, async () => {
    const { out, result } = await dump(scratch, src, VARIANTS[0]!);
    expect(result.code, result.stderr).toBe(0);
    const dst = scratch.db('enumset_narrow');
    await runSql(dst, `CREATE TABLE es (id INT PRIMARY KEY, e ENUM('a','') , s SET('','a','b'), n ENUM('1','0','2'), ns SET('0','1','2')); CREATE TABLE ek (e ENUM('z','','y','x') NOT NULL, n INT NOT NULL, PRIMARY KEY (e, n))`);
    const l = await load(out, dst, ['--drop-table', 'truncate', '--insert-method', method]);
    expect(l.code, l.stderr).toBe(1);
    // row 5 holds e = 3 ('b'), which this definition does not have
    expect(l.stderr).toMatch(/Data truncated for column 'e' at row 5 \(line 5 of [^)]*es\.000001\.csv\)/);
    expect(Number(await admin.scalar(`SELECT COUNT(*) FROM ${quoteIdent(dst)}.es`))).toBe(0);
  }, 300_000);
  }
});

describe('ENUM and SET members the server cannot print', () => {
  const scratch = new Scratch();
  const src = scratch.db('enum4b');

  beforeAll(async () => {
    await runSql(
      src,
      `CREATE TABLE m4 (id INT PRIMARY KEY, e ENUM('😀 smile', 'plain') CHARACTER SET utf8mb4, s SET('ok', 'what?') CHARACTER SET latin1, t ENUM('a?', 'b') CHARACTER SET utf8mb3);
       INSERT INTO m4 VALUES (1, 1, 2, 1);`,
    );
  }, 120_000);

  afterAll(async () => {
    await scratch.cleanup();
  });

  it("are named in a warning of the dump: a '?' in a member list that could hold a 4-byte character", async () => {
    const { result } = await dump(scratch, src, VARIANTS[0]!);
    expect(result.code, result.stderr).toBe(0);
    const warnings = result.stderr.split('\n').filter((l) => /warning: .*in its member list/.test(l));
    // e: utf8mb4 with an emoji the definition shows as '?'; s (latin1) and t (utf8mb3) hold real '?'s
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/the ENUM column `enum4b[^`]*`\.`m4`\.`e` \(utf8mb4\) has a '\?' in its member list/);
  }, 300_000);
});
