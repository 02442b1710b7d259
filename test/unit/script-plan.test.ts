import { describe, expect, it } from 'vitest';
import { classify, deletesFrom } from '../../src/format/sql-classify.js';
import { ScriptPlanner, type ScriptPlan } from '../../src/format/script-plan.js';
import { takesServerIds } from '../../src/format/script-order.js';
import { SqlModeTracker } from '../../src/format/sql-mode-tracker.js';
import { suggestionFor } from '../../src/load/import-errors.js';

const DUMP = `/*M!999999\\- enable the sandbox mode */
-- MariaDB dump 10.19  Distrib 10.11.19-MariaDB
/*!40101 SET NAMES utf8mb4 */;
/*!40103 SET TIME_ZONE='+00:00' */;
/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;

CREATE DATABASE /*!32312 IF NOT EXISTS*/ \`shop\` /*!40100 DEFAULT CHARACTER SET utf8mb4 */;
USE \`shop\`;
DROP TABLE IF EXISTS \`a\`;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE \`a\` (
  \`id\` int NOT NULL,
  PRIMARY KEY (\`id\`)
) ENGINE=InnoDB;
LOCK TABLES \`a\` WRITE;
/*!40000 ALTER TABLE \`a\` DISABLE KEYS */;
INSERT INTO \`a\` VALUES (1),(2),(3);
INSERT INTO \`a\` VALUES (4),(5);
INSERT INTO \`a\` VALUES (6);
/*!40000 ALTER TABLE \`a\` ENABLE KEYS */;
UNLOCK TABLES;
CREATE TABLE \`b\` (\`x\` varchar(10)) ENGINE=InnoDB;
INSERT INTO \`b\` (\`x\`) VALUES ('(;)'),('it''s');
UNLOCK TABLES;
/*!50001 DROP VIEW IF EXISTS \`v\`*/;
/*!50001 CREATE ALGORITHM=UNDEFINED */ /*!50013 DEFINER=\`root\`@\`localhost\` SQL SECURITY DEFINER */ /*!50001 VIEW \`v\` AS select 1 AS \`one\` */;
DELIMITER ;;
/*!50003 CREATE*/ /*!50017 DEFINER=\`root\`@\`localhost\`*/ /*!50003 TRIGGER \`shop\`.\`t1\` BEFORE INSERT ON \`shop\`.\`a\` FOR EACH ROW BEGIN SET @x = 1; END */;;
DELIMITER ;
/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;
-- Dump completed on 2026-12-02 18:30:00
`;

function plan(text: string, limits = { statements: 2, bytes: 1 << 20 }): ScriptPlan {
  const p = new ScriptPlanner({ limits, footer: true });
  const b = Buffer.from(text);
  for (let i = 0; i < b.length; i += 7) p.push(b.subarray(i, i + 7));
  return p.finish();
}

