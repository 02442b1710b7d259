/**
 * MariaDB system-versioned tables keep their history through a dump and a load: the rows of
 * FOR SYSTEM_TIME ALL, with their row_start/row_end, come back exactly (compared by a checksum over
 * every column and both period columns), in both formats, with implicit and explicit period columns.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteIdent } from '../../src/core/ident.js';
import type { Manifest } from '../../src/format/manifest.js';
import { connArgs, runCli } from '../support/cli.js';
import { killAfterProgressRows, killInsideLaterChunk } from '../support/faults.js';
import { adminSession, dropDbs, testServer, uniqueDb, type AdminSession } from '../support/server.js';

const probe = await adminSession();
const version = String(await probe.scalar('SELECT @@version'));
const canInsertHistory = await probe.scalar('SELECT @@system_versioning_insert_history').then(() => true, () => false);
await probe.close();
const isMariadb = /mariadb/i.test(version);

/** Count and checksum of every row of the table's history with the given period columns. */
async function history(admin: AdminSession, db: string, table: string, start: string, end: string): Promise<string> {
  const r = await admin.query<{ n: string; s: string }>(
    `SELECT COUNT(*) AS n, SUM(CRC32(CONCAT_WS('|', id, IFNULL(v, '-'), ${start}, ${end}))) AS s FROM ${quoteIdent(db)}.${quoteIdent(table)} FOR SYSTEM_TIME ALL`,
  );
  return `${r[0]!.n}:${r[0]!.s}`;
}

