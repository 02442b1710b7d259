/**
 * SQL exports of the GUI tools people restore from (phpMyAdmin, …), written here in each tool's
 * shape: tsload restores them as `mariadb DB < file` restores the same file — compared by the
 * checker, content checksums over every column — or refuses them before anything is created,
 * saying what is missing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectSameDatabases } from '../support/checker.js';
import { connArgs, mariadbClient, mariadbDump, runCli } from '../support/cli.js';
import type { AdminSession } from '../support/server.js';
import { adminSession, dropDbs, uniqueDb } from '../support/server.js';

interface PhpMyAdminOptions {
  /** 'Enclose export in a transaction' (phpMyAdmin's default): START TRANSACTION … COMMIT. */
  readonly transaction: boolean;
  /** Saved as a file: the SET NAMES block and its restores at the end. */
  readonly asFile: boolean;
}

/**
 * phpMyAdmin 5.2's export of one database, as its SQL export plugin writes it: the header's
 * START TRANSACTION between SET SQL_MODE and SET time_zone, tables without keys, the data in
 * several INSERTs, a view's stand-in table, routines and triggers in DELIMITER $$ blocks, and after
 * all the data the keys, AUTO_INCREMENT (a row with id 0: NO_AUTO_VALUE_ON_ZERO keeps it) and
 * foreign keys as ALTER TABLEs; no footer line.
 */
