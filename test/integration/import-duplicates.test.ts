/**
 * Issue 14: --on-duplicate on imports of other tools' dumps. A mysqldump-style file and a
 * mydumper-style directory, written here, whose INSERTs hold keys twice (within one statement,
 * across statements and transactions, across a mydumper table's chunk files; the PRIMARY KEY and a
 * UNIQUE secondary key), in every verb the tools write (INSERT INTO, INSERT IGNORE INTO, REPLACE
 * INTO, --complete-insert column lists, multi-row). `--on-duplicate ignore` keeps the first row of
 * each key in file order and `replace` the last: the result is compared by CHECKSUM TABLE with
 * tables built here row by row with that rule. Without the option the first duplicate fails the
 * load, naming the file, line and table. A file's own INSERT … ON DUPLICATE KEY UPDATE (and
 * INSERT … SET) loads as `mariadb < file` loads it: in file order, checked to hold at most its rows.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectSameDatabases } from '../support/checker.js';
import { connArgs, mariadbClient, runCli } from '../support/cli.js';
import { killAfterProgressRows } from '../support/faults.js';
import type { AdminSession } from '../support/server.js';
import { adminSession, dropDbs, uniqueDb } from '../support/server.js';

const T1 = 'CREATE TABLE `t1` (\n  `id` int(11) NOT NULL,\n  `v` varchar(40) DEFAULT NULL,\n  `n` int(11) DEFAULT NULL,\n  PRIMARY KEY (`id`),\n  KEY `n` (`n`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4';
const T2 = 'CREATE TABLE `t2` (\n  `id` int(11) NOT NULL,\n  `u` varchar(10) NOT NULL,\n  `w` varchar(20) DEFAULT NULL,\n  PRIMARY KEY (`id`),\n  UNIQUE KEY `u` (`u`),\n  KEY `w` (`w`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4';

/** A row as its SQL literal tuple, and its conflicting key (each row conflicts on one key at most). */
interface Row {
  readonly tuple: string;
  readonly key: string;
}

/** t1's statements: [verb and table, rows]; the key is the id (PRIMARY KEY). */
const T1_STATEMENTS: readonly [string, readonly (readonly [number, string, number])[]][] = [
  ['INSERT INTO `t1` VALUES ', [[1, "'a'", 10], [2, "'b'", 20], [1, "'a again'", 11]]],
  ['INSERT INTO `t1` VALUES ', [[3, "'c;)\\''", 30], [2, "'b again'", 21], [6, "'f'", 60]]],
  ['INSERT IGNORE INTO `t1` VALUES ', [[4, "'d'", 40], [3, "'c again'", 31]]],
  ['REPLACE INTO `t1` VALUES ', [[5, "'e'", 50], [4, "'d again'", 41]]],
  ['INSERT INTO `t1` (`id`, `v`, `n`) VALUES ', [[6, "'f again'", 61], [7, 'NULL', 70], [1, "'a third'", 12]]],
];
/** t2's statements (--complete-insert style): the key is `u` (UNIQUE), ids all differ. */
const T2_STATEMENTS: readonly [string, readonly (readonly [number, string, string])[]][] = [
  ['INSERT INTO `t2` (`id`, `u`, `w`) VALUES ', [[1, "'x'", "'first x'"], [2, "'y'", "'first y'"], [3, "'x'", "'second x'"]]],
  ['INSERT INTO `t2` (`id`, `u`, `w`) VALUES ', [[4, "'y'", "'second y'"], [5, "'z'", "'only z'"]]],
  ['INSERT INTO `t2` (`id`, `u`, `w`) VALUES ', [[6, "'z'", "'second z'"], [7, "'x'", "'third x'"]]],
];

const t1Rows = (rows: readonly (readonly [number, string, number])[]): Row[] => rows.map(([id, v, n]) => ({ tuple: `(${id},${v},${n})`, key: String(id) }));
const t2Rows = (rows: readonly (readonly [number, string, string])[]): Row[] => rows.map(([id, u, w]) => ({ tuple: `(${id},${u},${w})`, key: u }));

function insert(verb: string, rows: readonly Row[]): string {
  return `${verb}${rows.map((r) => r.tuple).join(',')};\n`;
}