describe('script plan', () => {
  it('plans tables, batches and objects of a mysqldump file', () => {
    const p = plan(DUMP);
    expect(p.complete).toBe(true);
    expect(p.header.map((h) => h.text)).toHaveLength(3);
    expect(p.databases.map((d) => d.name)).toEqual(['shop']);
    const [a, b] = p.databases[0]!.tables;
    expect(a!.name).toBe('a');
    expect(a!.rows).toBe(6);
    expect(a!.batches.map((x) => [x.statements, x.rows])).toEqual([
      [2, 5],
      [1, 1],
    ]);
    expect(Buffer.from(DUMP).subarray(a!.batches[1]!.start, a!.batches[1]!.end).toString()).toBe('INSERT INTO `a` VALUES (6);');
    expect(b!.rows).toBe(2);
    const objects = p.objects.filter((o) => o.what.kind === 'object').map((o) => o.what);
    expect(objects).toEqual([
      { kind: 'object', object: 'view', name: 'v', drop: true, on: null },
      { kind: 'object', object: 'view', name: 'v', drop: false, on: null },
      { kind: 'object', object: 'trigger', name: 't1', drop: false, on: 'a' },
    ]);
  });

  it('refuses a file cut in the middle of a table, naming the last complete one', () => {
    const cut = DUMP.slice(0, DUMP.indexOf("('it''s')"));
    const p = plan(cut);
    expect(p.complete).toBe(false);
    expect(p.problem).toBe("the file ends in the middle of the statement that starts at line 23 (INSERT INTO `b` (`x`) VALUES ('(;)'),)");
    expect(p.lastComplete).toEqual({ database: 'shop', table: 'a' });
    expect(p.databases[0]!.tables.map((t) => [t.name, t.complete])).toEqual([
      ['a', true],
      ['b', false],
    ]);
  });

  it('refuses a file without its footer, unless its last statements restore what its header saved (--skip-comments)', () => {
    // cut between two statements: nothing after the last table says the export ended there
    const p = plan(DUMP.slice(0, DUMP.indexOf('/*!40101 SET SQL_MODE=@OLD_SQL_MODE */')));
    expect(p.complete).toBe(false);
    expect(p.problem).toBe("the file has no '-- Dump completed' line at its end, nor the statements restoring the session settings its header saved");
    expect(plan(DUMP.slice(0, DUMP.indexOf('-- Dump completed'))).complete).toBe(true);
  });

  it('ends a phpMyAdmin export at the COMMIT of its header\'s transaction, an Adminer one at its date line', () => {
    const pma = '-- phpMyAdmin SQL Dump\nSET SQL_MODE = "NO_AUTO_VALUE_ON_ZERO";\nSTART TRANSACTION;\nSET time_zone = "+00:00";\nCREATE TABLE `a` (`id` int);\nINSERT INTO `a` VALUES (1);\nALTER TABLE `a`\n  ADD PRIMARY KEY (`id`);\n';
    const whole = plan(`${pma}COMMIT;\n`);
    expect(whole.complete).toBe(true);
    // START TRANSACTION does not end the header: its time zone is every session's
    expect(whole.header.map((h) => h.text)).toEqual(['SET SQL_MODE = "NO_AUTO_VALUE_ON_ZERO"', 'SET time_zone = "+00:00"']);
    expect(whole.stateChange).toBeNull();
    expect(whole.objects.map((o) => o.what)).toEqual([{ kind: 'alter-table', table: 'a', database: null }]);
    expect(plan(pma).problem).toBe('the phpMyAdmin export does not end with the COMMIT of the transaction its header opened');
    const adminer = "-- Adminer 4.8.1 MySQL 8.0.35 dump\n\nSET NAMES utf8;\nSET time_zone = '+00:00';\nCREATE TABLE `a` (`id` int);\nINSERT INTO `a` VALUES (1);\n";
    expect(plan(`${adminer}\n-- 2023-11-30 06:35:56\n`).complete).toBe(true);
    expect(plan(adminer).problem).toBe("the Adminer export has no '-- <date and time>' line at its end");
    const navicat = '/*\n Navicat Premium Data Transfer\n\n Date: 22/12/2018 23:18:10\n*/\n\nSET NAMES utf8mb4;\nSET FOREIGN_KEY_CHECKS = 0;\nCREATE TABLE `a` (`id` int);\nINSERT INTO `a` VALUES (1);\n';
    expect(plan(`${navicat}\nSET FOREIGN_KEY_CHECKS = 1;\n`).complete).toBe(true);
    expect(plan(navicat).problem).toBe('the Navicat export does not end with the SET FOREIGN_KEY_CHECKS = 1 it writes last');
  });

  it('names the tables a file inserts into without creating them, and the last table of a file without footer', () => {
    const p = plan("USE `shop`;\nINSERT INTO `ghost` VALUES (1);\nCREATE TABLE `a` (`id` int);\nINSERT INTO `a` VALUES (1),(2);\n");
    expect(p.orphans).toEqual([{ table: 'ghost', line: 2 }]);
    expect(p.complete).toBe(false);
    expect(p.unclosed?.name).toBe('a');
    expect(plan(DUMP.slice(0, DUMP.indexOf("('it''s')"))).unclosed).toBeNull();
  });

  it('tells an INSERT that leaves the AUTO_INCREMENT id to the server', () => {
    const ddl = 'CREATE TABLE `t` (\n  `id` int(11) NOT NULL AUTO_INCREMENT,\n  `a` decimal(10, 2)\n) AUTO_INCREMENT=5';
    const ids = { first: 1, rest: 1 };
    const LIST = { columnList: true, assignments: false };
    const BARE = { columnList: false, assignments: false };
    expect(takesServerIds(ddl, 'INSERT INTO `t` (`a`) VALUES (1)', LIST, ids, 'NO_AUTO_VALUE_ON_ZERO')).toBe(true);
    expect(takesServerIds(ddl, 'INSERT INTO `t` (`id`, `a`) VALUES (1, 2)', LIST, { first: 4, rest: 1 }, 'NO_AUTO_VALUE_ON_ZERO')).toBe(false);
    expect(takesServerIds(ddl, 'INSERT INTO `t` VALUES (1, 2)', BARE, ids, '')).toBe(false);
    expect(takesServerIds('CREATE TABLE t (id int auto_increment primary key, a int)', 'INSERT INTO t (ID, a) VALUES (1, 2)', LIST, { first: 4, rest: 1 }, '')).toBe(false);
    expect(takesServerIds('CREATE TABLE t (id int, a int) AUTO_INCREMENT=3', 'INSERT INTO t (a) VALUES (2)', LIST, ids, '')).toBe(false);
    // a string or comment reading auto_increment is not the column's attribute
    const noted = "CREATE TABLE t (note varchar(40) DEFAULT 'auto_increment' COMMENT \"auto_increment\", -- auto_increment\n id int NOT NULL AUTO_INCREMENT, v int, PRIMARY KEY (id))";
    expect(takesServerIds(noted, "INSERT INTO t (note, v) VALUES ('x',1)", LIST, { first: 4, rest: 4 }, 'NO_AUTO_VALUE_ON_ZERO')).toBe(true);
    expect(takesServerIds(noted, "INSERT INTO t (id, note, v) VALUES (1,'x',1)", LIST, { first: 4, rest: 1 }, 'NO_AUTO_VALUE_ON_ZERO')).toBe(false);
    // the column given elsewhere than first, or INVISIBLE: not read, so taken as the server's
    expect(takesServerIds(noted, "INSERT INTO t VALUES ('x',5,1)", BARE, { first: 4, rest: 4 }, 'NO_AUTO_VALUE_ON_ZERO')).toBe(true);
    expect(takesServerIds('CREATE TABLE t (id int auto_increment primary key invisible, a int)', 'INSERT INTO t VALUES (1)', BARE, ids, 'NO_AUTO_VALUE_ON_ZERO')).toBe(true);
  });

  it('reads NULL and 0 ids in any row of an INSERT, as its sql_mode takes them; a mysqldump file stays parallel', () => {
    const serial = (text: string): (boolean | undefined)[] => plan(`-- MySQL dump 10.13\n${text}\n-- Dump completed on 2026-12-02\n`).databases.flatMap((d) => d.tables.map((t) => t.serverIds));
    const t = 'CREATE TABLE t (id int auto_increment primary key, a int);';
    expect(serial(`${t}\nINSERT INTO t VALUES (1,1),(2,2),(3,3);`)).toEqual([undefined]);
    expect(serial(`${t}\nINSERT INTO t VALUES (1,1),(2,2),( NULL ,3);`)).toEqual([true]);
    expect(serial(`${t}\nINSERT INTO t VALUES (1,1),(default,2);`)).toEqual([true]);
    expect(serial(`${t}\nINSERT INTO t VALUES (1,1),(0,2);`)).toEqual([true]);
    expect(serial(`${t}\nINSERT INTO t (id, a) VALUES (1,1),(0,2);`)).toEqual([true]);
    expect(serial(`${t}\nINSERT INTO t (id, a) VALUES ('5',1);`)).toEqual([true]);
    expect(serial(`SET sql_mode='NO_AUTO_VALUE_ON_ZERO';\n${t}\nINSERT INTO t (id, a) VALUES (1,1),(0,2),(-3,3);`)).toEqual([undefined]);
    expect(serial(`SET sql_mode='NO_AUTO_VALUE_ON_ZERO';\n${t}\nINSERT INTO t VALUES (1,1),(NULL,2);`)).toEqual([true]);
    // no sql_mode in the file: the load's --sql-mode decides (mydumper's files are loaded with NO_AUTO_VALUE_ON_ZERO)
    const p = new ScriptPlanner({ limits: { statements: 2, bytes: 1 << 20 }, footer: false, sqlMode: 'NO_AUTO_VALUE_ON_ZERO' });
    p.push(Buffer.from(`${t}\nINSERT INTO t VALUES (0,1),(1,2);\n`));
    expect(p.finish().databases[0]!.tables[0]!.serverIds).toBeUndefined();
    // mysqldump's shape: its header's NO_AUTO_VALUE_ON_ZERO keeps the 0 it dumped
    const header = "/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;";
    expect(serial(`${header}\nCREATE TABLE \`t\` (\n  \`id\` int(11) NOT NULL AUTO_INCREMENT,\n  \`a\` int,\n  PRIMARY KEY (\`id\`)\n) AUTO_INCREMENT=3;\nINSERT INTO \`t\` VALUES (0,1),(1,2),\n(2,3);`)).toEqual([undefined]);
  });

  it('counts INSERT … SET as one row and no ON DUPLICATE KEY UPDATE group as a row, marking such a table', () => {
    const p = plan('CREATE TABLE o (id int primary key, v int);\nINSERT INTO o (id,v) VALUES (1,1),(2,2) ON DUPLICATE KEY UPDATE v=VALUES(v);\nINSERT INTO o (id,v) VALUES (1,10) ON DUPLICATE KEY UPDATE v=VALUES(v);\nINSERT INTO o SET id=3, v=3;\nCREATE TABLE p (id int auto_increment primary key, v int);\nINSERT INTO p SET v=1;\nINSERT INTO p (id, v) VALUES (2,2);\n-- Dump completed on 2026-12-02\n');
    const [o, q] = p.databases[0]!.tables;
    expect([o!.rows, o!.updatesOnDuplicate, o!.serverIds]).toEqual([4, true, undefined]);
    expect(o!.batches.map((b) => b.rows)).toEqual([3, 1]);
    // the SET's id is not read: taken as the server's
    expect([q!.rows, q!.updatesOnDuplicate, q!.serverIds]).toEqual([2, undefined, true]);
    expect(classify('INSERT IGNORE INTO `o` SET `id` = 1')).toEqual({ kind: 'insert', table: 'o', database: null, columnList: false, assignments: true });
  });

  it('classifies what mysqldump writes', () => {
    expect(classify('/*!50003 CREATE*/ /*!50020 DEFINER=`u`@`%`*/ /*!50003 PROCEDURE `p`() BEGIN')).toMatchObject({ kind: 'object', object: 'procedure', name: 'p' });
    expect(classify('CREATE DEFINER="u"@"localhost" FUNCTION "f l"(a INT)')).toMatchObject({ kind: 'object', object: 'function', name: 'f l' });
    expect(classify('INSERT INTO `we``ird` VALUES (1)')).toEqual({ kind: 'insert', table: 'we`ird', database: null, columnList: false, assignments: false });
    expect(classify('/*!40000 ALTER TABLE `t` DISABLE KEYS */')).toEqual({ kind: 'keys', table: 't', enable: false });
    expect(classify('ALTER TABLE `s`.`t`\n  MODIFY `id` int(11) NOT NULL AUTO_INCREMENT')).toEqual({ kind: 'alter-table', table: 't', database: 's' });
    const ops = [['begin', true], ['begin', true], ['autocommit-off', true], ['commit', false], ['autocommit-on', false], ['rollback', false]] as const;
    expect(['START TRANSACTION', 'BEGIN', 'SET AUTOCOMMIT = 0', 'COMMIT', 'set autocommit=1', 'ROLLBACK'].map((h) => classify(h))).toEqual(ops.map(([op, open]) => ({ kind: 'transaction', open, op })));
    expect(classify('/*!40000 DROP DATABASE IF EXISTS `shop`*/')).toEqual({ kind: 'drop-database', database: 'shop' });
    expect(classify('ALTER DATABASE `shop` CHARACTER SET latin1 COLLATE latin1_swedish_ci ')).toEqual({ kind: 'alter-database', database: 'shop' });
    // unnamed: the current database's, not one named CHARACTER
    expect(classify('ALTER DATABASE CHARACTER SET latin1 COLLATE latin1_swedish_ci')).toEqual({ kind: 'alter-database', database: null });
    expect(['CREATE USER `app`@`%` IDENTIFIED BY PASSWORD \'*76\'', 'GRANT SELECT ON `s`.* TO `app`@`%`', '/*M!100005 SET DEFAULT ROLE NONE FOR \'app\'@\'%\' */', 'SET ROLE NONE', 'DROP ROLE r', 'FLUSH PRIVILEGES'].map((h) => classify(h).kind)).toEqual(Array(6).fill('account'));
    expect(classify('DELETE FROM `t`')).toEqual({ kind: 'empty-table', table: 't', database: null });
    expect(classify('TRUNCATE TABLE `s`.`t`')).toEqual({ kind: 'empty-table', table: 't', database: 's' });
    expect(classify('DELETE FROM `t` WHERE id = 1')).toEqual({ kind: 'other' });
    // a MariaDB compound statement is run, not taken for a transaction
    expect(classify('BEGIN NOT ATOMIC SELECT 1; END')).toEqual({ kind: 'other' });
    expect(classify('CREATE TABLE `täblé` (').kind).toBe('create-table');
  });

  it('tells the table a DELETE … WHERE deletes rows of, or that a multi-table one may touch several', () => {
    const one = (table: string, database: string | null = null, mayAddRows = false) => ({ database, table, mayAddRows });
    expect(deletesFrom('DELETE FROM `t` WHERE id = 1')).toEqual(one('t'));
    expect(deletesFrom('/*!40000 DELETE LOW_PRIORITY QUICK IGNORE FROM `s`.`a``b` */ WHERE x')).toEqual(one('a`b', 's'));
    expect(deletesFrom('delete from t as x where x.id > 2 limit 5')).toEqual(one('t'));
    expect(deletesFrom('DELETE FROM t PARTITION (p0) WHERE id = 1')).toEqual(one('t'));
    expect(deletesFrom('DELETE FROM t ORDER BY id LIMIT 1')).toEqual(one('t'));
    expect(deletesFrom('DELETE FROM `t`WHERE id=1')).toEqual(one('t'));
    // line comments inside the statement, a '--' or '#' in a string left alone
    expect(deletesFrom('DELETE FROM t -- purge\nWHERE id=2')).toEqual(one('t'));
    expect(deletesFrom("DELETE FROM t # x\nWHERE a = '--' OR b = '#'")).toEqual(one('t'));
    // MariaDB's system-versioned tables: the history rows of one table
    expect(deletesFrom('DELETE HISTORY FROM t BEFORE SYSTEM_TIME NOW()')).toEqual(one('t'));
    // FOR PORTION OF splits a row whose period outlasts the portion on both sides: it may add rows
    expect(deletesFrom('DELETE FROM t FOR PORTION OF p FROM 1 TO 2')).toEqual(one('t', null, true));
    expect(deletesFrom('DELETE t FROM t JOIN u ON u.id = t.id')).toBe('several');
    expect(deletesFrom('DELETE FROM t, u USING t JOIN u')).toBe('several');
    expect(deletesFrom('DELETE FROM t USING t JOIN u')).toBe('several');
    // a head cut (512 bytes) right after a name may have cut the name: not taken for a table
    const cut = `DELETE /*${' '.repeat(480)}*/ FROM orders_archive WHERE id = 1`.slice(0, 512);
    expect(deletesFrom(cut)).toBe('several');
    // a bare name is never cut to find a keyword at its end (t_before, preorder, xfor, t_limit): the multi-table forms stay several
    for (const h of ['DELETE FROM t_before USING t_before JOIN x ON 1 WHERE x.k=1', 'DELETE FROM preorder, items USING preorder JOIN items WHERE 1', 'DELETE FROM xfor, t2 USING xfor JOIN t2 WHERE 1', 'DELETE QUICK FROM t_limit, u USING t_limit, u WHERE 1', 'DELETE FROM shop.t_order USING shop.t_order JOIN u WHERE 1']) expect(deletesFrom(h), h).toBe('several');
    expect(deletesFrom('DELETE FROM t_before WHERE id = 1')).toEqual(one('t_before'));
    // a '#' or '-- ' inside a plain block comment is no comment; a conditional comment's content is code
    expect(deletesFrom('DELETE FROM t1 /* # */ , t2 USING t1 JOIN t2 ON t1.id=t2.id\n/* x */ WHERE t2.k=1')).toBe('several');
    expect(deletesFrom("DELETE /* it's */ FROM t -- x\nWHERE id = 1")).toEqual(one('t'));
    // a head cut right after FOR: FOR PORTION OF all the same
    const cutFor = `DELETE /*${' '.repeat(490)}*/ FROM t FOR`;
    expect(cutFor.length).toBe(512);
    expect(deletesFrom(`${cutFor} PORTION OF p FROM 1 TO 2`.slice(0, 512))).toEqual(one('t', null, true));
    expect(deletesFrom('UPDATE t SET a = 1')).toBeNull();
    expect(deletesFrom('INSERT INTO t VALUES (1)')).toBeNull();
  });
});