function phpMyAdminExport(o: PhpMyAdminOptions): string {
  const rows = (from: number, n: number): string =>
    Array.from({ length: n }, (_, i) => `(${from + i}, ${(from + i) % 3}, ${(from + i) * 7}.25, '2024-03-31 0${(from + i) % 4}:30:00')`).join(',\n');
  return [
    '-- phpMyAdmin SQL Dump',
    '-- version 5.2.1',
    '-- https://www.phpmyadmin.net/',
    '--',
    '-- Host: 127.0.0.1',
    '-- Generation Time: Feb 22, 2024 at 10:46 AM',
    '-- Server version: 10.11.6-MariaDB',
    '-- PHP Version: 8.2.4',
    '',
    'SET SQL_MODE = "NO_AUTO_VALUE_ON_ZERO";',
    ...(o.transaction ? ['START TRANSACTION;'] : []),
    'SET time_zone = "+00:00";',
    '',
    ...(o.asFile
      ? ['', '/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;', '/*!40101 SET @OLD_CHARACTER_SET_RESULTS=@@CHARACTER_SET_RESULTS */;', '/*!40101 SET @OLD_COLLATION_CONNECTION=@@COLLATION_CONNECTION */;', '/*!40101 SET NAMES utf8mb4 */;', '']
      : []),
    '--',
    '-- Database: `shop`',
    '--',
    '',
    'DELIMITER $$',
    '--',
    '-- Procedures',
    '--',
    'CREATE DEFINER=CURRENT_USER PROCEDURE `count_accounts` (OUT `n` INT)   BEGIN',
    '  SELECT COUNT(*) INTO n FROM accounts;',
    'END$$',
    '',
    'DELIMITER ;',
    '',
    '-- --------------------------------------------------------',
    '',
    '--',
    '-- Table structure for table `accounts`',
    '--',
    '',
    'CREATE TABLE `accounts` (',
    '  `ac_id` int(11) NOT NULL,',
    '  `username` varchar(35) NOT NULL,',
    '  `created` timestamp NOT NULL DEFAULT current_timestamp(),',
    '  `note` text DEFAULT NULL',
    ') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;',
    '',
    '--',
    '-- Dumping data for table `accounts`',
    '--',
    '',
    'INSERT INTO `accounts` (`ac_id`, `username`, `created`, `note`) VALUES',
    "(0, 'root', '2024-03-31 01:30:00', 'Ärger über Öl'),",
    "(1, 'admin1', '2021-06-01 12:00:00', 'it\\'s \\\"quoted\\\"'),",
    "(2, 'admin2', '2024-11-03 06:30:00', NULL);",
    '',
    '--',
    '-- Triggers `accounts`',
    '--',
    'DELIMITER $$',
    'CREATE TRIGGER `acc_bi` BEFORE INSERT ON `accounts` FOR EACH ROW SET NEW.username = LOWER(NEW.username)',
    '$$',
    'DELIMITER ;',
    '',
    '-- --------------------------------------------------------',
    '',
    '--',
    '-- Table structure for table `orders`',
    '--',
    '',
    'CREATE TABLE `orders` (',
    '  `id` int(11) NOT NULL,',
    '  `ac_id` int(11) NOT NULL,',
    '  `total` decimal(10,2) NOT NULL,',
    '  `placed` timestamp NULL DEFAULT NULL',
    ') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;',
    '',
    '--',
    '-- Dumping data for table `orders`',
    '--',
    '',
    `INSERT INTO \`orders\` (\`id\`, \`ac_id\`, \`total\`, \`placed\`) VALUES\n${rows(1, 100)};`,
    `INSERT INTO \`orders\` (\`id\`, \`ac_id\`, \`total\`, \`placed\`) VALUES\n${rows(101, 100)};`,
    `INSERT INTO \`orders\` (\`id\`, \`ac_id\`, \`total\`, \`placed\`) VALUES\n${rows(201, 100)};`,
    '',
    '-- --------------------------------------------------------',
    '',
    '--',
    '-- Stand-in structure for view `big_orders`',
    '-- (See below for the actual view)',
    '--',
    'CREATE TABLE `big_orders` (',
    '`id` int(11)',
    ',`total` decimal(10,2)',
    ');',
    '',
    '-- --------------------------------------------------------',
    '',
    '--',
    '-- Structure for view `big_orders`',
    '--',
    'DROP TABLE IF EXISTS `big_orders`;',
    '',
    'CREATE ALGORITHM=UNDEFINED DEFINER=CURRENT_USER SQL SECURITY DEFINER VIEW `big_orders`  AS SELECT `orders`.`id` AS `id`, `orders`.`total` AS `total` FROM `orders` WHERE `orders`.`total` > 1000 ;',
    '',
    '--',
    '-- Indexes for dumped tables',
    '--',
    '',
    '--',
    '-- Indexes for table `accounts`',
    '--',
    'ALTER TABLE `accounts`',
    '  ADD PRIMARY KEY (`ac_id`),',
    '  ADD UNIQUE KEY `username` (`username`);',
    '',
    '--',
    '-- Indexes for table `orders`',
    '--',
    'ALTER TABLE `orders`',
    '  ADD PRIMARY KEY (`id`),',
    '  ADD KEY `ac_id` (`ac_id`);',
    '',
    '--',
    '-- AUTO_INCREMENT for dumped tables',
    '--',
    '',
    '--',
    '-- AUTO_INCREMENT for table `accounts`',
    '--',
    'ALTER TABLE `accounts`',
    '  MODIFY `ac_id` int(11) NOT NULL AUTO_INCREMENT, AUTO_INCREMENT=8;',
    '',
    '--',
    '-- AUTO_INCREMENT for table `orders`',
    '--',
    'ALTER TABLE `orders`',
    '  MODIFY `id` int(11) NOT NULL AUTO_INCREMENT, AUTO_INCREMENT=301;',
    '',
    '--',
    '-- Constraints for dumped tables',
    '--',
    '',
    '--',
    '-- Constraints for table `orders`',
    '--',
    'ALTER TABLE `orders`',
    '  ADD CONSTRAINT `orders_ibfk_1` FOREIGN KEY (`ac_id`) REFERENCES `accounts` (`ac_id`);',
    ...(o.transaction ? ['COMMIT;'] : []),
    '',
    ...(o.asFile ? ['/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;', '/*!40101 SET CHARACTER_SET_RESULTS=@OLD_CHARACTER_SET_RESULTS */;', '/*!40101 SET COLLATION_CONNECTION=@OLD_COLLATION_CONNECTION */;'] : []),
    '',
  ].join('\n');
}

