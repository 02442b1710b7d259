/**
 * mariadb-dump files made with the options DBAs use, restored by tsload as `mariadb < file`
 * restores them: compared with the source by the checker.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectSameDatabases } from '../support/checker.js';
import { connArgs, mariadbDump, runCli } from '../support/cli.js';
import type { AdminSession } from '../support/server.js';
import { adminSession, dropDbs, uniqueDb } from '../support/server.js';

describe('tsload restores mariadb-dump files made with the options DBAs use', () => {
  let admin: AdminSession;
  const src = uniqueDb('imp_opt_src');
  const targets: string[] = [];
  let dir: string;

  beforeAll(async () => {
    admin = await adminSession();
    dir = mkdtempSync(path.join(os.tmpdir(), 'tsload-options-'));
    await admin.query(`CREATE DATABASE \`${src}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    // text that latin1 can carry, so a --default-character-set=latin1 dump holds it exactly
    await admin.query(`CREATE TABLE \`${src}\`.a (id INT PRIMARY KEY, name VARCHAR(40))`);
    await admin.query(`INSERT INTO \`${src}\`.a VALUES (1, 'Ärger über Öl'), (2, 'déjà vu'), (3, NULL)`);
    await admin.query(`CREATE TABLE \`${src}\`.b (id INT PRIMARY KEY, note TEXT)`);
    await admin.query(`INSERT INTO \`${src}\`.b VALUES (1, 'Straße'), (2, 'ok')`);
  }, 600_000);

  afterAll(async () => {
    await dropDbs(src, ...targets);
    rmSync(dir, { recursive: true, force: true });
    await admin?.close();
  });

  const expectExact = (dst: string, label: string): Promise<void> => expectSameDatabases(admin, src, dst, label);

  /**
   * A database of its own (`prefix`, created, then `setup` run in it: each statement's \`DB\` is its
   * name), dumped by mariadb-dump with `dumpArgs` (its --databases file), loaded by tsload under
   * --rename with `loadArgs`: the load must succeed (and `check` hold) and the copy equal the source.
   */
  async function restoredCopy(prefix: string, setup: readonly string[], dumpArgs: readonly string[], loadArgs: readonly string[], label: string, check?: (dst: string) => Promise<void>): Promise<void> {
    const from = uniqueDb(prefix);
    const dst = uniqueDb(`${prefix}_dst`);
    targets.push(from, dst);
    await admin.query(`CREATE DATABASE \`${from}\``);
    for (const sql of setup) await admin.query(sql.replaceAll('`DB`', `\`${from}\``));
    const f = path.join(dir, `${prefix}.sql`);
    writeFileSync(f, mariadbDump([...dumpArgs, '--databases', from]));
    const r = await runCli('tsload', [...connArgs(), '-d', f, '--rename', `${from}=${dst}`, ...loadArgs], { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    await check?.(dst);
    await expectSameDatabases(admin, from, dst, label);
  }

  it('a one-database --skip-add-drop-table dump in latin1: the first table\'s SET character_set_client wrapper does not become the sessions\' character set', async () => {
    const dst = uniqueDb('imp_opt_nodrop');
    targets.push(dst);
    const f = path.join(dir, 'nodrop-latin1.sql');
    // nothing (no DROP TABLE, no USE) between the header's SET NAMES latin1 and the first table's wrapper
    writeFileSync(f, mariadbDump(['--default-character-set=latin1', '--skip-add-drop-table', src]));
    await admin.query(`CREATE DATABASE \`${dst}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    const r = await runCli('tsload', [...connArgs(), '-d', f, '-B', dst, '-t', '2'], { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    await expectExact(dst, '--skip-add-drop-table latin1');
  }, 600_000);

  it('a --skip-comments dump (no \'-- Dump completed\' line) loads without --force: its last statements restore what its header saved', async () => {
    const dst = uniqueDb('imp_opt_nocomments');
    targets.push(dst);
    const f = path.join(dir, 'skip-comments.sql');
    writeFileSync(f, mariadbDump(['--skip-comments', '--databases', src]));
    const r = await runCli('tsload', [...connArgs(), '-d', f, '--rename', `${src}=${dst}`, '-t', '2'], { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    await expectExact(dst, '--skip-comments');
  }, 600_000);

  it('a --add-drop-database dump of two databases under --rename: its DROP DATABASE statements are not run, so the source databases the file names stay', async () => {
    const other = uniqueDb('imp_opt_other');
    targets.push(other);
    await admin.query(`CREATE DATABASE \`${other}\``);
    await admin.query(`CREATE TABLE \`${other}\`.x (id INT PRIMARY KEY)`);
    await admin.query(`INSERT INTO \`${other}\`.x VALUES (1), (2)`);
    const [dst, dst2] = [uniqueDb('imp_opt_adddrop'), uniqueDb('imp_opt_adddrop2')];
    targets.push(dst, dst2);
    const f = path.join(dir, 'add-drop-database.sql');
    writeFileSync(f, mariadbDump(['--add-drop-database', '--databases', src, other]));
    const r = await runCli('tsload', [...connArgs(), '-d', f, '--rename', `${src}=${dst}`, '--rename', `${other}=${dst2}`], { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    // the file's DROP DATABASE of the second source came while the first was in use: run there, it dropped the source itself
    expect(Number(await admin.scalar(`SELECT COUNT(*) FROM \`${other}\`.x`))).toBe(2);
    expect(r.stderr).toContain(`DROP DATABASE ${other} at line `);
    await expectExact(dst, '--add-drop-database');
    await expectSameDatabases(admin, other, dst2, '--add-drop-database, second');
  }, 600_000);

  it('a --master-data dump: its CHANGE MASTER TO is not run on the target (its replication is not the load\'s to change), and shown whole', async () => {
    const dst = uniqueDb('imp_opt_master');
    targets.push(dst);
    const f = path.join(dir, 'master-data.sql');
    const text = mariadbDump(['--master-data=1', '--single-transaction', src]);
    writeFileSync(f, text);
    const change = /^CHANGE MASTER TO .*;$/m.exec(text.toString('latin1'))![0].slice(0, -1);
    await admin.query(`CREATE DATABASE \`${dst}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    const r = await runCli('tsload', [...connArgs(), '-d', f, '-B', dst], { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`a statement about the server's replication state is not run (run it on the target yourself if you want it): ${change}`);
    await expectExact(dst, '--master-data');
  }, 600_000);

  it('a --system=users dump: its CREATE USER / GRANT statements are not run (the accounts exist on the target: they failed the load after all the data), and said so', async () => {
    const dst = uniqueDb('imp_opt_users');
    targets.push(dst);
    await admin.query("CREATE USER IF NOT EXISTS 'imp_opt_acct'@'localhost'");
    try {
      // the block mariadb-dump 10.11 --system=users writes before the footer (written here: on the test
      // server mariadb-dump --system=users stops at the root@<hostname> account mariadb-install-db makes)
      const users = [
        'CREATE USER `imp_opt_acct`@`localhost`;',
        "SELECT COALESCE(CURRENT_ROLE(),'NONE') into @current_role;",
        'CREATE ROLE IF NOT EXISTS mariadb_dump_import_role;',
        'GRANT mariadb_dump_import_role TO CURRENT_USER();',
        'SET ROLE mariadb_dump_import_role;',
        `GRANT SELECT ON \`${src}\`.* TO \`imp_opt_acct\`@\`localhost\`;`,
        "/*M!100005 SET DEFAULT ROLE NONE FOR 'imp_opt_acct'@'localhost' */;",
        'SET ROLE NONE;',
        'DROP ROLE mariadb_dump_import_role;',
        "/*M!100203 EXECUTE IMMEDIATE CONCAT('SET ROLE ', @current_role) */;",
        '',
      ].join('\n');
      const dump = mariadbDump(['--databases', src]).toString('latin1');
      const at = dump.indexOf('/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;');
      const f = path.join(dir, 'system-users.sql');
      writeFileSync(f, Buffer.from(dump.slice(0, at) + users + dump.slice(at), 'latin1'));
      const r = await runCli('tsload', [...connArgs(), '-d', f, '--rename', `${src}=${dst}`], { timeoutMs: 300_000 });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/the file's statements about accounts \(CREATE USER, GRANT …, from line \d+\) are not run/);
      await expectExact(dst, '--system=users');
    } finally {
      await admin.query("DROP USER IF EXISTS 'imp_opt_acct'@'localhost'");
    }
  }, 600_000);

  it('routines created under another database collation: the dump\'s ALTER DATABASE pair runs on the target under --rename, not on the source, so they keep theirs', async () => {
    const from = uniqueDb('imp_opt_dbcoll');
    const dst = uniqueDb('imp_opt_dbcoll_copy');
    targets.push(from, dst);
    await admin.query(`CREATE DATABASE \`${from}\` CHARACTER SET latin1`);
    await admin.query(`CREATE TABLE \`${from}\`.t (id INT PRIMARY KEY)`);
    await admin.query(`INSERT INTO \`${from}\`.t VALUES (1)`);
    await admin.query(`CREATE PROCEDURE \`${from}\`.p() SELECT COUNT(*) FROM t`);
    await admin.query(`ALTER DATABASE \`${from}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    const f = path.join(dir, 'db-collation.sql');
    const text = mariadbDump(['--routines', '--databases', from]);
    expect(text.toString('latin1')).toContain(`ALTER DATABASE \`${from}\` CHARACTER SET latin1`);
    writeFileSync(f, text);
    const r = await runCli('tsload', [...connArgs(), '-d', f, '--rename', `${from}=${dst}`], { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    await expectSameDatabases(admin, from, dst, 'routine database collation');
  }, 600_000);

  it('a rerun after the user dropped the database a failed load left (to rerun it with --skip-definer) loads it from the start', async () => {
    const dst = uniqueDb('imp_opt_dropped');
    targets.push(dst);
    const from = uniqueDb('imp_opt_definer');
    targets.push(from);
    await admin.query(`CREATE DATABASE \`${from}\``);
    await admin.query(`CREATE TABLE \`${from}\`.a AS SELECT * FROM \`${src}\`.a`);
    // a view run as a definer the target does not have (dropped once the views exist), and one that
    // reads it: on the target CREATE VIEW v2 fails (1449)
    await admin.query(`CREATE USER IF NOT EXISTS \`imp_opt_gone\`@\`localhost\``);
    await admin.query(`GRANT SELECT ON \`${from}\`.* TO \`imp_opt_gone\`@\`localhost\``);
    await admin.query(`CREATE DEFINER = \`imp_opt_gone\`@\`localhost\` SQL SECURITY DEFINER VIEW \`${from}\`.v1 AS SELECT id, name FROM \`${from}\`.a`);
    await admin.query(`CREATE VIEW \`${from}\`.v2 AS SELECT id FROM \`${from}\`.v1`);
    await admin.query(`DROP USER \`imp_opt_gone\`@\`localhost\``);
    const f = path.join(dir, 'definer.sql');
    // --single-transaction: LOCK TABLES on the view would fail on its absent definer
    writeFileSync(f, mariadbDump(['--single-transaction', '--databases', from]));
    const first = await runCli('tsload', [...connArgs(), '-d', f, '--rename', `${from}=${dst}`], { timeoutMs: 300_000 });
    expect(first.code).toBe(1);
    expect(first.stderr).toMatch(/--skip-definer/);
    await admin.query(`DROP DATABASE \`${dst}\``);
    const r = await runCli('tsload', [...connArgs(), '-d', f, '--rename', `${from}=${dst}`, '--skip-definer'], { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`database ${dst} of an interrupted load no longer exists: loading it from the start`);
    // the source's views cannot be read (their definer is gone): its table by CHECKSUM TABLE
    const [want, got] = await Promise.all([from, dst].map(async (db) => (await admin.query<{ Checksum: string }>(`CHECKSUM TABLE \`${db}\`.a`))[0]!.Checksum));
    expect(got).toBe(want);
    expect(Number(await admin.scalar(`SELECT COUNT(*) FROM \`${dst}\`.v2`))).toBe(3);
  }, 600_000);

  it('a --compact --skip-quote-names dump: names of built-in functions (a table `count`, a column `now`) parse as the client parses them', async () => {
    // --compact: no header SET SQL_MODE, so the session's own sql_mode parses `CREATE TABLE count (`
    await restoredCopy('imp_opt_noquote', [
      'CREATE TABLE `DB`.`count` (id INT PRIMARY KEY, `now` INT, `user` VARCHAR(10))',
      "INSERT INTO `DB`.`count` VALUES (1, 2, 'a'), (2, NULL, 'b')",
    ], ['--compact', '--skip-quote-names'], ['--force'], 'skip-quote-names');
  }, 600_000);

  it('a --dump-history dump: the history rows load with their row_start / row_end (the file turns system_versioning_insert_history on after its header), and are counted', async () => {
    // the generative import test's reduction: implicit row_start/row_end, a row updated (one history row)
    await restoredCopy('imp_opt_history', [
      'CREATE TABLE `DB`.t1 (id INT PRIMARY KEY, v VARCHAR(10)) WITH SYSTEM VERSIONING',
      "INSERT INTO `DB`.t1 VALUES (1, 'a'), (2, 'b')",
      "UPDATE `DB`.t1 SET v = 'c' WHERE id = 1",
    ], ['--dump-history'], ['-t', '2'], '--dump-history', async (dst) => {
      expect(Number(await admin.scalar(`SELECT COUNT(*) FROM \`${dst}\`.t1 FOR SYSTEM_TIME ALL`))).toBe(3);
    });
  }, 600_000);

  it('a system-versioned table with a UNIQUE key and no primary key: the deferred key is added (its ALTER rebuilds the table: 4119 unless history is kept)', async () => {
    // the generative import test's reduction (seed 2); a dump without --dump-history failed the same (its
    // rows' row_start are then the load's time, so only the history makes the copy comparable)
    await restoredCopy('imp_opt_versioned_uk', [
      'CREATE TABLE `DB`.t1 (id INT NOT NULL, v VARCHAR(10), UNIQUE KEY uk_id (id)) WITH SYSTEM VERSIONING',
      "INSERT INTO `DB`.t1 VALUES (1, 'a'), (2, 'b')",
    ], ['--dump-history'], [], 'versioned, UNIQUE key only');
  }, 600_000);

  it('a table with a virtual column and an AUTO_INCREMENT counter past its column\'s range keeps the file\'s counter after its deferred key is added', async () => {
    // the generative import test's reduction (seed 3): the deferred ADD KEY made the counter max(id) + 1
    await restoredCopy('imp_opt_counter', [
      'CREATE TABLE `DB`.t1 (id SMALLINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, c INT, gen BIGINT AS (c + 1) VIRTUAL, KEY kc (c)) AUTO_INCREMENT = 65930',
      'INSERT INTO `DB`.t1 (id, c) VALUES (65530, 7)',
    ], [], [], 'AUTO_INCREMENT past the range');
  }, 600_000);

  it('tables `T1` (partitioned) and `t1`: a rerun of the finished load (--keep-progress) does not take `T1` for dropped and recreated', async () => {
    const from = uniqueDb('imp_opt_case');
    const dst = uniqueDb('imp_opt_case_dst');
    targets.push(from, dst);
    await admin.query(`CREATE DATABASE \`${from}\``);
    // the generative import test's reduction (seed 7, a mydumper directory killed and resumed): T1's
    // identity was read by a case-insensitive NAME = 'db/T1', which found t1's InnoDB id once t1 existed
    await admin.query(`CREATE TABLE \`${from}\`.T1 (id INT NOT NULL, UNIQUE KEY (id)) PARTITION BY KEY() PARTITIONS 2`);
    await admin.query(`INSERT INTO \`${from}\`.T1 VALUES (1), (2)`);
    await admin.query(`CREATE TABLE \`${from}\`.t1 (id INT PRIMARY KEY)`);
    await admin.query(`INSERT INTO \`${from}\`.t1 VALUES (5)`);
    const f = path.join(dir, 'case.sql');
    writeFileSync(f, mariadbDump(['--databases', from]));
    const args = [...connArgs(), '-d', f, '--rename', `${from}=${dst}`, '-t', '1', '--keep-progress'];
    const first = await runCli('tsload', args, { timeoutMs: 300_000 });
    expect(first.code, first.stderr).toBe(0);
    const again = await runCli('tsload', args, { timeoutMs: 300_000 });
    expect(again.code, again.stderr).toBe(0);
    await expectSameDatabases(admin, from, dst, 'T1 and t1');
  }, 600_000);
});
