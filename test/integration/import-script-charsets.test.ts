/**
 * A mysqldump file's character sets and checks, as `mariadb < file` has them: a latin1 dump's CREATE
 * TABLEs run under the `SET character_set_client = utf8mb4` the file puts around them (not its
 * header's SET NAMES latin1); a non-ASCII target name is written in the header's character set (or
 * refused when it cannot be); a file that leaves FOREIGN_KEY_CHECKS on does not load orphan rows.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectSameDatabases } from '../support/checker.js';
import { connArgs, mariadbClient, mariadbDump, runCli } from '../support/cli.js';
import type { AdminSession } from '../support/server.js';
import { adminSession, dropDbs, uniqueDb } from '../support/server.js';

describe('script import: character sets and foreign key checks as the file has them', () => {
  let admin: AdminSession;
  const src = uniqueDb('imp_cs_src');
  const targets: string[] = [];
  let dir: string;
  let latin1: string;

  beforeAll(async () => {
    admin = await adminSession();
    dir = mkdtempSync(path.join(os.tmpdir(), 'tsload-script-cs-'));
    await admin.query(`CREATE DATABASE \`${src}\` CHARACTER SET latin1`);
    // what latin1 holds, but for the table's COMMENT (a table comment is UTF-8 text whatever the table's charset)
    const fixture = await adminSession(src);
    await fixture.query(
      `       CREATE TABLE t (id INT PRIMARY KEY, e ENUM('café','naïve') DEFAULT 'café', s VARCHAR(20) DEFAULT 'Größe', u VARCHAR(20) CHARACTER SET utf8mb4 DEFAULT 'üß', k INT, KEY \`kë\` (k) COMMENT 'índex', UNIQUE KEY uq (s)) COMMENT 'Größe ☃' DEFAULT CHARSET=latin1;
       INSERT INTO t VALUES (1, 'naïve', 'àé', 'ö€', 1), (2, 'café', 'ñ', NULL, 2), (3, DEFAULT, DEFAULT, DEFAULT, NULL);
       CREATE TABLE p (id INT PRIMARY KEY, name VARCHAR(10) DEFAULT 'ß') DEFAULT CHARSET=latin1;
       INSERT INTO p VALUES (1, 'é'), (2, DEFAULT);
       CREATE TABLE c (id INT PRIMARY KEY, pid INT, CONSTRAINT \`fk_é\` FOREIGN KEY (pid) REFERENCES p (id)) DEFAULT CHARSET=latin1;
       INSERT INTO c VALUES (1, 1), (2, 2), (3, NULL);
       CREATE VIEW v AS SELECT id, e, 'vü' AS tag FROM t;
       CREATE TRIGGER tr BEFORE INSERT ON c FOR EACH ROW SET NEW.pid = IFNULL(NEW.pid, 1);`,
    );
    await fixture.close();
    latin1 = path.join(dir, 'latin1.sql');
    mariadbDump(['--default-character-set=latin1', '--routines', '--triggers', '--databases', src], latin1);
  }, 120_000);

  afterAll(async () => {
    await dropDbs(src, ...targets);
    rmSync(dir, { recursive: true, force: true });
    await admin?.close();
  });

  it('a latin1 mariadb-dump file: definitions and rows as the source (its CREATE TABLEs under their own character_set_client)', async () => {
    expect(readFileSync(latin1, 'latin1')).toMatch(/SET NAMES latin1[\s\S]*SET character_set_client = utf8mb4/);
    const dst = uniqueDb('imp_cs_latin1');
    targets.push(dst);
    const r = await runCli('tsload', [...connArgs(), '-d', latin1, '--rename', `${src}=${dst}`], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/changed values on the way in/);
    await expectSameDatabases(admin, src, dst, 'latin1 mariadb-dump');
  }, 180_000);

  it('a non-ASCII target name under the latin1 header: created and loaded under that name', async () => {
    const dst = `${uniqueDb('imp_cs')}_cé`;
    targets.push(dst);
    const r = await runCli('tsload', [...connArgs(), '-d', latin1, '--rename', `${src}=${dst}`], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    const names = await admin.query<{ n: string }>('SELECT SCHEMA_NAME AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ?', [`${dst.slice(0, -3)}%`]);
    expect(names.map((x) => x.n)).toEqual([dst]);
    await expectSameDatabases(admin, src, dst, 'latin1 mariadb-dump, non-ASCII target');
  }, 180_000);

  it('a target name latin1 cannot hold is refused before anything is created (exit 2)', async () => {
    const dst = `${uniqueDb('imp_cs')}_☃`;
    targets.push(dst);
    const r = await runCli('tsload', [...connArgs(), '-d', latin1, '--rename', `${src}=${dst}`], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`the name ${dst} cannot be written in the file's character set latin1`);
    expect(Number(await admin.scalar('SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [dst]))).toBe(0);
  });

  const fkFile = (rows: string): string =>
    [
      'SET NAMES utf8mb4;',
      'CREATE TABLE p (id INT PRIMARY KEY);',
      'INSERT INTO p VALUES (1),(2);',
      'CREATE TABLE c (id INT PRIMARY KEY, pid INT, CONSTRAINT fk1 FOREIGN KEY (pid) REFERENCES p (id));',
      `INSERT INTO c VALUES ${rows};`,
      'CREATE TABLE `d` (`id` int NOT NULL, `pid` int DEFAULT NULL, PRIMARY KEY (`id`), KEY `fk2` (`pid`), CONSTRAINT `fk2` FOREIGN KEY (`pid`) REFERENCES `p` (`id`));',
      'INSERT INTO `d` VALUES (1,2),(2,NULL);',
      '-- Dump completed on 2026-01-01  0:00:00',
      '',
    ].join('\n');

  it('a file that leaves FOREIGN_KEY_CHECKS on loads as `mariadb < file` does when its rows hold to the keys', async () => {
    const file = path.join(dir, 'fk-ok.sql');
    writeFileSync(file, fkFile('(1,1),(2,2),(3,NULL)'));
    const ref = uniqueDb('imp_cs_fkref');
    const dst = uniqueDb('imp_cs_fkok');
    targets.push(ref, dst);
    await admin.query(`CREATE DATABASE \`${ref}\``);
    mariadbClient([ref], readFileSync(file));
    const r = await runCli('tsload', [...connArgs(), '-d', file, '-B', dst], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    await expectSameDatabases(admin, ref, dst, 'foreign keys checked, no orphans');
  }, 180_000);

  it('a file that leaves FOREIGN_KEY_CHECKS on and holds an orphan row fails, naming the key, the table and the row', async () => {
    const file = path.join(dir, 'fk-orphan.sql');
    writeFileSync(file, fkFile('(1,1),(2,99)'));
    const dst = uniqueDb('imp_cs_fkbad');
    targets.push(dst);
    const r = await runCli('tsload', [...connArgs(), '-d', file, '-B', dst], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`\`${dst}\`.\`c\` holds a row that its foreign key \`fk1\` finds no parent row for in \`${dst}\`.\`p\`: (\`pid\`) = (99)`);
    expect(r.stderr).toContain('SET FOREIGN_KEY_CHECKS=0');
    // the same file with the checks off loads its rows as they are, as `mariadb < file` would
    const off = path.join(dir, 'fk-off.sql');
    writeFileSync(off, `SET FOREIGN_KEY_CHECKS=0;\n${fkFile('(1,1),(2,99)')}`);
    const ref = uniqueDb('imp_cs_fkoffref');
    const loose = uniqueDb('imp_cs_fkoff');
    targets.push(ref, loose);
    await admin.query(`CREATE DATABASE \`${ref}\``);
    mariadbClient([ref], readFileSync(off));
    const r2 = await runCli('tsload', [...connArgs(), '-d', off, '-B', loose], { timeoutMs: 120_000 });
    expect(r2.code, r2.stderr).toBe(0);
    await expectSameDatabases(admin, ref, loose, 'foreign keys unchecked by the file');
  }, 180_000);
});