/**
 * HeidiSQL 12's export of database `db` (structure and data, 'Delete + insert'): the mysqldump-like
 * header of saved settings and their restores at the end (no footer line), CREATE TABLE IF NOT
 * EXISTS, `DELETE FROM t;` before each table's rows, tab-indented rows, routines and a trigger in
 * DELIMITER // blocks with the trigger's own sql_mode.
 */
function heidiSqlExport(db: string): string {
  const rows = (from: number, n: number): string => Array.from({ length: n }, (_, i) => `\t(${from + i}, 'name ${from + i} ä', '2024-03-31 0${(from + i) % 4}:30:00')`).join(',\n');
  return [
    '-- --------------------------------------------------------',
    '-- Host:                         127.0.0.1',
    '-- Server version:               10.11.6-MariaDB - mariadb.org binary distribution',
    '-- Server OS:                    Win64',
    '-- HeidiSQL Version:             12.6.0.6765',
    '-- --------------------------------------------------------',
    '',
    '/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;',
    '/*!40101 SET NAMES utf8 */;',
    '/*!50503 SET NAMES utf8mb4 */;',
    '/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */;',
    "/*!40103 SET TIME_ZONE='+00:00' */;",
    '/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;',
    "/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;",
    '/*!40111 SET @OLD_SQL_NOTES=@@SQL_NOTES, SQL_NOTES=0 */;',
    '',
    '',
    `-- Dumping database structure for ${db}`,
    `CREATE DATABASE IF NOT EXISTS \`${db}\` /*!40100 DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci */;`,
    `USE \`${db}\`;`,
    '',
    `-- Dumping structure for table ${db}.accounts`,
    'CREATE TABLE IF NOT EXISTS `accounts` (',
    '  `id` int(11) NOT NULL AUTO_INCREMENT,',
    '  `name` varchar(40) NOT NULL,',
    '  `created` timestamp NULL DEFAULT NULL,',
    '  PRIMARY KEY (`id`),',
    '  KEY `name` (`name`)',
    ') ENGINE=InnoDB AUTO_INCREMENT=201 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;',
    '',
    `-- Dumping data for table ${db}.accounts: ~200 rows (approximately)`,
    'DELETE FROM `accounts`;',
    '/*!40000 ALTER TABLE `accounts` DISABLE KEYS */;',
    `INSERT INTO \`accounts\` (\`id\`, \`name\`, \`created\`) VALUES\n${rows(1, 100)};`,
    `INSERT INTO \`accounts\` (\`id\`, \`name\`, \`created\`) VALUES\n${rows(101, 100)};`,
    '/*!40000 ALTER TABLE `accounts` ENABLE KEYS */;',
    '',
    `-- Dumping structure for table ${db}.orders`,
    'CREATE TABLE IF NOT EXISTS `orders` (',
    '  `id` int(11) NOT NULL AUTO_INCREMENT,',
    '  `account_id` int(11) NOT NULL,',
    '  PRIMARY KEY (`id`),',
    '  KEY `FK_acc` (`account_id`),',
    '  CONSTRAINT `FK_acc` FOREIGN KEY (`account_id`) REFERENCES `accounts` (`id`)',
    ') ENGINE=InnoDB AUTO_INCREMENT=3 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;',
    '',
    `-- Dumping data for table ${db}.orders: ~2 rows (approximately)`,
    'DELETE FROM `orders`;',
    'INSERT INTO `orders` (`id`, `account_id`) VALUES',
    '\t(1, 1),',
    '\t(2, 3);',
    '',
    `-- Dumping structure for procedure ${db}.p`,
    'DELIMITER //',
    'CREATE PROCEDURE `p`()',
    'BEGIN',
    '  SELECT COUNT(*) FROM accounts;',
    'END//',
    'DELIMITER ;',
    '',
    `-- Dumping structure for trigger ${db}.trg`,
    "SET @OLDTMP_SQL_MODE=@@SQL_MODE, SQL_MODE='STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION';",
    'DELIMITER //',
    'CREATE TRIGGER `trg` BEFORE INSERT ON `orders` FOR EACH ROW BEGIN',
    '  SET NEW.account_id = NEW.account_id;',
    'END//',
    'DELIMITER ;',
    'SET SQL_MODE=@OLDTMP_SQL_MODE;',
    '',
    "/*!40103 SET TIME_ZONE=IFNULL(@OLD_TIME_ZONE, 'system') */;",
    "/*!40101 SET SQL_MODE=IFNULL(@OLD_SQL_MODE, '') */;",
    '/*!40014 SET FOREIGN_KEY_CHECKS=IFNULL(@OLD_FOREIGN_KEY_CHECKS, 1) */;',
    '/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;',
    '/*!40111 SET SQL_NOTES=IFNULL(@OLD_SQL_NOTES, 1) */;',
    '',
  ].join('\n');
}