describe('refused statements', () => {
  it("suggests the fix for what other tools' dumps often hold", () => {
    expect(suggestionFor(1449, "The user specified as a definer ('x'@'%') does not exist", '')).toMatch(/--skip-definer/);
    expect(suggestionFor(1115, "Unknown character set: 'utf8mb3'", '')).toMatch(/--convert-utf8mb4/);
    expect(suggestionFor(1292, "Incorrect datetime value: '0000-00-00 00:00:00'", '')).toMatch(/--sql-mode/);
    expect(suggestionFor(1286, "Unknown storage engine 'TokuDB'", '')).toMatch(/--engine/);
    expect(suggestionFor(1062, "Duplicate entry '1' for key 'PRIMARY'", '')).toMatch(/--on-duplicate ignore/);
    // MySQL 8's collations on MariaDB: --convert-utf8mb4 is not the fix
    expect(suggestionFor(1273, "Unknown collation: 'utf8mb4_0900_ai_ci'", '')).toMatch(/comes from MySQL 8 .*does not change it/);
    expect(suggestionFor(1064, "You have an error in your SQL syntax … near 'TYPE=MyISAM' at line 4", 'CREATE TABLE `t` (\n  `id` int(11)\n) TYPE=MyISAM')).toMatch(/ENGINE=/);
  });
});

