/**
 * SQL files whose statements only the mariadb client's file order reproduces (a reviewer's cases):
 * tsload restores each as `mariadb DB < file` restores it — compared by the checker, content
 * checksums over every column — or refuses it before anything is created, naming the line and the
 * fix. And files cut right after a statement that could as well close one table of many as the
 * whole file: never taken for complete.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectSameDatabases } from '../support/checker.js';
import { connArgs, mariadbClient, runCli } from '../support/cli.js';
import type { AdminSession } from '../support/server.js';
import { adminSession, dropDbs, uniqueDb } from '../support/server.js';

const HEAD = '-- MySQL dump 10.13\n/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;\n';
const FOOT = '/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;\n-- Dump completed on 2024-01-01\n';
const dump = (...lines: string[]): string => `${HEAD}${lines.join('\n')}\n${FOOT}`;

/** A phpMyAdmin export of one table (its keys and AUTO_INCREMENT added after the data), ending with its COMMIT. */
const PMA = [
  '-- phpMyAdmin SQL Dump',
  '-- version 5.2.1',
  '',
  'SET SQL_MODE = "NO_AUTO_VALUE_ON_ZERO";',
  'START TRANSACTION;',
  'SET time_zone = "+00:00";',
  '',
  'DROP TABLE IF EXISTS `t`;',
  'CREATE TABLE `t` (',
  '  `id` int(11) NOT NULL,',
  '  `a` varchar(10) DEFAULT NULL',
  ') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;',
  '',
  "INSERT INTO `t` (`id`, `a`) VALUES",
  "(1, 'x'),",
  "(2, 'y');",
  '',
  'ALTER TABLE `t`',
  '  ADD PRIMARY KEY (`id`);',
  '',
  'ALTER TABLE `t`',
  '  MODIFY `id` int(11) NOT NULL AUTO_INCREMENT, AUTO_INCREMENT=3;',
  'COMMIT;',
  '',
].join('\n');

/** mariadb-dump's shape of a table with a trigger (created after its rows). */
const WITH_TRIGGER = [
  'DROP TABLE IF EXISTS `l`;',
  'CREATE TABLE `l` (`n` int);',
  'DROP TABLE IF EXISTS `t`;',
  'CREATE TABLE `t` (`id` int NOT NULL, `a` int, PRIMARY KEY (`id`));',
  'INSERT INTO `t` VALUES (1,1),(2,2);',
  'DELIMITER ;;',
  '/*!50003 CREATE*/ /*!50003 TRIGGER `tr` AFTER INSERT ON `t` FOR EACH ROW insert into l values (new.id) */;;',
  'DELIMITER ;',
].join('\n');