/**
 * Navicat Premium's 'Dump SQL File' of one database: a /* … *\/ header comment, SET NAMES and
 * FOREIGN_KEY_CHECKS = 0 (no time zone, no sql_mode), one INSERT a row, and SET FOREIGN_KEY_CHECKS
 * = 1 as its last statement.
 */
function navicatExport(): string {
  const rows = Array.from({ length: 150 }, (_, i) => `INSERT INTO \`events\` VALUES (${i + 1}, 'ev ${i + 1} 中文', '2024-03-31 0${i % 4}:30:00', ${i % 2 ? 'NULL' : `'${i}.5'`});`);
  return [
    '/*',
    ' Navicat Premium Data Transfer',
    '',
    ' Source Server         : local',
    ' Source Server Type    : MySQL',
    ' Source Server Version : 80036',
    ' Source Host           : localhost:3306',
    ' Source Schema         : shop',
    '',
    ' Target Server Type    : MySQL',
    ' Target Server Version : 80036',
    ' File Encoding         : 65001',
    '',
    ' Date: 26/04/2024 14:31:31',
    '*/',
    '',
    'SET NAMES utf8mb4;',
    'SET FOREIGN_KEY_CHECKS = 0;',
    '',
    '-- ----------------------------',
    '-- Table structure for events',
    '-- ----------------------------',
    'DROP TABLE IF EXISTS `events`;',
    'CREATE TABLE `events`  (',
    '  `id` int NOT NULL AUTO_INCREMENT,',
    "  `name` varchar(40) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NULL DEFAULT NULL,",
    '  `at` datetime NULL DEFAULT NULL,',
    '  `amount` decimal(10, 2) NULL DEFAULT NULL,',
    '  PRIMARY KEY (`id`) USING BTREE,',
    '  INDEX `at`(`at` ASC) USING BTREE',
    ') ENGINE = InnoDB AUTO_INCREMENT = 151 CHARACTER SET = utf8mb4 COLLATE = utf8mb4_general_ci ROW_FORMAT = Dynamic;',
    '',
    '-- ----------------------------',
    '-- Records of events',
    '-- ----------------------------',
    ...rows,
    '',
    'SET FOREIGN_KEY_CHECKS = 1;',
    '',
  ].join('\n');
}

