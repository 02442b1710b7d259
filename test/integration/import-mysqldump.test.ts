/**
 * Issue 14: tsload restores mariadb-dump files of the edge-case corpus (plain with --databases, gzip
 * of a one-database dump) under another name, as exactly as `mariadb < file` or better: the checker
 * finds only the differences the file itself carries (FLOAT values, which mariadb-dump prints
 * rounded — `mariadb < file` restores the same rounded values). A truncated file is refused with
 * nothing created; a restore killed with SIGKILL and run again ends exact.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectSameDatabases } from '../support/checker.js';
import { connArgs, runCli } from '../support/cli.js';
import { killAfterProgressRows } from '../support/faults.js';
import { createCorpus } from '../support/corpus.js';
import { startS3Server, uniqueBucket } from '../support/s3-server.js';
import type { AdminSession } from '../support/server.js';
import { adminSession, dropDbs, testServer, uniqueDb } from '../support/server.js';

/** What a mariadb-dump file cannot carry exactly, whoever loads it. */
const INHERENT = new Set(['table floats']);

function mariadbDump(args: readonly string[], out: string): void {
  const s = testServer();
  const fd = openSync(out, 'w');
  try {
    const r = spawnSync('mariadb-dump', ['--no-defaults', '-h', s.host, '-P', String(s.port), '-u', s.user, '--hex-blob', '--routines', '--events', '--triggers', ...args], {
      stdio: ['ignore', fd, 'pipe'],
      env: { ...process.env, MYSQL_PWD: s.password },
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`mariadb-dump failed: ${r.stderr}`);
  } finally {
    closeSync(fd);
  }
}

describe('tsload restores mysqldump / mariadb-dump files', () => {
  let admin: AdminSession;
  const src = uniqueDb('imp_sql_src');
  const targets: string[] = [];
  let dir: string;
  let plain: string;

  beforeAll(async () => {
    admin = await adminSession();
    await createCorpus(admin, src);
    dir = mkdtempSync(path.join(os.tmpdir(), 'tsload-mysqldump-'));
    plain = path.join(dir, 'all.sql');
    mariadbDump(['--databases', src], plain);
  }, 600_000);

  afterAll(async () => {
    await dropDbs(src, ...targets);
    rmSync(dir, { recursive: true, force: true });
    await admin?.close();
  });

  const expectExact = (dst: string, label: string): Promise<void> => expectSameDatabases(admin, src, dst, label, INHERENT);

  it('options only our own dumps have are refused for a script, named, before anything is created (exit 2)', async () => {
    const dst = uniqueDb('imp_sql_refused');
    const r = await runCli('tsload', [...connArgs(), '-d', plain, '--rename', `${src}=${dst}`, '--analyze', '--insert-method', 'bulk']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('--analyze, --insert-method bulk: not supported when restoring a mysqldump file (yet)');
    expect(Number(await admin.scalar('SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [dst]))).toBe(0);
  });

  it('restores a --databases dump under another name (--rename), detected and verified', async () => {
    const dst = uniqueDb('imp_sql_plain');
    targets.push(dst);
    const r = await runCli('tsload', [...connArgs(), '-d', plain, '--rename', `${src}=${dst}`, '-t', '4', '--bytes-per-transaction', '256K'], { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/is a mysqldump \/ mariadb-dump file/);
    await expectExact(dst, 'mariadb-dump plain');
  }, 600_000);

  it('restores a gzip one-database dump under -B (into a database created beforehand, as with mariadb < file)', async () => {
    const dst = uniqueDb('imp_sql_gz');
    targets.push(dst);
    const single = path.join(dir, 'single.sql');
    mariadbDump([src], single);
    const gz = `${single}.gz`;
    writeFileSync(gz, gzipSync(readFileSync(single)));
    // a one-database dump does not carry the database's character set: the user creates it
    await admin.query(`CREATE DATABASE \`${dst}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    const r = await runCli('tsload', [...connArgs(), '-d', gz, '-B', dst, '-t', '3'], { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    await expectExact(dst, 'mariadb-dump gzip one database');
    // its triggers and views were created in the target, not in the database the file names
    const wrong = await admin.query<{ n: string }>("SELECT COUNT(*) AS n FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? AND EVENT_OBJECT_SCHEMA <> ?", [dst, dst]);
    expect(Number(wrong[0]!.n)).toBe(0);
  }, 600_000);

  it('restores a mysqldump file from s3:// (the key ends in .sql.gz)', async () => {
    const dst = uniqueDb('imp_sql_s3');
    targets.push(dst);
    const bucket = uniqueBucket('imp');
    const s3 = await startS3Server([bucket]);
    try {
      await s3.putObject(bucket, 'backups/all.sql.gz', gzipSync(readFileSync(plain)));
      const r = await runCli('tsload', [...connArgs(), '-d', `s3://${bucket}/backups/all.sql.gz`, '--rename', `${src}=${dst}`, '-t', '2'], { env: s3.env(), timeoutMs: 300_000 });
      expect(r.code, r.stderr).toBe(0);
      await expectExact(dst, 'mariadb-dump gzip on s3');
    } finally {
      await s3.stop();
    }
  }, 600_000);

  it('refuses a truncated file (plain and gzip) before creating anything, naming the last complete table', async () => {
    const dst = uniqueDb('imp_sql_cut');
    const bytes = readFileSync(plain);
    const cut = path.join(dir, 'cut.sql');
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const cutGz = path.join(dir, 'cut.sql.gz');
    const gz = gzipSync(bytes);
    writeFileSync(cutGz, gz.subarray(0, Math.floor(gz.length / 2)));
    for (const f of [cut, cutGz]) {
      const r = await runCli('tsload', [...connArgs(), '-d', f, '--rename', `${src}=${dst}`]);
      expect(r.code, r.stderr).toBe(6);
      expect(r.stderr).toMatch(/not a complete dump/);
      expect(r.stderr).toMatch(/the last complete table is /);
      expect(r.stderr).toMatch(/--force/);
      const exists = await admin.query(`SHOW DATABASES LIKE '${dst}'`);
      expect(exists).toHaveLength(0);
    }
    const noFooter = path.join(dir, 'nofooter.sql');
    // cut between two statements, before the footer's restores of the header's settings
    writeFileSync(noFooter, bytes.subarray(0, bytes.lastIndexOf('/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */')));
    const r = await runCli('tsload', [...connArgs(), '-d', noFooter, '--rename', `${src}=${dst}`]);
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/Dump completed/);
    // --force loads what is complete and says what is not
    targets.push(dst);
    const forced = await runCli('tsload', [...connArgs(), '-d', cut, '--rename', `${src}=${dst}`, '--force'], { timeoutMs: 300_000 });
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr).toMatch(/not complete .*not loaded: /);
  }, 600_000);

  it('names the file, line, byte offset and table of a statement the target refuses, with the fix', async () => {
    const dst = uniqueDb('imp_sql_bad');
    targets.push(dst);
    const bad = path.join(dir, 'bad.sql');
    const text = readFileSync(plain, 'latin1').replace(/INSERT INTO `one_row` VALUES/, 'INSERT INTO `one_row` VALUES (1,2,3,4,5,6,7,8,9),');
    writeFileSync(bad, Buffer.from(text, 'latin1'));
    const r = await runCli('tsload', [...connArgs(), '-d', bad, '--rename', `${src}=${dst}`], { timeoutMs: 300_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/refused the statement at line \d+ \(byte \d+\) of .*bad\.sql/);
    expect(r.stderr).toMatch(/one_row/);
    const definer = path.join(dir, 'definer.sql');
    writeFileSync(definer, Buffer.from(readFileSync(plain, 'latin1').replaceAll('`tsdump_definer`@`localhost`', '`nobody_here`@`localhost`'), 'latin1'));
    const dst2 = uniqueDb('imp_sql_definer');
    targets.push(dst2);
    const d = await runCli('tsload', [...connArgs(), '-d', definer, '--rename', `${src}=${dst2}`], { timeoutMs: 300_000 });
    // MariaDB creates objects for an absent definer with a warning; a target that refuses them says --skip-definer
    if (d.code !== 0) expect(d.stderr).toMatch(/--skip-definer/);
    const dst3 = uniqueDb('imp_sql_nodefiner');
    targets.push(dst3);
    const skip = await runCli('tsload', [...connArgs(), '-d', definer, '--rename', `${src}=${dst3}`, '--skip-definer'], { timeoutMs: 300_000 });
    expect(skip.code, skip.stderr).toBe(0);
    const definers = await admin.query<{ d: string }>('SELECT DEFINER AS d FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ?', [dst3]);
    expect(definers.length).toBeGreaterThan(0);
    expect(definers.every((x) => !x.d.startsWith('nobody_here'))).toBe(true);
  }, 600_000);

  it('resumes exactly after kill -9 in the middle of the data', async () => {
    const dst = uniqueDb('imp_sql_kill');
    targets.push(dst);
    const args = [...connArgs(), '-d', plain, '--rename', `${src}=${dst}`, '-t', '2', '--bytes-per-transaction', '64K', '--rows-per-transaction', '5'];
    const first = await runCli('tsload', args, { timeoutMs: 300_000, onSpawn: killAfterProgressRows(admin, dst, 6) });
    expect(first.signal, `not killed mid-data:\n${first.stderr}`).toBe('SIGKILL');
    const second = await runCli('tsload', args, { timeoutMs: 300_000 });
    expect(second.code, second.stderr).toBe(0);
    await expectExact(dst, 'mariadb-dump after kill -9');
  }, 600_000);
});
