/**
 * mariadb-dump files as a DBA finds them after someone touched them: saved by an editor with a
 * UTF-8 byte order mark, two dumps concatenated into one file, a copy cut off in the middle of a
 * statement. Each is restored as `mariadb < file` restores it, or refused before anything is
 * created, naming the line to look at.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectSameDatabases } from '../support/checker.js';
import { connArgs, mariadbClient, mariadbDump, runCli } from '../support/cli.js';
import type { AdminSession } from '../support/server.js';
import { adminSession, dropDbs, uniqueDb } from '../support/server.js';

const dumpOf = (args: readonly string[]): Buffer => mariadbDump(['--routines', '--triggers', ...args]);

describe('tsload restores hand-edited mariadb-dump files, or refuses them naming the line', () => {
  let admin: AdminSession;
  const src = uniqueDb('imp_edit_src');
  const src2 = uniqueDb('imp_edit_src2');
  const targets: string[] = [];
  let dir: string;

  beforeAll(async () => {
    admin = await adminSession();
    dir = mkdtempSync(path.join(os.tmpdir(), 'tsload-edited-'));
    for (const db of [src, src2]) {
      await admin.query(`CREATE DATABASE \`${db}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
      // a TIMESTAMP is read in the session's time zone (the test server's is not UTC), a non-ASCII
      // string in its character set, and a generated column's dumped value is refused in strict mode
      // unless the file's own sql_mode is in force
      await admin.query(`CREATE TABLE \`${db}\`.t (id INT PRIMARY KEY, name VARCHAR(40), ts TIMESTAMP NULL, g INT AS (id * 2) VIRTUAL)`);
      await admin.query(`INSERT INTO \`${db}\`.t (id, name, ts) VALUES (1, 'Ärger über Öl', '2024-03-31 01:30:00'), (2, 'plain', '2021-06-01 12:00:00'), (3, NULL, NULL)`);
      await admin.query(`CREATE TABLE \`${db}\`.big (id INT PRIMARY KEY, pad VARCHAR(200))`);
      await admin.query(`INSERT INTO \`${db}\`.big SELECT seq, REPEAT('x', 150) FROM mysql.seq_1_to_3000`);
      await admin.query(`CREATE VIEW \`${db}\`.v AS SELECT id, name FROM \`${db}\`.t`);
    }
  }, 600_000);

  afterAll(async () => {
    await dropDbs(src, src2, ...targets);
    rmSync(dir, { recursive: true, force: true });
    await admin?.close();
  });

  const expectExact = (from: string, dst: string, label: string): Promise<void> => expectSameDatabases(admin, from, dst, label);

  it('skips a UTF-8 byte order mark before the first line, so the header SETs (NAMES, TIME_ZONE, SQL_MODE) still reach every session', async () => {
    const dst = uniqueDb('imp_edit_bom');
    targets.push(dst);
    const f = path.join(dir, 'bom.sql');
    writeFileSync(f, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), dumpOf(['--databases', src])]));
    const r = await runCli('tsload', [...connArgs(), '-d', f, '--rename', `${src}=${dst}`, '-t', '2'], { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    await expectExact(src, dst, 'BOM');
  }, 600_000);

  it('restores two dumps concatenated into one file, and refuses one whose second dump has another character set, naming the line', async () => {
    const a = uniqueDb('imp_edit_cat_a');
    const b = uniqueDb('imp_edit_cat_b');
    targets.push(a, b);
    const same = path.join(dir, 'same.sql');
    writeFileSync(same, Buffer.concat([dumpOf(['--databases', src]), dumpOf(['--databases', src2])]));
    const ok = await runCli('tsload', [...connArgs(), '-d', same, '--rename', `${src}=${a}`, '--rename', `${src2}=${b}`, '-t', '2'], { timeoutMs: 300_000 });
    expect(ok.code, ok.stderr).toBe(0);
    await expectExact(src, a, 'concatenated, first');
    await expectExact(src2, b, 'concatenated, second');

    // the first dump SETs NAMES latin1, the second utf8mb4: each one's rows are read in its own
    const c = uniqueDb('imp_edit_cat_c');
    const d = uniqueDb('imp_edit_cat_d');
    const mixed = path.join(dir, 'mixed.sql');
    const first = dumpOf(['--default-character-set=latin1', '--databases', src]);
    const second = dumpOf(['--databases', src2]);
    writeFileSync(mixed, Buffer.concat([first, second]));
    // the first INSERT of the second dump (big's: tables are dumped in name order), by its line in the whole file
    const lineOf = (b: Buffer, at: number): number => b.toString('latin1').slice(0, at).split('\n').length;
    const secondInsert = lineOf(first, first.length) - 1 + lineOf(second, second.indexOf('INSERT INTO `big`'));
    const r = await runCli('tsload', [...connArgs(), '-d', mixed, '--rename', `${src}=${c}`, '--rename', `${src2}=${d}`], { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(6);
    expect(r.stderr).toContain(`the INSERT at line ${secondInsert} (table ${src2}.big) is read under other session settings than the file's header (character_set_client latin1 → utf8mb4)`);
    expect(r.stderr).toMatch(/split it where the second dump starts/);
    expect(await admin.query('SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN (?, ?)', [c, d])).toHaveLength(0);
  }, 600_000);

  it('the same database dumped twice into one file: the later dump\'s DROP TABLE leaves only its own rows, as `mariadb < file` does (no rows of both)', async () => {
    const db = uniqueDb('imp_edit_twice');
    const dst = uniqueDb('imp_edit_twice_copy');
    targets.push(db, dst);
    await admin.query(`CREATE DATABASE \`${db}\``);
    // one table without a key (rows of both dumps would load without a word), one with
    await admin.query(`CREATE TABLE \`${db}\`.log (a INT, b VARCHAR(10))`);
    await admin.query(`CREATE TABLE \`${db}\`.k (id INT PRIMARY KEY, v VARCHAR(10))`);
    await admin.query(`INSERT INTO \`${db}\`.log VALUES (1, 'x'), (2, 'y')`);
    await admin.query(`INSERT INTO \`${db}\`.k VALUES (1, 'a'), (2, 'b')`);
    const first = dumpOf(['--databases', db]);
    await admin.query(`INSERT INTO \`${db}\`.log VALUES (3, 'z')`);
    await admin.query(`UPDATE \`${db}\`.k SET v = 'B' WHERE id = 2`);
    await admin.query(`INSERT INTO \`${db}\`.k VALUES (3, 'c')`);
    const f = path.join(dir, 'twice.sql');
    const both = Buffer.concat([first, dumpOf(['--databases', db])]);
    writeFileSync(f, both);
    // what the client makes of it: the source itself, restored from the file
    mariadbClient([], both);
    const r = await runCli('tsload', [...connArgs(), '-d', f, '--rename', `${db}=${dst}`, '-t', '2'], { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`table ${db}\\.log is dropped at line \\d+ after the file created it`));
    expect(Number(await admin.scalar(`SELECT COUNT(*) FROM \`${dst}\`.log`))).toBe(3);
    await expectExact(db, dst, 'same database twice');
  }, 600_000);

  it('names the line of the statement a truncated file ends in', async () => {
    const dst = uniqueDb('imp_edit_cut');
    const whole = dumpOf(['--databases', src]);
    const text = whole.toString('latin1');
    const at = text.indexOf('INSERT INTO `big` VALUES');
    const line = text.slice(0, at).split('\n').length;
    const f = path.join(dir, 'cut.sql');
    // inside one of the strings of big's INSERT
    writeFileSync(f, whole.subarray(0, text.indexOf("'xxx", at + 5000) + 10));
    const r = await runCli('tsload', [...connArgs(), '-d', f, '--rename', `${src}=${dst}`]);
    expect(r.code, r.stderr).toBe(6);
    expect(r.stderr).toContain(`the file ends inside a string, in the statement that starts at line ${line} (INSERT INTO \`big\` VALUES`);
    expect(await admin.query('SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [dst])).toHaveLength(0);
  }, 600_000);

  it('--force on a file cut before the final view definitions leaves the views out, named, instead of creating their stand-ins', async () => {
    const dst = uniqueDb('imp_edit_standin');
    targets.push(dst);
    const whole = dumpOf(['--databases', src]);
    const f = path.join(dir, 'standin.sql');
    writeFileSync(f, whole.subarray(0, whole.indexOf('-- Final view structure for view')));
    const r = await runCli('tsload', [...connArgs(), '-d', f, '--rename', `${src}=${dst}`, '--force'], { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`views not created, their definitions come after the cut (the file holds only the stand-ins mariadb-dump writes first): ${src}.v`);
    expect(await admin.query('SELECT TABLE_NAME FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ?', [dst])).toEqual([]);
    expect(Number(await admin.scalar(`SELECT COUNT(*) FROM \`${dst}\`.big`))).toBe(3000);
  }, 600_000);
});
