/**
 * What a SQL script's data statements do, as `mariadb DB < file` does it (a reviewer's cases):
 * INSERTs that name their database (DBeaver's, phpMyAdmin's exports) go to the target of -B /
 * --rename and to no other database; CREATE TABLE … SELECT, INSERT … ON DUPLICATE KEY UPDATE and
 * INSERT … SET; a double-quoted SET SQL_MODE, and --sql-mode, NO_BACKSLASH_ESCAPES; a compressed file tsload does not read. Compared by
 * the checker (content checksums over every column), or refused before anything is created.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectSameDatabases } from '../support/checker.js';
import { connArgs, mariadbClient, runCli } from '../support/cli.js';
import type { AdminSession } from '../support/server.js';
import { adminSession, dropDbs, uniqueDb } from '../support/server.js';

const FOOT = '-- Dump completed on 2024-01-01\n';

describe('tsload loads a SQL script\'s data statements where and as the mariadb client does', () => {
  let admin: AdminSession;
  const dbs: string[] = [];
  let dir: string;

  beforeAll(async () => {
    admin = await adminSession();
    dir = mkdtempSync(path.join(os.tmpdir(), 'tsload-script-data-'));
  }, 600_000);

  afterAll(async () => {
    await dropDbs(...dbs);
    rmSync(dir, { recursive: true, force: true });
    await admin?.close();
  });

  const write = (name: string, body: string | Buffer): string => {
    const f = path.join(dir, name);
    writeFileSync(f, body);
    return f;
  };

  /** The file (naming database REF) run by `mariadb REF < file`, and by `tsload -d file ARGS(dst)`; compared. Returns [ref, dst]. */
  const restoreBothWays = async (label: string, text: (ref: string) => string, args: (dst: string, ref: string) => readonly string[], create = true): Promise<[string, string]> => {
    const [ref, dst] = [uniqueDb(`scr_ref_${label}`), uniqueDb(`scr_${label}`)];
    dbs.push(ref, dst);
    const body = text(ref);
    await admin.query(`CREATE DATABASE \`${ref}\``);
    if (create) await admin.query(`CREATE DATABASE \`${dst}\``);
    mariadbClient(['--default-character-set=utf8mb4', ref], body);
    const r = await runCli('tsload', [...connArgs(), '-d', write(`${label}.sql`, body), '-t', '2', '--rows-per-transaction', '1', ...args(dst, ref)], { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    await expectSameDatabases(admin, ref, dst, label);
    return [ref, dst];
  };

  it('an INSERT naming the source database (DBeaver, phpMyAdmin) loads into the -B / --rename target and leaves the source as it was', async () => {
    const table = 'CREATE TABLE t (id int primary key, v varchar(10));';
    // the header comment names the database (mysqldump, phpMyAdmin); the reviewer's q.sql
    const [ref1] = await restoreBothWays('q1', (ref) => `-- Host: localhost    Database: ${ref}\n${table}\nINSERT INTO \`${ref}\`.\`t\` VALUES (5,'dump'),(6,'dump');\nINSERT INTO \`${ref}\`.\`t\` VALUES (7,'x');\n${FOOT}`, (dst) => ['-B', dst]);
    // the source kept what mariadb wrote into it, nothing more (the load's rows went to the target)
    expect(await admin.query(`SELECT id FROM \`${ref1}\`.t ORDER BY id`)).toEqual([{ id: 5 }, { id: 6 }, { id: 7 }]);
    // no header comment, a bare qualifier, with blanks around the dot
    await restoreBothWays('q2', (ref) => `${table}\nINSERT INTO ${ref} . t (id, v) VALUES (1,'a');\nINSERT IGNORE ${ref}.t VALUES (2,'b');\n${FOOT}`, (dst) => ['-B', dst]);
    // a file with CREATE DATABASE / USE, renamed
    await restoreBothWays('q3', (ref) => `CREATE DATABASE IF NOT EXISTS \`${ref}\`;\nUSE \`${ref}\`;\n${table}\nINSERT INTO \`${ref}\`.\`t\` VALUES (1,'a'),(2,'b');\n${FOOT}`, (dst, ref) => ['--rename', `${ref}=${dst}`], false);
  }, 600_000);

  it('an INSERT naming its database where tsload cannot write the target (behind a comment, in a conditional comment) is refused before anything is made', async () => {
    for (const [label, insert] of [['qc', "INSERT INTO /* c */ `shop`.`t` VALUES (1,'a');"], ['qv', "/*!40000 INSERT INTO `shop`.`t` VALUES (1,'a') */;"]] as const) {
      const dst = uniqueDb(`scr_${label}`);
      dbs.push(dst);
      const f = write(`${label}.sql`, `-- Host: localhost    Database: shop\nCREATE TABLE t (id int primary key, v varchar(10));\n${insert}\n${FOOT}`);
      const r = await runCli('tsload', [...connArgs(), '-d', f, '-B', dst]);
      expect(r.code, r.stderr).toBe(6);
      expect(r.stderr).toContain(`${f}, line 3: the INSERT into t names database shop in a form tsload cannot rewrite to the target ${dst}`);
      expect(await admin.query('SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [dst])).toHaveLength(0);
    }
    // loaded under the name it names there is nothing to rewrite: it loads as the client loads it
    const same = uniqueDb('scr_qs');
    dbs.push(same);
    const f = write('qs.sql', `-- Host: localhost    Database: ${same}\nCREATE TABLE t (id int primary key, v varchar(10));\nINSERT INTO /* c */ \`${same}\`.\`t\` VALUES (1,'a');\n${FOOT}`);
    const r = await runCli('tsload', [...connArgs(), '-d', f, '-B', same]);
    expect(r.code, r.stderr).toBe(0);
    expect(await admin.query(`SELECT id, v FROM \`${same}\`.t`)).toEqual([{ id: 1, v: 'a' }]);
  }, 600_000);

  it('an INSERT naming a database the file does not load is refused, naming the file and the line; nothing is written', async () => {
    const [other, dst] = [uniqueDb('scr_other'), uniqueDb('scr_no_other')];
    dbs.push(other, dst);
    await admin.query(`CREATE DATABASE \`${other}\``);
    await admin.query(`CREATE TABLE \`${other}\`.t (id int primary key, v varchar(10))`);
    const f = write('other.sql', `-- Host: localhost    Database: shop\nCREATE TABLE t (id int primary key, v varchar(10));\nINSERT INTO \`${other}\`.\`t\` VALUES (5,'dump');\n${FOOT}`);
    const r = await runCli('tsload', [...connArgs(), '-d', f, '-B', dst]);
    expect(r.code, r.stderr).toBe(6);
    expect(r.stderr).toContain(`${f}, line 3: the INSERT at line 3 names database ${other}`);
    expect(await admin.query(`SELECT COUNT(*) AS n FROM \`${other}\`.t`)).toEqual([{ n: '0' }]);
    expect(await admin.query('SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [dst])).toHaveLength(0);
  }, 600_000);

  it('a CREATE TABLE … SELECT is refused, naming the file and the line (run before the data, it would create an empty table)', async () => {
    for (const [label, select] of [['ctas1', 'CREATE TABLE b AS SELECT * FROM a;'], ['ctas2', 'CREATE TABLE c SELECT id FROM a WHERE id>1;']] as const) {
      const dst = uniqueDb(`scr_no_${label}`);
      dbs.push(dst);
      const f = write(`${label}.sql`, `CREATE TABLE a (id int primary key);\nINSERT INTO a VALUES (1),(2),(3);\n${select}\n${FOOT}`);
      const r = await runCli('tsload', [...connArgs(), '-d', f, '-B', dst]);
      expect(r.code, r.stderr).toBe(6);
      expect(r.stderr).toContain(`${f}, line 3: the CREATE TABLE `);
      expect(r.stderr).toContain('… SELECT at line 3 fills the table with rows');
      expect(await admin.query('SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [dst])).toHaveLength(0);
    }
  }, 600_000);

  it('a double-quoted SET SQL_MODE = "NO_BACKSLASH_ESCAPES" (phpMyAdmin) splits the strings as the mariadb client does', async () => {
    const pma = [
      '-- phpMyAdmin SQL Dump',
      '-- version 5.2.1',
      'SET SQL_MODE = "NO_BACKSLASH_ESCAPES";',
      'START TRANSACTION;',
      'SET time_zone = "+00:00";',
      'CREATE TABLE `t` (`id` int NOT NULL PRIMARY KEY, `v` varchar(10)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;',
      "INSERT INTO `t` (`id`, `v`) VALUES (1,'a\\'),(2,'b;c\\');",
      "INSERT INTO `t` (`id`, `v`) VALUES (3,'\\\\');",
      'COMMIT;',
      '',
    ].join('\n');
    const [, dst] = await restoreBothWays('nbe', () => pma, (d) => ['-B', d]);
    expect(await admin.query(`SELECT v FROM \`${dst}\`.t ORDER BY id`)).toEqual([{ v: 'a\\' }, { v: 'b;c\\' }, { v: '\\\\' }]);
  }, 600_000);

  it('--sql-mode NO_BACKSLASH_ESCAPES: a file relying on it splits its strings as the mariadb client does in that mode', async () => {
    const [ref, dst] = [uniqueDb('scr_ref_nbe_opt'), uniqueDb('scr_nbe_opt')];
    dbs.push(ref, dst);
    // no SET of its own: only the session's mode says that '\' ends at its second byte
    const body = ["CREATE TABLE t (id int primary key, v varchar(10));", "INSERT INTO t VALUES (1,'a\\'),(2,'b;c\\');", "INSERT INTO t VALUES (3,'\\\\');", FOOT].join('\n');
    await admin.query(`CREATE DATABASE \`${ref}\``);
    mariadbClient(["--init-command=SET sql_mode = 'NO_BACKSLASH_ESCAPES'", ref], body);
    const r = await runCli('tsload', [...connArgs(), '-d', write('nbe-opt.sql', body), '-B', dst, '--sql-mode', 'NO_BACKSLASH_ESCAPES'], { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    await expectSameDatabases(admin, ref, dst, 'nbe-opt');
    expect(await admin.query(`SELECT v FROM \`${dst}\`.t ORDER BY id`)).toEqual([{ v: 'a\\' }, { v: 'b;c\\' }, { v: '\\\\' }]);
  }, 600_000);

  it('a file compressed with xz or bzip2, or named .gz without being gzip, is refused as such, saying to decompress it', async () => {
    const body = Buffer.from(`CREATE TABLE t (id int);\nINSERT INTO t VALUES (1);\n${FOOT}`);
    const plain = write('plain.sql', body);
    for (const [tool, ext] of [['xz', 'xz'], ['bzip2', 'bz2']] as const) {
      const r = spawnSync(tool, ['-k', '-f', plain]);
      expect(r.status, String(r.stderr)).toBe(0);
    }
    const cases = [
      ['plain.sql.xz', 'is xz-compressed, which tsload does not read', 'decompress it first (xz -dk FILE)'],
      ['plain.sql.bz2', 'is bzip2-compressed, which tsload does not read', 'decompress it first (bunzip2 -k FILE)'],
      [path.basename(write('text.sql.gz', body)), "is not gzip-compressed (its first bytes are not gzip's)", 'rename the file to what it is'],
      [path.basename(write('packed.sql', gzipSync(body))), 'is gzip-compressed but not named .gz', 'rename it to end in .sql.gz'],
    ] as const;
    for (const [name, message, suggestion] of cases) {
      const dst = uniqueDb('scr_no_packed');
      const r = await runCli('tsload', [...connArgs(), '-d', path.join(dir, name), '-B', dst]);
      expect(r.code, r.stderr).toBe(6);
      expect(r.stderr).toContain(`${path.join(dir, name)} ${message}. Nothing was loaded`);
      expect(r.stderr).toContain(suggestion);
      expect(await admin.query('SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [dst])).toHaveLength(0);
    }
  }, 600_000);
});