/** The rows that stay: per key the first (ignore) or the last (replace) in file order. */
function expected(statements: readonly Row[][], mode: 'ignore' | 'replace'): Row[] {
  const kept = new Map<string, Row>();
  for (const r of statements.flat()) if (mode === 'replace' || !kept.has(r.key)) kept.set(r.key, r);
  return [...kept.values()];
}

const t1 = T1_STATEMENTS.map(([, rows]) => t1Rows(rows));
const t2 = T2_STATEMENTS.map(([, rows]) => t2Rows(rows));

function mysqldumpFile(): string {
  const parts = [
    '-- MariaDB dump 10.19  Distrib 10.11.6-MariaDB, for debian-linux-gnu (x86_64)\n--\n-- Host: 127.0.0.1    Database: dups\n-- ------------------------------------------------------\n',
    "/*!40101 SET NAMES utf8mb4 */;\n/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;\n\n",
    `DROP TABLE IF EXISTS \`t1\`;\n${T1};\n\nLOCK TABLES \`t1\` WRITE;\n/*!40000 ALTER TABLE \`t1\` DISABLE KEYS */;\n`,
    ...T1_STATEMENTS.map(([verb], i) => insert(verb, t1[i]!)),
    '/*!40000 ALTER TABLE `t1` ENABLE KEYS */;\nUNLOCK TABLES;\n\n',
    `DROP TABLE IF EXISTS \`t2\`;\n${T2};\n\nLOCK TABLES \`t2\` WRITE;\n`,
    ...T2_STATEMENTS.map(([verb], i) => insert(verb, t2[i]!)),
    'UNLOCK TABLES;\n/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;\n\n-- Dump completed on 2026-12-03  6:00:00\n',
  ];
  return parts.join('');
}

/** mydumper's layout: t1's statements over two chunk files, t2 in one. */
function mydumperDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const head = "/*!40101 SET NAMES binary*/;\n/*!40014 SET FOREIGN_KEY_CHECKS=0*/;\n/*!40103 SET TIME_ZONE='+00:00' */;\n";
  writeFileSync(path.join(dir, 'metadata'), 'Started dump at: 2026-12-03 06:00:00\nFinished dump at: 2026-12-03 06:00:01\n');
  writeFileSync(path.join(dir, 'dups-schema-create.sql'), 'CREATE DATABASE `dups` /*!40100 DEFAULT CHARACTER SET utf8mb4 */;\n');
  writeFileSync(path.join(dir, 'dups.t1-schema.sql'), `${head}\n${T1};\n`);
  writeFileSync(path.join(dir, 'dups.t2-schema.sql'), `${head}\n${T2};\n`);
  const verb = (v: string): string => v.replace('REPLACE INTO', 'INSERT INTO');
  writeFileSync(path.join(dir, 'dups.t1.00000.sql'), head + T1_STATEMENTS.slice(0, 3).map(([v], i) => insert(verb(v), t1[i]!)).join(''));
  writeFileSync(path.join(dir, 'dups.t1.00001.sql'), head + T1_STATEMENTS.slice(3).map(([v], i) => insert(verb(v), t1[i + 3]!)).join(''));
  writeFileSync(path.join(dir, 'dups.t2.00000.sql'), head + T2_STATEMENTS.map(([v], i) => insert(v, t2[i]!)).join(''));
}