describe('tsload restores the SQL exports of GUI tools as the mariadb client does', () => {
  let admin: AdminSession;
  const dbs: string[] = [];
  let dir: string;

  beforeAll(async () => {
    admin = await adminSession();
    dir = mkdtempSync(path.join(os.tmpdir(), 'tsload-tools-'));
  }, 600_000);

  afterAll(async () => {
    await dropDbs(...dbs);
    rmSync(dir, { recursive: true, force: true });
    await admin?.close();
  });

  /**
   * `mariadb REF < file` and `tsload -d file -B DST …` (both databases created first), compared. A
   * file that names its database (`text` a function of the name) is written for REF, and tsload
   * loads it with --rename REF=DST.
   */
  const restoreBothWays = async (label: string, text: string | ((db: string) => string), args: readonly string[] = []): Promise<{ ref: string; dst: string; file: string; cli: string[] }> => {
    const [ref, dst] = [uniqueDb(`imp_tool_ref_${label}`), uniqueDb(`imp_tool_${label}`)];
    dbs.push(ref, dst);
    const body = typeof text === 'string' ? text : text(ref);
    const f = path.join(dir, `${label}.sql`);
    writeFileSync(f, body);
    for (const db of [ref, dst]) await admin.query(`CREATE DATABASE \`${db}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci`);
    // a file without SET NAMES is read in the client's character set: the one tsload's sessions start with
    mariadbClient(['--default-character-set=utf8mb4', ref], body);
    const target = typeof text === 'string' ? ['-B', dst] : ['--rename', `${ref}=${dst}`];
    const cli = [...target, '-t', '2', '--rows-per-transaction', '1', ...args];
    const r = await runCli('tsload', [...connArgs(), '-d', f, ...cli], { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    await expectSameDatabases(admin, ref, dst, label);
    return { ref, dst, file: f, cli };
  };

  it('a phpMyAdmin export (START TRANSACTION between its header SETs, keys and AUTO_INCREMENT added by ALTER TABLE after the data, no footer): TIMESTAMPs read in its time zone, the 0 key kept', async () => {
    await restoreBothWays('pma', phpMyAdminExport({ transaction: true, asFile: true }));
    // saved from the browser (no SET NAMES block): the COMMIT alone ends it
    await restoreBothWays('pma_text', phpMyAdminExport({ transaction: true, asFile: false }));
    // without the transaction but saved as a file: its last statements restore what its header saved
    await restoreBothWays('pma_notx', phpMyAdminExport({ transaction: false, asFile: true }));
  }, 600_000);

  it('a phpMyAdmin export saved with Windows line endings: CR LF is read as LF, as the mariadb client reads it (the procedure and trigger bodies hold no CR)', async () => {
    await restoreBothWays('pma_crlf', phpMyAdminExport({ transaction: true, asFile: true }).replaceAll('\n', '\r\n'));
  }, 600_000);

  it('refuses a phpMyAdmin export cut before its COMMIT, and one whose end cannot be told, saying what is missing; --force loads the tables that are complete', async () => {
    const whole = phpMyAdminExport({ transaction: true, asFile: true });
    const cut = path.join(dir, 'pma-cut.sql');
    writeFileSync(cut, whole.slice(0, whole.indexOf('-- AUTO_INCREMENT for dumped tables')));
    const dst = uniqueDb('imp_tool_cut');
    const r = await runCli('tsload', [...connArgs(), '-d', cut, '-B', dst]);
    expect(r.code, r.stderr).toBe(6);
    // the view's stand-in table is not named as a table
    expect(r.stderr).toContain('is not a complete dump: the phpMyAdmin export does not end with the COMMIT of the transaction its header opened; the last complete table is orders. Nothing was loaded');
    expect(await admin.query('SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [dst])).toHaveLength(0);

    const bare = path.join(dir, 'pma-bare.sql');
    writeFileSync(bare, phpMyAdminExport({ transaction: false, asFile: false }));
    const b = await runCli('tsload', [...connArgs(), '-d', bare, '-B', dst]);
    expect(b.code, b.stderr).toBe(6);
    expect(b.stderr).toContain("the phpMyAdmin export ends with nothing that tells it from a file cut between two statements (exported without 'Enclose export in a transaction' and not saved as a file)");
    expect(b.stderr).toMatch(/--force/);

    dbs.push(dst);
    await admin.query(`CREATE DATABASE \`${dst}\``);
    const forced = await runCli('tsload', [...connArgs(), '-d', cut, '-B', dst, '--force'], { timeoutMs: 300_000 });
    expect(forced.code, forced.stderr).toBe(0);
    expect(Number(await admin.scalar(`SELECT COUNT(*) FROM \`${dst}\`.orders`))).toBe(300);
    expect(Number(await admin.scalar(`SELECT COUNT(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'orders' AND INDEX_NAME = 'PRIMARY'`, [dst]))).toBe(1);
  }, 600_000);

  it('a phpMyAdmin export whose rows break the foreign key its ALTER TABLE adds fails as `mariadb < file` fails, naming the line', async () => {
    const text = phpMyAdminExport({ transaction: true, asFile: true }).replace('(1, 1, 7.25,', '(1, 9, 7.25,');
    const [ref, dst] = [uniqueDb('imp_tool_fk_ref'), uniqueDb('imp_tool_fk')];
    dbs.push(ref, dst);
    for (const db of [ref, dst]) await admin.query(`CREATE DATABASE \`${db}\``);
    expect(() => mariadbClient([ref], text)).toThrow(/ERROR 1452/);
    const f = path.join(dir, 'pma-fk.sql');
    writeFileSync(f, text);
    const line = text.slice(0, text.indexOf('ALTER TABLE `orders`\n  ADD CONSTRAINT')).split('\n').length;
    const r = await runCli('tsload', [...connArgs(), '-d', f, '-B', dst], { timeoutMs: 300_000 });
    expect(r.code, r.stderr).not.toBe(0);
    expect(r.stderr).toContain(`the target refused the statement at line ${line} `);
    expect(r.stderr).toMatch(/a foreign key constraint fails/);
  }, 600_000);

  it('-T loads one table of a phpMyAdmin export with its own ALTER TABLEs, not the others\'', async () => {
    const dst = uniqueDb('imp_tool_part');
    dbs.push(dst);
    const f = path.join(dir, 'pma-part.sql');
    writeFileSync(f, phpMyAdminExport({ transaction: true, asFile: true }));
    await admin.query(`CREATE DATABASE \`${dst}\``);
    const r = await runCli('tsload', [...connArgs(), '-d', f, '-B', dst, '-T', `${dst}.accounts`], { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    const keys = await admin.query<{ INDEX_NAME: string }>('SELECT DISTINCT INDEX_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? ORDER BY INDEX_NAME', [dst]);
    expect(keys.map((k) => k.INDEX_NAME)).toEqual(['PRIMARY', 'username']);
    expect(await admin.query('SELECT ac_id FROM `' + dst + '`.accounts ORDER BY ac_id')).toEqual([{ ac_id: 0 }, { ac_id: 1 }, { ac_id: 2 }]);
  }, 600_000);

  it('a HeidiSQL export: its DELETE FROM before each table\'s rows is not run after them (the rows stay), its restores at the end end it', async () => {
    await restoreBothWays('heidi', heidiSqlExport);
  }, 600_000);

  it('refuses a file that empties a table after some of its rows, naming the line, before anything is created', async () => {
    const db = uniqueDb('imp_tool_delete');
    const text = heidiSqlExport(db).replace('/*!40000 ALTER TABLE `accounts` ENABLE KEYS */;', 'DELETE FROM `accounts`;\nINSERT INTO `accounts` VALUES (7, \'late\', NULL);');
    const f = path.join(dir, 'heidi-late-delete.sql');
    writeFileSync(f, text);
    const line = text.slice(0, text.lastIndexOf('DELETE FROM `accounts`')).split('\n').length;
    const r = await runCli('tsload', [...connArgs(), '-d', f, '--force']);
    expect(r.code, r.stderr).toBe(6);
    expect(r.stderr).toContain(`the statement at line ${line} empties table ${db}.accounts after some of its rows`);
    expect(await admin.query('SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [db])).toHaveLength(0);
  }, 600_000);

  it('refuses a mysqldump --xml file as XML, --force or not, before reading it through', async () => {
    const src = uniqueDb('imp_tool_xml_src');
    const dst = uniqueDb('imp_tool_xml');
    dbs.push(src);
    await admin.query(`CREATE DATABASE \`${src}\``);
    await admin.query(`CREATE TABLE \`${src}\`.t (id INT PRIMARY KEY, name VARCHAR(10))`);
    await admin.query(`INSERT INTO \`${src}\`.t VALUES (1, 'a'), (2, 'b')`);
    const f = path.join(dir, 'dump.xml.sql');
    writeFileSync(f, mariadbDump(['--xml', src]));
    const r = await runCli('tsload', [...connArgs(), '-d', f, '-B', dst, '--force']);
    expect(r.code, r.stderr).toBe(6);
    expect(r.stderr).toContain('is an XML dump (mysqldump --xml / mariadb-dump --xml), not SQL statements. Nothing was loaded');
    expect(await admin.query('SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [dst])).toHaveLength(0);
  }, 600_000);

  it('a Navicat export (one INSERT a row, SET FOREIGN_KEY_CHECKS = 1 last) loads without --force; cut before its last statement, it is refused', async () => {
    await restoreBothWays('navicat', navicatExport());
    const whole = navicatExport();
    const cut = path.join(dir, 'navicat-cut.sql');
    writeFileSync(cut, whole.slice(0, whole.indexOf('INSERT INTO `events` VALUES (100,')));
    const r = await runCli('tsload', [...connArgs(), '-d', cut, '-B', uniqueDb('imp_tool_navicut')]);
    expect(r.code, r.stderr).toBe(6);
    expect(r.stderr).toContain('the Navicat export does not end with the SET FOREIGN_KEY_CHECKS = 1 it writes last');
  }, 600_000);

  it('resumes a phpMyAdmin load killed after an ALTER TABLE took effect but before it was recorded; an ALTER the server refused stays refused on the rerun', async () => {
    const { ref, dst, file, cli } = await restoreBothWays('pma_resume', phpMyAdminExport({ transaction: true, asFile: true }), ['--keep-progress']);
    // the state kill -9 leaves while the last ALTER (the foreign key) ran to its end on the server: started, not done
    const last = await admin.query<{ step: string }>("SELECT step FROM tsload_progress.steps WHERE target_db = ? AND step LIKE 'statement:%' ORDER BY CAST(SUBSTRING_INDEX(step, ':', -1) AS UNSIGNED) DESC LIMIT 1", [dst]);
    expect(last).toHaveLength(1);
    await admin.query("UPDATE tsload_progress.steps SET info = 'alter:started' WHERE target_db = ? AND step = ?", [dst, last[0]!.step]);
    const r = await runCli('tsload', [...connArgs(), '-d', file, ...cli], { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/the ALTER TABLE the interrupted load ran had taken effect \(.*Duplicate key on write or update.*\): recorded as done/);
    await expectSameDatabases(admin, ref, dst, 'resumed after an ALTER');

    // the file itself adds a key twice: the first run fails there, and so does the rerun
    const twice = phpMyAdminExport({ transaction: true, asFile: true }).replace('  ADD KEY `ac_id` (`ac_id`);', '  ADD KEY `ac_id` (`ac_id`);\nALTER TABLE `orders` ADD KEY `ac_id` (`ac_id`);');
    const f = path.join(dir, 'pma-twice.sql');
    writeFileSync(f, twice);
    const dst2 = uniqueDb('imp_tool_twice');
    dbs.push(dst2);
    await admin.query(`CREATE DATABASE \`${dst2}\``);
    for (const run of ['first', 'rerun']) {
      const x = await runCli('tsload', [...connArgs(), '-d', f, '-B', dst2], { timeoutMs: 300_000 });
      expect(x.code, `${run}: ${x.stderr}`).toBe(1);
      expect(x.stderr, run).toContain("Duplicate key name 'ac_id'");
    }
  }, 600_000);
});