describe.runIf(isMariadb && canInsertHistory)('system-versioned tables keep their history', () => {
  const db = uniqueDb('sysver');
  const dbs = [db];
  const dirs: string[] = [];
  let admin: AdminSession;

  beforeAll(async () => {
    admin = await adminSession();
    await admin.query(`CREATE DATABASE ${quoteIdent(db)}; USE ${quoteIdent(db)};
      CREATE TABLE imp (id INT PRIMARY KEY, v VARCHAR(20)) WITH SYSTEM VERSIONING;
      INSERT INTO imp SELECT seq, CONCAT('v', seq) FROM seq_1_to_500;
      UPDATE imp SET v = CONCAT(v, '+') WHERE id % 3 = 0;
      DELETE FROM imp WHERE id % 7 = 0;
      UPDATE imp SET v = NULL WHERE id % 11 = 0;
      CREATE TABLE expl (id INT PRIMARY KEY, v INT, rs TIMESTAMP(6) GENERATED ALWAYS AS ROW START, re TIMESTAMP(6) GENERATED ALWAYS AS ROW END,
        PERIOD FOR SYSTEM_TIME (rs, re)) WITH SYSTEM VERSIONING;
      INSERT INTO expl (id, v) SELECT seq, seq FROM seq_1_to_300;
      UPDATE expl SET v = v + 1 WHERE id % 2 = 0;
      DELETE FROM expl WHERE id > 290;`);
  });

  afterAll(async () => {
    await admin?.close();
    await dropDbs(...dbs);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it.each([
    ['csv', []],
    ['sql', ['--format', 'sql', '-c', 'gzip', '--checksum', '--rows', '100']],
  ] as const)('%s: FOR SYSTEM_TIME ALL comes back exactly', async (_format, extra) => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'tsdump-sysver-'));
    dirs.push(out);
    const d = await runCli('tsdump', [...connArgs(), '-B', db, '-o', out, '-q', ...extra]);
    expect(d.code, d.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8')) as Manifest;
    const imp = manifest.databases[0]!.tables.find((t) => t.name === 'imp')!;
    expect(imp.rows).toBe(Number((await history(admin, db, 'imp', 'row_start', 'row_end')).split(':')[0]));
    const copy = uniqueDb('sysver_copy');
    dbs.push(copy);
    const l = await runCli('tsload', [...connArgs(), '-d', out, '-B', copy, '-q']);
    expect(l.code, l.stderr + l.stdout).toBe(0);
    expect(await history(admin, copy, 'imp', 'row_start', 'row_end')).toBe(await history(admin, db, 'imp', 'row_start', 'row_end'));
    expect(await history(admin, copy, 'expl', 'rs', 're')).toBe(await history(admin, db, 'expl', 'rs', 're'));
    // Current rows are the same too (row_end in the future), and the copy is still versioned.
    expect(await admin.scalar(`SELECT COUNT(*) FROM ${quoteIdent(copy)}.imp`)).toBe(await admin.scalar(`SELECT COUNT(*) FROM ${quoteIdent(db)}.imp`));
    expect(await admin.scalar(`SELECT TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'imp'`, [copy])).toBe('SYSTEM VERSIONED');
  });

  // A DELETE on a system-versioned table keeps what it deletes as history and leaves the history rows:
  // the rerun's clearing of an unfinished chunk of a MyISAM/Aria copy left them, and reloading the
  // chunk failed on them ("Duplicate entry") on every rerun.
  it.each(['MyISAM', 'Aria'])('--engine %s killed -9 inside a chunk past the first: the rerun reloads the table whole and its history comes back exactly', async (engine) => {
    if ((await admin.scalar("SELECT COUNT(*) FROM information_schema.ENGINES WHERE ENGINE = ? AND SUPPORT IN ('YES', 'DEFAULT')", [engine])) !== '1') return;
    const src = uniqueDb('sysver_k9_src');
    const copy = uniqueDb('sysver_k9');
    dbs.push(src, copy);
    await admin.query(`CREATE DATABASE ${quoteIdent(src)}; USE ${quoteIdent(src)};
      CREATE TABLE imp (id INT PRIMARY KEY, v VARCHAR(20)) WITH SYSTEM VERSIONING;
      INSERT INTO imp SELECT seq, CONCAT('v', seq) FROM seq_1_to_6000;
      UPDATE imp SET v = CONCAT(v, '+') WHERE id % 3 = 0;
      DELETE FROM imp WHERE id % 7 = 0;`);
    const out = mkdtempSync(path.join(os.tmpdir(), 'tsdump-sysver-k9-'));
    dirs.push(out);
    const d = await runCli('tsdump', [...connArgs(), '-B', src, '-o', out, '-q', '--rows', '1000']);
    expect(d.code, d.stderr).toBe(0);
    const args = [...connArgs(), '-d', out, '-B', copy, '--engine', engine, '-t', '1', '--rows-per-transaction', '20', '--insert-method', 'load-data', '--progress', 'plain'];
    expect(await killInsideLaterChunk(admin, copy, args), 'killed inside a chunk past the first').toBe(true);
    const again = await runCli('tsload', args);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/is system-versioned \(its history rows cannot be deleted by key range\): reloading the whole table/);
    expect(await admin.scalar('SELECT ENGINE FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [copy, 'imp'])).toBe(engine);
    expect(await history(admin, copy, 'imp', 'row_start', 'row_end')).toBe(await history(admin, src, 'imp', 'row_start', 'row_end'));
  }, 300_000);

  // A script import resumes a non-transactional table by emptying it: on a system-versioned table the
  // DELETE kept every row it deleted as history, so the copy ended with history rows the file never held.
  it('a mariadb-dump file imported into MyISAM, killed -9 mid-table: the rerun empties the table with its history, no history row is left', async () => {
    const src = uniqueDb('sysver_imp_src');
    const copy = uniqueDb('sysver_imp');
    dbs.push(src, copy);
    await admin.query(`CREATE DATABASE ${quoteIdent(src)}; USE ${quoteIdent(src)};
      CREATE TABLE imp (id INT PRIMARY KEY, v VARCHAR(20)) WITH SYSTEM VERSIONING;
      INSERT INTO imp SELECT seq, CONCAT('v', seq) FROM seq_1_to_20000;`);
    const s = testServer();
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'tsdump-sysver-imp-')), 'imp.sql');
    dirs.push(path.dirname(file));
    const fd = openSync(file, 'w');
    try {
      // current rows only (no --dump-history), in many small INSERTs: one batch each
      const d = spawnSync('mariadb-dump', ['--no-defaults', '-h', s.host, '-P', String(s.port), '-u', s.user, '--net-buffer-length=4096', src, 'imp'], { stdio: ['ignore', fd, 'pipe'], env: { ...process.env, MYSQL_PWD: s.password }, encoding: 'utf8' });
      expect(d.status, d.stderr).toBe(0);
    } finally {
      closeSync(fd);
    }
    const args = [...connArgs(), '-d', file, '-B', copy, '--engine', 'MyISAM', '-t', '1', '--rows-per-transaction', '1', '--progress', 'plain'];
    const first = await runCli('tsload', args, { timeoutMs: 300_000, onSpawn: killAfterProgressRows(admin, copy, 5) });
    expect(first.signal, first.stderr).toBe('SIGKILL');
    const again = await runCli('tsload', args, { timeoutMs: 300_000 });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/uses a non-transactional engine: reloading it whole/);
    const all = async (db: string): Promise<string> => JSON.stringify(await admin.query(`SELECT COUNT(*) AS n, SUM(CRC32(CONCAT_WS('|', id, v))) AS h FROM ${quoteIdent(db)}.imp FOR SYSTEM_TIME ALL`));
    expect(await all(copy)).toBe(await all(src));
  }, 300_000);
});