describe('sql_mode tracker', () => {
  it('follows SET sql_mode, saved and restored through user variables', () => {
    const t = new SqlModeTracker('STRICT_TRANS_TABLES');
    t.observe('/*!50003 SET @saved_sql_mode       = @@sql_mode */');
    t.observe("/*!50003 SET sql_mode              = 'ANSI_QUOTES,NO_BACKSLASH_ESCAPES' */");
    expect(t.noBackslashEscapes).toBe(true);
    t.observe('/*!50003 SET sql_mode              = @saved_sql_mode */');
    expect(t.sqlMode).toBe('STRICT_TRANS_TABLES');
    t.observe("/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */");
    expect(t.sqlMode).toBe('NO_AUTO_VALUE_ON_ZERO');
    t.observe('/*!40101 SET SQL_MODE=@OLD_SQL_MODE */');
    expect(t.sqlMode).toBe('STRICT_TRANS_TABLES');
  });
});

describe('session state of a script', () => {
  const dump = (names: string, tz: boolean, table: string): string =>
    [
      '/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;',
      `/*!40101 SET NAMES ${names} */;`,
      ...(tz ? ['/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */;', "/*!40103 SET TIME_ZONE='+00:00' */;"] : []),
      "/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;",
      `/*!40101 SET @saved_cs_client     = @@character_set_client */;\n/*!40101 SET character_set_client = utf8 */;\nCREATE TABLE \`${table}\` (a INT);\n/*!40101 SET character_set_client = @saved_cs_client */;`,
      `INSERT INTO \`${table}\` VALUES (1);`,
      ...(tz ? ['/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;'] : []),
      '/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;',
      '/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;',
      '-- Dump completed on 2026-12-07  1:00:00',
      '',
    ].join('\n');

  it('two concatenated dumps with the same settings read every INSERT under the header', () => {
    expect(plan(dump('utf8mb4', true, 'a') + dump('utf8mb4', true, 'b')).stateChange).toBeNull();
  });

  it('names the first INSERT read under another character set or time zone than the header', () => {
    expect(plan(dump('latin1', true, 'a') + dump('utf8mb4', true, 'b')).stateChange).toEqual({ line: 24, table: 'b', database: null, changes: ['character_set_client latin1 → utf8mb4'] });
    expect(plan(dump('utf8mb4', true, 'a') + dump('utf8mb4', false, 'b')).stateChange?.changes).toEqual(['time_zone +00:00 → (the server default)']);
  });
});