describe('tsload --on-duplicate on imports of other tools\' dumps', () => {
  let admin: AdminSession;
  let dir: string;
  let file: string;
  let mydumper: string;
  const dbs: string[] = [];
  const want = uniqueDb('imp_dup_want');

  beforeAll(async () => {
    admin = await adminSession();
    dir = mkdtempSync(path.join(os.tmpdir(), 'tsload-dups-'));
    file = path.join(dir, 'dups.sql');
    writeFileSync(file, mysqldumpFile());
    mydumper = path.join(dir, 'mydumper');
    mydumperDir(mydumper);
    // the expected tables, row by row with plain INSERTs (no duplicate reaches the server)
    dbs.push(want);
    await admin.query(`CREATE DATABASE \`${want}\``);
    for (const mode of ['ignore', 'replace'] as const) {
      for (const [name, ddl, rows] of [['t1', T1, t1], ['t2', T2, t2]] as const) {
        await admin.query(`${ddl.replace(`\`${name}\``, `\`${want}\`.\`${name}_${mode}\``)}`);
        await admin.query(`INSERT INTO \`${want}\`.\`${name}_${mode}\` VALUES ${expected(rows, mode).map((r) => r.tuple).join(',')}`);
      }
    }
  }, 120_000);

  afterAll(async () => {
    await dropDbs(...dbs);
    rmSync(dir, { recursive: true, force: true });
    await admin?.close();
  });

  async function checksum(db: string, table: string): Promise<string> {
    const rows = await admin.query<{ Checksum: string | null }>(`CHECKSUM TABLE \`${db}\`.\`${table}\``);
    return String(rows[0]?.Checksum);
  }

  async function expectContent(db: string, mode: 'ignore' | 'replace'): Promise<void> {
    for (const [name, rows] of [['t1', t1], ['t2', t2]] as const) {
      expect(Number(await admin.scalar(`SELECT COUNT(*) FROM \`${db}\`.\`${name}\``)), `${name} rows`).toBe(expected(rows, mode).length);
      expect(await checksum(db, name), `${name} checksum (${mode})`).toBe(await checksum(want, `${name}_${mode}`));
    }
    // the deferred plain index was added after the data; the UNIQUE one was there while it went in
    const keys = await admin.query<{ k: string }>('SELECT DISTINCT INDEX_NAME AS k FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? ORDER BY k', [db]);
    expect(keys.map((k) => k.k)).toEqual(['n', 'PRIMARY', 'u', 'w']);
  }

  for (const mode of ['ignore', 'replace'] as const) {
    it(`--on-duplicate ${mode}: a mysqldump file's repeated keys, ${mode === 'ignore' ? 'first' : 'last'} row kept, in small transactions over several threads`, async () => {
      const db = uniqueDb(`imp_dup_${mode}`);
      dbs.push(db);
      const r = await runCli('tsload', [...connArgs(), '-d', file, '-B', db, '--on-duplicate', mode, '-t', '3', '--rows-per-transaction', '2'], { timeoutMs: 120_000 });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/at most the rows of its INSERTs/);
      await expectContent(db, mode);
    }, 180_000);

    it(`--on-duplicate ${mode}: a mydumper directory whose repeated keys span chunk files`, async () => {
      const db = uniqueDb(`imp_dup_myd_${mode}`);
      dbs.push(db);
      const r = await runCli('tsload', [...connArgs(), '-d', mydumper, '--rename', `dups=${db}`, '--on-duplicate', mode, '-t', '2'], { timeoutMs: 120_000 });
      expect(r.code, r.stderr).toBe(0);
      await expectContent(db, mode);
    }, 180_000);
  }

  it('without --on-duplicate the first repeated key fails the load, naming the file, line and table, with the fix', async () => {
    const db = uniqueDb('imp_dup_error');
    dbs.push(db);
    // one thread: t1's first statement is the first to fail (t2 repeats a key too)
    const r = await runCli('tsload', [...connArgs(), '-d', file, '-B', db, '-t', '1'], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(1);
    const text = mysqldumpFile();
    const line = text.slice(0, text.indexOf('INSERT INTO `t1`')).split('\n').length;
    expect(r.stderr).toMatch(new RegExp(`refused the statement at line ${line} \\(byte \\d+\\) of .*dups\\.sql`));
    expect(r.stderr).toMatch(/Duplicate entry '1' for key 'PRIMARY'/);
    expect(r.stderr).toMatch(/t1/);
    expect(r.stderr).toMatch(/--on-duplicate ignore/);
  }, 180_000);

  it('--on-duplicate replace resumes after kill -9 in the middle of a table, still in file order', async () => {
    // 600 statements of 100 rows over 4000 keys: every key comes back, with another value each time
    const statements: Row[][] = [];
    for (let k = 0; k < 600; k++) {
      statements.push(Array.from({ length: 100 }, (_, r) => {
        const id = (k * 37 + r * 101) % 4000;
        return { tuple: `(${id},'statement ${k} row ${r} ${'x'.repeat(120)}',${k})`, key: String(id) };
      }));
    }
    const big = path.join(dir, 'big.sql');
    writeFileSync(big, [
      "/*!40101 SET NAMES utf8mb4 */;\n",
      `DROP TABLE IF EXISTS \`t1\`;\n${T1.replace('varchar(40)', 'varchar(200)')};\n`,
      ...statements.map((rows) => insert('INSERT INTO `t1` VALUES ', rows)),
      'UNLOCK TABLES;\n-- Dump completed on 2026-12-03  6:00:00\n',
    ].join(''));
    const kept = expected(statements, 'replace');
    await admin.query(`${T1.replace('varchar(40)', 'varchar(200)').replace('`t1`', `\`${want}\`.\`big_replace\``)}`);
    for (let k = 0; k < kept.length; k += 500) await admin.query(`INSERT INTO \`${want}\`.\`big_replace\` VALUES ${kept.slice(k, k + 500).map((r) => r.tuple).join(',')}`);
    const db = uniqueDb('imp_dup_kill');
    dbs.push(db);
    const args = [...connArgs(), '-d', big, '-B', db, '--on-duplicate', 'replace', '-t', '2', '--rows-per-transaction', '1'];
    const first = await runCli('tsload', args, { timeoutMs: 300_000, onSpawn: killAfterProgressRows(admin, db, 20) });
    expect(first.signal, `not killed mid-data:\n${first.stderr}`).toBe('SIGKILL');
    const second = await runCli('tsload', args, { timeoutMs: 300_000 });
    expect(second.code, second.stderr).toBe(0);
    expect(Number(await admin.scalar(`SELECT COUNT(*) FROM \`${db}\`.\`t1\``))).toBe(kept.length);
    expect(await checksum(db, 't1')).toBe(await checksum(want, 'big_replace'));
  }, 600_000);

  it('a file\'s own ON DUPLICATE KEY UPDATE and INSERT … SET: the rows of `mariadb < file`, in file order over several threads, verified as at most the file\'s rows', async () => {
    // the reviewer's file: VALUES(v) is no row, the SET one row
    const odku = path.join(dir, 'odku.sql');
    writeFileSync(odku, [
      'CREATE TABLE o (id int primary key, v int);',
      'INSERT INTO o (id,v) VALUES (1,1),(2,2) ON DUPLICATE KEY UPDATE v=VALUES(v);',
      'INSERT INTO o (id,v) VALUES (1,10) ON DUPLICATE KEY UPDATE v=VALUES(v);',
      'INSERT INTO o SET id=3, v=3;',
      // each update appends to the key's row: only file order gives the client's strings
      'CREATE TABLE log (id int primary key, seen text);',
      ...Array.from({ length: 1000 }, (_, k) => `INSERT INTO log VALUES (${k % 7},'${k}'),(${(k * 3) % 7},'${k}b') ON DUPLICATE KEY UPDATE seen = CONCAT(seen, ',', VALUES(seen));`),
      '-- Dump completed on 2026-12-03  6:00:00',
      '',
    ].join('\n'));
    const client = uniqueDb('imp_odku_client');
    const db = uniqueDb('imp_odku');
    dbs.push(client, db);
    await admin.query(`CREATE DATABASE \`${client}\``);
    mariadbClient([client], readFileSync(odku));
    const r = await runCli('tsload', [...connArgs(), '-d', odku, '-B', db, '-t', '8', '--rows-per-transaction', '1'], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`verify: the INSERTs of ${db}.o, ${db}.log end in ON DUPLICATE KEY UPDATE`);
    expect(r.stderr).toMatch(/each is checked to hold at most the rows of its INSERTs/);
    expect(Number(await admin.scalar(`SELECT COUNT(*) FROM \`${db}\`.o`))).toBe(3);
    await expectSameDatabases(admin, client, db, 'ON DUPLICATE KEY UPDATE');
    // --on-duplicate replace would make them REPLACE … ON DUPLICATE KEY UPDATE, which the server refuses
    const replaced = uniqueDb('imp_odku_repl');
    dbs.push(replaced);
    const refused = await runCli('tsload', [...connArgs(), '-d', odku, '-B', replaced, '--on-duplicate', 'replace']);
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toContain(`--on-duplicate replace cannot turn the file's INSERT … ON DUPLICATE KEY UPDATE statements (into ${replaced}.o, ${replaced}.log)`);
    expect(await admin.query('SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [replaced])).toHaveLength(0);
  }, 180_000);
});