describe('tsload restores a SQL file in the mariadb client\'s file order, or refuses it', () => {
  let admin: AdminSession;
  const dbs: string[] = [];
  let dir: string;

  beforeAll(async () => {
    admin = await adminSession();
    dir = mkdtempSync(path.join(os.tmpdir(), 'tsload-order-'));
  }, 600_000);

  afterAll(async () => {
    await dropDbs(...dbs);
    rmSync(dir, { recursive: true, force: true });
    await admin?.close();
  });

  const write = (label: string, body: string): string => {
    const f = path.join(dir, `${label}.sql`);
    writeFileSync(f, body);
    return f;
  };

  /** `mariadb REF < file` and `tsload -d file -B DST …` (both databases created first), compared; `text` may name its database (REF). */
  const restoreBothWays = async (label: string, text: string | ((db: string) => string), args: readonly string[] = []): Promise<void> => {
    const [ref, dst] = [uniqueDb(`imp_ord_ref_${label}`), uniqueDb(`imp_ord_${label}`)];
    dbs.push(ref, dst);
    const body = typeof text === 'string' ? text : text(ref);
    for (const db of [ref, dst]) await admin.query(`CREATE DATABASE \`${db}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci`);
    mariadbClient(['--default-character-set=utf8mb4', ref], body);
    const r = await runCli('tsload', [...connArgs(), '-d', write(label, body), '-B', dst, '-t', '2', '--rows-per-transaction', '1', ...args], { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    await expectSameDatabases(admin, ref, dst, label);
  };

  /** tsload refuses the file (exit 6) saying `message`, and creates nothing. */
  const refused = async (label: string, body: string, message: string, args: readonly string[] = []): Promise<void> => {
    const dst = uniqueDb(`imp_ord_no_${label}`);
    const r = await runCli('tsload', [...connArgs(), '-d', write(label, body), '-B', dst, ...args]);
    expect(r.code, r.stderr).toBe(6);
    expect(r.stderr).toContain(message);
    expect(await admin.query('SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [dst])).toHaveLength(0);
  };

  it('a COMMIT or SET FOREIGN_KEY_CHECKS = 1 last does not make a file complete: cut right after the first table, it reads the same as a whole one', async () => {
    const b3full = 'SET autocommit=0;\nSET unique_checks=0;\nCREATE TABLE t1 (id int primary key);\nINSERT INTO t1 VALUES (1),(2);\nCOMMIT;\nCREATE TABLE t2 (id int primary key);\nINSERT INTO t2 VALUES (1);\nCOMMIT;\n';
    const b4full = 'SET FOREIGN_KEY_CHECKS=0;\nCREATE TABLE t1 (id int primary key);\nINSERT INTO t1 VALUES (1),(2);\nSET FOREIGN_KEY_CHECKS=1;\nSET FOREIGN_KEY_CHECKS=0;\nCREATE TABLE t2 (id int primary key);\nINSERT INTO t2 VALUES (1);\nSET FOREIGN_KEY_CHECKS=1;\n';
    const cutAfterFirst = (s: string, marker: string): string => s.slice(0, s.indexOf(marker) + marker.length + 1);
    await refused('b3cut', cutAfterFirst(b3full, 'COMMIT;'), "is not a complete dump: the file has no '-- Dump completed' line at its end; its last COMMIT may as well close one table of many as the whole file");
    await refused('b4cut', cutAfterFirst(b4full, 'SET FOREIGN_KEY_CHECKS=1;'), 'its last SET FOREIGN_KEY_CHECKS may as well close one table of many as the whole file');
    await refused('b0', 'CREATE TABLE t1 (id int primary key);\nINSERT INTO t1 VALUES (1),(2);\n', "is not a complete dump: the file has no '-- Dump completed' line at its end; no table in it is complete");
    // the whole files cannot be told from the cut ones: refused the same way, loaded with --force
    await refused('b3full', b3full, 'its last COMMIT may as well close one table of many');
    await restoreBothWays('b3full', b3full, ['--force']);
    await restoreBothWays('b4full', b4full, ['--force']);
  }, 600_000);

  it('a table dropped and created again loads without what the file planned for its first copy (ALTER TABLE, triggers)', async () => {
    // the first copy's ALTER … MODIFY a varchar(2) would cut the second copy's 'abcdef'
    await restoreBothWays('c1', dump("SET sql_mode='';", 'DROP TABLE IF EXISTS t;', 'CREATE TABLE t (id int, a varchar(10));', 'INSERT INTO t VALUES (1,"abcdef");', 'ALTER TABLE t MODIFY a varchar(2);', 'DROP TABLE IF EXISTS t;', 'CREATE TABLE t (id int, a varchar(10));', 'INSERT INTO t VALUES (1,"abcdef");'));
    // a phpMyAdmin export concatenated twice: the first ADD PRIMARY KEY would meet the second's (1068)
    await restoreBothWays('p2', PMA + PMA);
    // mariadb-dump with a trigger, twice: the first CREATE TRIGGER would meet the second's (1359)
    await restoreBothWays('g2', dump(WITH_TRIGGER, WITH_TRIGGER));
  }, 600_000);

  it('refuses an ALTER TABLE followed by more rows of its table, naming both lines, before anything is created', async () => {
    const ai = (...mid: string[]): string => dump('DROP TABLE IF EXISTS `t`;', 'CREATE TABLE `t` (`id` int NOT NULL AUTO_INCREMENT, `a` int, PRIMARY KEY (`id`)) ENGINE=InnoDB;', 'INSERT INTO `t` (`a`) VALUES (1),(2);', ...mid);
    const hint = 'restore this file with the mariadb client';
    await refused('a3', ai('ALTER TABLE `t` AUTO_INCREMENT=100;', 'INSERT INTO `t` (`a`) VALUES (3),(4);'), 'line 7: the ALTER TABLE at line 6 is followed by rows of table t at line 7');
    await refused('a4', ai('ALTER TABLE `t` COMMENT="c";', 'INSERT INTO `t` (`a`) VALUES (3),(4);'), hint);
    await refused('a1', ai('ALTER TABLE `t` ADD COLUMN `b` int DEFAULT 7;', 'INSERT INTO `t` VALUES (NULL,5,50);'), 'the ALTER TABLE at line 6 is followed by rows of table t at line 7');
    await refused('c2', dump("SET sql_mode='';", 'CREATE TABLE t (id int, a int);', 'ALTER TABLE t ADD UNIQUE KEY u (a);', 'INSERT IGNORE INTO t VALUES (1,1),(2,1);'), 'the ALTER TABLE at line 5 is followed by rows of table t at line 6', ['--force']);
    await refused('c3', dump("SET sql_mode='';", 'CREATE TABLE t (id int);', 'INSERT INTO t VALUES (1);', 'ALTER TABLE t RENAME TO t2;', 'CREATE TABLE t (id int);', 'INSERT INTO t VALUES (2);'), 'the ALTER TABLE at line 6 is followed by rows of table t at line 8');
  }, 600_000);

  it('refuses an UPDATE / DELETE … WHERE followed by more rows, and an INSERT … SELECT, naming the lines', async () => {
    await refused('x1', dump('CREATE TABLE t (id int, a int);', 'INSERT INTO t VALUES (1,1);', 'UPDATE t SET a=a+10;', 'INSERT INTO t VALUES (2,2);'), 'the statement at line 5 changes rows, and tsload runs it after all the data: the rows of t at line 6');
    await refused('x2', dump('CREATE TABLE t (id int, a int);', 'INSERT INTO t VALUES (1,1);', 'CREATE TABLE t2 (id int, a int);', 'INSERT INTO `t2` (`id`, `a`) SELECT * FROM t;'), 'the INSERT … SELECT into t2 at line 6 reads its rows from tables');
    // at the end, after all the rows, an UPDATE runs where it stands
    await restoreBothWays('x3', dump('CREATE TABLE t (id int, a int);', 'INSERT INTO t VALUES (1,1);', 'INSERT INTO t VALUES (2,2);', 'UPDATE t SET a=a+10 WHERE id = 2;'));
  }, 600_000);

  it('a DELETE … WHERE after all the rows runs where it stands: the load is verified (at most the INSERTs\' rows), not reported as a mismatch', async () => {
    // single-table, qualified by the database the file names, and a multi-table DELETE: each table ends with fewer rows than its INSERTs
    const rows = ['CREATE TABLE t (id int PRIMARY KEY, a int);', 'INSERT INTO t VALUES (1,1),(2,2),(3,3);', 'CREATE TABLE u (id int PRIMARY KEY);', 'INSERT INTO u VALUES (1),(2),(3);'];
    const warned = async (label: string, body: string | ((db: string) => string), note: RegExp): Promise<void> => {
      const dst = uniqueDb(`imp_ord_${label}`);
      dbs.push(dst);
      await admin.query(`CREATE DATABASE \`${dst}\``);
      const r = await runCli('tsload', [...connArgs(), '-d', write(`${label}-note`, typeof body === 'string' ? body : body(dst)), '-B', dst]);
      // it was exit 4, "rows expected 3, found 2", with a hint about concurrent writers
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(note);
    };
    await restoreBothWays('d1', dump(...rows, 'DELETE FROM t WHERE id = 2;', 'DELETE LOW_PRIORITY FROM `u` WHERE id > 1 ORDER BY id LIMIT 1;'));
    await restoreBothWays('d2', (db) => `-- MySQL dump 10.13\n-- Host: localhost    Database: ${db}\n${HEAD.split('\n')[1]}\n${rows.join('\n')}\nDELETE FROM \`${db}\`.\`t\` WHERE id = 3;\n${FOOT.split('\n')[0]}\n-- Dump completed\n`);
    await restoreBothWays('d3', dump(...rows, 'DELETE t FROM t JOIN u ON u.id = t.id WHERE u.id = 1;'));
    // FOR PORTION OF splits the row in two: 2 rows from 1 INSERTed, not a mismatch either (a comment inside the statement too)
    await restoreBothWays('d6', dump('CREATE TABLE p (id int, s date, e date, PERIOD FOR pp(s, e));', "INSERT INTO p VALUES (1,'2020-01-01','2020-12-31');", "DELETE FROM p -- the spring\nFOR PORTION OF pp FROM '2020-03-01' TO '2020-04-01';"));
    await warned('d4', dump(...rows, 'DELETE FROM t WHERE id = 2;'), /note: the DELETE at line 7 deletes rows of t after the file's INSERTs: it is run after the data, in file order, and the verification checks that the table holds at most the rows of its INSERTs/);
    await warned('d5', dump(...rows, 'DELETE t FROM t JOIN u ON u.id = t.id WHERE u.id = 1;'), /note: the DELETE at line 7 deletes rows of tables of the file's database \(a multi-table DELETE\)/);
  }, 600_000);

  it('a DELETE or DROP TABLE naming the database of a one-database file (no USE) is about its table', async () => {
    const named = (stmt: (db: string) => string) => (db: string): string => `-- MySQL dump 10.13\n-- Host: localhost    Database: ${db}\n${HEAD.split('\n')[1]}\nCREATE TABLE \`t\` (id int, a int);\nINSERT INTO \`t\` VALUES (1,1);\n${stmt(db)}\n${FOOT.split('\n')[0]}\n-- Dump completed\n`;
    await restoreBothWays('i2', (db) => named((d) => `DROP TABLE IF EXISTS \`${d}\`.\`t\`;\nCREATE TABLE \`t\` (id int, a int);\nINSERT INTO \`t\` VALUES (2,2);`)(db));
    await refused('i1', named((d) => `DELETE FROM \`${d}\`.\`t\`;\nINSERT INTO \`t\` VALUES (2,2);`)('imp_ord_src'), 'the statement at line 6 empties table t after some of its rows');
  }, 600_000);

  it('refuses an ALTER DATABASE before the CREATE TABLEs it gives their default character set, named or not', async () => {
    const body = (alter: string): string => dump('SET NAMES utf8mb4;', alter, 'CREATE TABLE t (a varchar(10));', 'INSERT INTO t VALUES ("é");');
    await refused('f1', body('ALTER DATABASE CHARACTER SET latin1 COLLATE latin1_swedish_ci;'), 'line 5: the ALTER DATABASE at line 4 comes before the CREATE TABLE t at line 5');
    await refused('f2', body('ALTER DATABASE `shop` CHARACTER SET latin1 COLLATE latin1_swedish_ci;').replace('\n', '\n-- Host: localhost    Database: shop\n'), 'the ALTER DATABASE at line 5 comes before the CREATE TABLE t at line 6');
  }, 600_000);

  it('refuses rows the file rolls back or never commits', async () => {
    await refused('b1', dump('CREATE TABLE t (id int primary key, a varchar(20));', 'INSERT INTO t VALUES (1,"keep");', 'START TRANSACTION;', 'INSERT INTO t VALUES (2,"rolled back");', 'ROLLBACK;'), 'the ROLLBACK at line 7 undoes the rows of the file\'s own transaction from line 6 on');
    await refused('b2', dump('SET autocommit=0;', 'CREATE TABLE t (id int primary key, a varchar(20)) ENGINE=InnoDB;', 'INSERT INTO t VALUES (1,"x");'), 'the rows from line 5 on are never committed');
    // committed, they load
    await restoreBothWays('b2commit', dump('SET autocommit=0;', 'CREATE TABLE t (id int primary key, a varchar(20)) ENGINE=InnoDB;', 'INSERT INTO t VALUES (1,"x");', 'COMMIT;'));
  }, 600_000);

  it('refuses a database dropped after the file created its tables; under --rename an ALTER TABLE of another database\'s table runs on that one\'s target', async () => {
    const db = uniqueDb('imp_ord_h1');
    const copy = (n: number): string => `DROP DATABASE IF EXISTS \`${db}\`;\nCREATE DATABASE \`${db}\`;\nUSE \`${db}\`;\nCREATE TABLE \`t\` (id int, a int);\nINSERT INTO \`t\` VALUES (${n},${n});`;
    const h1 = dump(copy(1), copy(2));
    const r = await runCli('tsload', [...connArgs(), '-d', write('h1', h1)]);
    expect(r.code, r.stderr).toBe(6);
    expect(r.stderr).toContain(`DROP DATABASE ${db} at line 8 comes after the file created tables in it`);
    expect(await admin.query('SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [db])).toHaveLength(0);

    const [s1, s2, d1, d2] = ['s1', 's2', 'd1', 'd2'].map((n) => uniqueDb(`imp_ord_${n}`)) as [string, string, string, string];
    dbs.push(s1, s2, d1, d2);
    const create = (d: string): string => `CREATE DATABASE /*!32312 IF NOT EXISTS*/ \`${d}\` /*!40100 DEFAULT CHARACTER SET utf8mb4 */;\nUSE \`${d}\`;`;
    const text = dump(create(s1), 'CREATE TABLE t (id int, a int);', 'INSERT INTO t VALUES (1,1);', `ALTER TABLE \`${s1}\`.\`t\` ADD KEY k1 (a);`, create(s2), 'CREATE TABLE u (id int, b int);', 'INSERT INTO u VALUES (1,1);', 'ALTER TABLE u ADD KEY k3 (b);', `ALTER TABLE ${s1}.t ADD KEY k4 (id);`);
    mariadbClient([], text);
    const l = await runCli('tsload', [...connArgs(), '-d', write('d1', text), '--rename', `${s1}=${d1}`, '--rename', `${s2}=${d2}`], { timeoutMs: 300_000 });
    expect(l.code, l.stderr).toBe(0);
    expect(l.stderr).not.toContain('was not loaded');
    await expectSameDatabases(admin, s1, d1, 'd1');
    await expectSameDatabases(admin, s2, d2, 'd2');
  }, 600_000);

  it('rows that take their AUTO_INCREMENT ids from the server (the INSERT leaves the column out) get the ids the client gives: a table\'s batches load in file order', async () => {
    const rows = Array.from({ length: 120 }, (_, i) => `INSERT INTO t (a) VALUES (${i});`);
    await restoreBothWays('a6', dump('CREATE TABLE t (id int auto_increment primary key, a int);', ...rows), ['-t', '4']);
  }, 600_000);

  it('explicit NULL ids, 0 ids without NO_AUTO_VALUE_ON_ZERO, and a table whose AUTO_INCREMENT column is not first take the server\'s ids in file order', async () => {
    const n = Array.from({ length: 60 }, (_, i) => i);
    // NULL in the id of an INSERT without a column list, and DEFAULT / NULL with one
    await restoreBothWays('n1', dump('CREATE TABLE t (id int auto_increment primary key, a int);', ...n.map((i) => `INSERT INTO t VALUES (${i % 7 === 3 ? 1000 + i : 'NULL'},${i});`), 'CREATE TABLE u (id int auto_increment primary key, a int);', ...n.map((i) => `INSERT INTO u (id, a) VALUES (${i % 2 ? 'DEFAULT' : 'NULL'},${i});`)), ['-t', '4']);
    // 0 is an id to take under the file's sql_mode: a column list giving it, or none
    await restoreBothWays('z1', dump("SET sql_mode='';", 'CREATE TABLE t (id int auto_increment primary key, a int);', ...n.map((i) => `INSERT INTO t (id,a) VALUES (0,${i});`), 'CREATE TABLE u (id bigint auto_increment primary key, a int);', ...n.map((i) => `INSERT INTO u VALUES (0,${i}),(${-1 - i},${i});`)), ['-t', '4']);
    // the column second in the row, given NULL: not read, so in file order
    await restoreBothWays('p1', dump('CREATE TABLE t (a int, id int auto_increment, primary key (id));', ...n.map((i) => `INSERT INTO t VALUES (${i},NULL);`)), ['-t', '4']);
  }, 600_000);

  it('the AUTO_INCREMENT column is the one whose definition says so, not a string or comment that reads auto_increment', async () => {
    const rows = Array.from({ length: 60 }, (_, i) => `INSERT INTO t (note, v) VALUES ('x',${i});`);
    await restoreBothWays('c4', dump("CREATE TABLE t (note varchar(40) DEFAULT 'auto_increment' COMMENT 'not AUTO_INCREMENT', /* auto_increment */ id int NOT NULL AUTO_INCREMENT, v int, PRIMARY KEY (id));", ...rows), ['-t', '4']);
  }, 600_000);

  it('a rerun after a load killed while an ALTER TABLE adding an unnamed key ran refuses it instead of adding a second key (a_2)', async () => {
    const dst = uniqueDb('imp_ord_unnamed');
    dbs.push(dst);
    const text = dump('CREATE TABLE t (id int primary key, a int);', 'INSERT INTO t VALUES (1,1),(2,2);', 'ALTER TABLE t ADD KEY (a);');
    const f = write('unnamed', text);
    await admin.query(`CREATE DATABASE \`${dst}\``);
    const cli = [...connArgs(), '-d', f, '-B', dst, '--keep-progress'];
    expect((await runCli('tsload', cli, { timeoutMs: 300_000 })).code).toBe(0);
    // the state kill -9 leaves while the ALTER ran to its end on the server: started, not done
    await admin.query("UPDATE tsload_progress.steps SET info = 'alter:started' WHERE target_db = ? AND step LIKE 'statement:%'", [dst]);
    const r = await runCli('tsload', cli, { timeoutMs: 300_000 });
    expect(r.code, r.stderr).not.toBe(0);
    expect(r.stderr).toContain(`line 5: the interrupted load was running its ALTER TABLE of ${dst}.t when it stopped, and the ALTER adds a key or constraint without a name`);
    expect(r.stderr).toContain(`drop the database ${dst} and run the same tsload command again`);
    expect(await admin.query('SELECT DISTINCT INDEX_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? ORDER BY 1', [dst])).toEqual([{ INDEX_NAME: 'a' }, { INDEX_NAME: 'PRIMARY' }]);
  }, 600_000);

  it('CR LF inside an INSERT\'s string literal is read as LF, as the mariadb client reads it', async () => {
    await restoreBothWays('b5', dump('CREATE TABLE t (id int primary key, a varchar(50));', "INSERT INTO t VALUES (1,'line1\r\nline2');", "INSERT INTO t VALUES (2,'cr\ralone');").replaceAll(/(?<!\r)\n/g, '\r\n'));
  }, 600_000);
});
