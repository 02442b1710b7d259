/**
 * Issue 11: deferring secondary indexes (tsload's default) must not change a table's definition.
 * The server keeps keys sorted by kind (primary, unique, plain, FULLTEXT) and, within a kind, in the
 * order they were created; keys created with the table come before keys added later. So SHOW CREATE
 * TABLE of source and copy must be identical, also when a key has to stay in the CREATE TABLE (the
 * AUTO_INCREMENT column's), with FULLTEXT keys added one per ALTER, long UNIQUE (hash) keys, spatial,
 * descending and ignored keys, and foreign keys; and a table without a primary key partitioned by
 * KEY () keeps the UNIQUE key it is partitioned by in its CREATE TABLE (was error 1488).
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { adminSession, type AdminSession } from '../support/server.js';
import { Scratch, VARIANTS, expectSameDatabase, roundTrip, runSql } from './exactness-fixture.js';

const probe = await adminSession();
const isMariadb = /mariadb/i.test(String(await probe.scalar('SELECT @@version')));
await probe.close();

describe('deferred indexes keep the definition', () => {
  const scratch = new Scratch();
  let admin: AdminSession;
  const src = scratch.db('idxorder');

  beforeAll(async () => {
    admin = await adminSession();
    await runSql(
      src,
      `CREATE TABLE ai (k INT NOT NULL, id INT NOT NULL AUTO_INCREMENT, PRIMARY KEY (k), KEY k2 (k), KEY id (id));
       INSERT INTO ai (k) SELECT seq FROM seq_1_to_50;
       CREATE TABLE aiu (k INT NOT NULL, id INT NOT NULL AUTO_INCREMENT, x INT, y INT, PRIMARY KEY (k), KEY a (x), UNIQUE KEY uy (y), UNIQUE KEY id (id), KEY b (y));
       INSERT INTO aiu (k, x, y) SELECT seq, seq MOD 7, seq FROM seq_1_to_50;
       CREATE TABLE ft (id INT NOT NULL PRIMARY KEY, t1 TEXT, t2 TEXT, t3 VARCHAR(100), x INT, y INT NOT NULL, z INT,
         FULLTEXT KEY fa (t1), KEY n (x), FULLTEXT KEY fb (t2, t3), UNIQUE KEY uz (z), UNIQUE KEY uy (y), FULLTEXT KEY fc (t3), KEY m (y, x)) ENGINE=InnoDB;
       INSERT INTO ft SELECT seq, CONCAT('alpha ', seq), CONCAT('beta ', seq), CONCAT('gamma ', seq), seq MOD 3, seq, IF(seq MOD 2, seq, NULL) FROM seq_1_to_50;
       CREATE TABLE sp (id INT NOT NULL PRIMARY KEY, g POINT NOT NULL, x INT, KEY kx (x), SPATIAL KEY sg (g), KEY kx2 (x, id)) ENGINE=InnoDB;
       INSERT INTO sp SELECT seq, POINT(seq, seq), seq FROM seq_1_to_20;
       CREATE TABLE parent (id INT NOT NULL PRIMARY KEY, code INT NOT NULL, UNIQUE KEY code (code));
       INSERT INTO parent SELECT seq, seq * 10 FROM seq_1_to_10;
       CREATE TABLE child (id INT NOT NULL PRIMARY KEY, pid INT, pcode INT, note VARCHAR(20),
         KEY zz (note), CONSTRAINT fk_b FOREIGN KEY (pcode) REFERENCES parent (code), CONSTRAINT fk_a FOREIGN KEY (pid) REFERENCES parent (id));
       INSERT INTO child SELECT seq, seq, seq * 10, 'n' FROM seq_1_to_10;
       CREATE TABLE part_uq (u INT NOT NULL, v INT, UNIQUE KEY uq (u), KEY kv (v)) PARTITION BY KEY () PARTITIONS 3;
       INSERT INTO part_uq SELECT seq, seq MOD 5 FROM seq_1_to_40;`,
    );
    if (isMariadb) {
      await runSql(
        src,
        `CREATE TABLE lh (id INT NOT NULL PRIMARY KEY, b1 BLOB, b2 TEXT, x INT, KEY kx (x), UNIQUE KEY u2 (b2), UNIQUE KEY u1 (b1), KEY kd (x DESC, id), KEY ig (id, x) IGNORED);
         INSERT INTO lh SELECT seq, CONCAT('b', seq), CONCAT('t', seq), seq MOD 4 FROM seq_1_to_30;
         CREATE TABLE ai3 (a INT NOT NULL, b INT NOT NULL, id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT, PRIMARY KEY (a, b), FULLTEXT KEY f (note), KEY kb (b), KEY kid (id, a), note TEXT);
         INSERT INTO ai3 (a, b, note) SELECT seq, seq, 'x' FROM seq_1_to_20;`,
      );
    }
  }, 120_000);

  afterAll(async () => {
    await scratch.cleanup();
    await admin?.close();
  });

  it('SHOW CREATE TABLE of source and copy are identical', async () => {
    const { copy } = await roundTrip(scratch, src, VARIANTS[0]!);
    await expectSameDatabase(admin, src, copy, 'defer-indexes on');
  }, 300_000);
});
