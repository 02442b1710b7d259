/**
 * AUTO_INCREMENT counters come back as dumped when they are above the rows, including past the
 * column's range (which CREATE TABLE accepts) on tables with a virtual column, where an in-place
 * ALTER (the deferred ADD KEY, ALTER … AUTO_INCREMENT itself) recomputes the counter from the rows;
 * on a system-versioned table (MariaDB) the history rows are among them. Found by the generative
 * round trip (seed 7, path 19: INT counter 2147484115 came back as max(id)+1 = 405360950). Counters
 * past 2^53 (BIGINT) come back exact, not rounded as a JSON number would hold them; and
 * the counter of a table whose definition only a non-strict sql_mode accepts (an ENUM with a
 * duplicate member) is set too (its ALTER failed with error 1291 in the server's default mode; found
 * by the generative round trip, seed 555, path 8). A partitioned table's spent counter comes back as the
 * source's CREATE TABLE has it, not the lower value information_schema read first (seed 202139927, path 257).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteIdent } from '../../src/core/ident.js';
import { connArgs, runCli } from '../support/cli.js';
import { adminSession, dropDbs, uniqueDb, type AdminSession } from '../support/server.js';

const probe = await adminSession();
const isMariadb = /mariadb/i.test(String(await probe.scalar('SELECT @@version')));
const canInsertHistory = await probe.scalar('SELECT @@system_versioning_insert_history').then(() => true, () => false);
await probe.close();
const versioned = isMariadb && canInsertHistory;

/** table name → AUTO_INCREMENT counter, for every table of the database. */
async function counters(admin: AdminSession, db: string): Promise<Record<string, string | null>> {
  const rows = await admin.query<{ t: string; n: string | null }>(
    'SELECT TABLE_NAME AS t, AUTO_INCREMENT AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME',
    [db],
  );
  return Object.fromEntries(rows.map((r) => [r.t, r.n === null ? null : String(r.n)]));
}

describe('AUTO_INCREMENT counters above the rows', () => {
  const db = uniqueDb('autoinc');
  const dbs = [db];
  const dirs: string[] = [];
  let admin: AdminSession;

  beforeAll(async () => {
    admin = await adminSession();
    const vcol = 'v INT, g INT GENERATED ALWAYS AS (v + 1) VIRTUAL';
    await admin.query(`CREATE DATABASE ${quoteIdent(db)}; USE ${quoteIdent(db)};
      CREATE TABLE gen_past (id INT NOT NULL AUTO_INCREMENT, ${vcol}, PRIMARY KEY (id), KEY kv (v)) AUTO_INCREMENT = 2147484115;
      INSERT INTO gen_past (id, v) VALUES (405360949, 1), (405360950, 2);
      DELETE FROM gen_past WHERE id = 405360950;
      CREATE TABLE gen_past_empty (id INT NOT NULL AUTO_INCREMENT, ${vcol}, PRIMARY KEY (id), KEY kv (v)) AUTO_INCREMENT = 2147484115;
      INSERT INTO gen_past_empty (id, v) VALUES (7, 1);
      DELETE FROM gen_past_empty;
      CREATE TABLE gen_in (id INT NOT NULL AUTO_INCREMENT, ${vcol}, PRIMARY KEY (id), KEY kv (v)) AUTO_INCREMENT = 1000;
      INSERT INTO gen_in (id, v) VALUES (1, 1), (5, 5);
      CREATE TABLE tiny_past (id TINYINT NOT NULL AUTO_INCREMENT, v INT, PRIMARY KEY (id), KEY kv (v)) AUTO_INCREMENT = 566;
      INSERT INTO tiny_past (id, v) VALUES (3, 3);
      CREATE TABLE big_counter (id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT, v INT, PRIMARY KEY (id), KEY kv (v)) AUTO_INCREMENT = 18446744073709551001;
      INSERT INTO big_counter (id, v) VALUES (18446744073709550999, 1);
      CREATE TABLE past_2_53 (id BIGINT NOT NULL AUTO_INCREMENT, v INT, PRIMARY KEY (id)) AUTO_INCREMENT = 9007199254740993;
      CREATE TABLE part_spent (id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT, v INT, PRIMARY KEY (id)) PARTITION BY KEY () PARTITIONS 3;
      INSERT INTO part_spent (id, v) VALUES (18446744073709551615, 1), (18446744073709551599, 2);
      SET SESSION sql_mode = '';
      CREATE TABLE loose_enum (id TINYINT NOT NULL AUTO_INCREMENT, e ENUM('x', 'y', 'x') NOT NULL, ${vcol}, PRIMARY KEY (id), KEY kv (v)) AUTO_INCREMENT = 566;
      INSERT INTO loose_enum (id, e, v) VALUES (3, 2, 3);
      SET SESSION sql_mode = DEFAULT;`);
    if (versioned) {
      await admin.query(`USE ${quoteIdent(db)};
        CREATE TABLE ver_past (id INT NOT NULL AUTO_INCREMENT, ${vcol}, PRIMARY KEY (id), KEY kv (v)) AUTO_INCREMENT = 2147484115 WITH SYSTEM VERSIONING;
        INSERT INTO ver_past (id, v) VALUES (405360949, 1);
        DELETE FROM ver_past;
        CREATE TABLE ver_in (id INT NOT NULL AUTO_INCREMENT, v INT, PRIMARY KEY (id), KEY kv (v)) AUTO_INCREMENT = 1000 WITH SYSTEM VERSIONING;
        INSERT INTO ver_in (id, v) VALUES (1, 1), (900, 2);
        DELETE FROM ver_in WHERE id = 900;`);
    }
  });

  afterAll(async () => {
    await admin?.close();
    await dropDbs(...dbs);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it.each([
    ['csv', []],
    ['sql', ['--format', 'sql', '--statement-size', '1K']],
  ] as const)('%s: the copy has the source\'s counters, with indexes deferred', async (_format, extra) => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'tsdump-autoinc-'));
    dirs.push(out);
    const d = await runCli('tsdump', [...connArgs(), '-B', db, '-o', out, '-q', ...extra]);
    expect(d.code, d.stderr).toBe(0);
    const copy = uniqueDb('autoinc_copy');
    dbs.push(copy);
    const l = await runCli('tsload', [...connArgs(), '-d', out, '-B', copy, '--defer-indexes', 'on', '-q']);
    expect(l.code, l.stderr + l.stdout).toBe(0);
    expect(l.stderr).not.toMatch(/AUTO_INCREMENT counter/);
    const source = await counters(admin, db);
    expect(source.gen_past).toBe('2147484115');
    // past 2^53: a JSON number would round these (9007199254740993 to …992)
    expect([source.big_counter, source.past_2_53]).toEqual(['18446744073709551001', '9007199254740993']);
    if (versioned) expect(source.ver_past).toBe('2147484115');
    // the partition holding 2^64 - 1 gave out its counter: information_schema said 2^64 - 16 while the
    // table stayed open since the INSERT, SHOW CREATE TABLE (after the dump's snapshot reopened it) 2^64 - 1
    expect(source.part_spent).toBe('18446744073709551615');
    expect(await counters(admin, copy)).toEqual(source);
  });
});
