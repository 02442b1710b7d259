/**
 * A script import (a mariadb-dump file) into tables that exist, and its memo. --drop-table append
 * records the tables it found as kept: killed with kill -9 in the middle of a MyISAM table that held
 * the user's rows, the rerun refuses (naming the table) instead of emptying the table to start it
 * over. A finished import leaves its memo also under append and --no-schema: a rerun verifies and
 * loads no row twice; a target dropped since is loaded fresh.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connArgs, mariadbDump, runCli, type CliResult } from '../support/cli.js';
import { killAfterProgressRows } from '../support/faults.js';
import type { AdminSession } from '../support/server.js';
import { adminSession, uniqueDb } from '../support/server.js';
import { cleanupLoads } from './load-fixture.js';

describe('script import into existing tables, and its memo', () => {
  let admin: AdminSession;
  const src = uniqueDb('impx_src');
  const targets: string[] = [];
  let dir = '';
  let m1File = '';
  let k1File = '';

  /** mariadb-dump of `tables` of the source, one database without --databases, in small extended INSERTs. */
  function dumpTables(tables: readonly string[], out: string): string {
    mariadbDump(['--net-buffer-length=16384', src, ...tables], out);
    return out;
  }

  beforeAll(async () => {
    admin = await adminSession();
    await admin.query(`CREATE DATABASE \`${src}\`; USE \`${src}\`;
      CREATE TABLE m1 (id INT NOT NULL PRIMARY KEY, pad VARCHAR(120) NOT NULL) ENGINE=InnoDB;
      INSERT INTO m1 SELECT seq, REPEAT(CHAR(97 + seq % 26), 100) FROM seq_1_to_60000;
      CREATE TABLE k1 (a INT, b VARCHAR(10)) ENGINE=InnoDB;
      INSERT INTO k1 SELECT seq, 'file' FROM seq_1_to_2000;`);
    await admin.close();
    admin = await adminSession();
    dir = mkdtempSync(path.join(os.tmpdir(), 'tsload-import-existing-'));
    m1File = dumpTables(['m1'], path.join(dir, 'm1.sql'));
    k1File = dumpTables(['k1'], path.join(dir, 'k1.sql'));
  }, 300_000);

  afterAll(async () => {
    await cleanupLoads(src, targets, []);
    if (dir) rmSync(dir, { recursive: true, force: true });
    await admin?.close();
  });

  const target = (label: string): string => {
    const db = uniqueDb(`impx_${label}`);
    targets.push(db);
    return db;
  };
  const load = (file: string, db: string, args: readonly string[], onSpawn?: (pid: number) => void): Promise<CliResult> =>
    runCli('tsload', [...connArgs(), '-d', file, '-B', db, '--progress', 'plain', ...args], { timeoutMs: 300_000, ...(onSpawn ? { onSpawn } : {}) });
  const count = async (db: string, table: string, where = ''): Promise<number> => Number(await admin.scalar(`SELECT COUNT(*) FROM \`${db}\`.\`${table}\`${where}`));

  it('--drop-table append into a MyISAM table holding the user\'s rows, killed -9 mid-table: the rerun refuses naming the table, and the user\'s rows stay', async () => {
    const db = target('myisam');
    await admin.query(`CREATE DATABASE \`${db}\`; CREATE TABLE \`${db}\`.m1 (id INT NOT NULL PRIMARY KEY, pad VARCHAR(120) NOT NULL) ENGINE=MyISAM;
      INSERT INTO \`${db}\`.m1 SELECT 1000000 + seq, 'mine' FROM \`${src}\`.seq_1_to_10;`);
    const args = ['-t', '1', '--rows-per-transaction', '1', '--drop-table', 'append'];
    const first = await load(m1File, db, args, killAfterProgressRows(admin, db, 2));
    expect(first.signal, first.stderr).toBe('SIGKILL');
    const again = await load(m1File, db, args);
    expect(again.code, again.stderr).not.toBe(0);
    expect(again.stderr).toContain(`${db}.m1`);
    expect(again.stderr).toMatch(/uses a non-transactional engine and held rows before this load/);
    expect(await count(db, 'm1', " WHERE pad = 'mine'")).toBe(10);
  }, 300_000);

  for (const part of [[], ['--no-schema']] as const) {
    it(`--drop-table append${part.length ? ' --no-schema' : ''}: rerunning a finished import verifies and loads no row twice; without its memo it loads again`, async () => {
      const db = target('append');
      if (part.length) await admin.query(`CREATE DATABASE \`${db}\`; CREATE TABLE \`${db}\`.k1 LIKE \`${src}\`.k1`);
      const args = ['--drop-table', 'append', ...part];
      const first = await load(k1File, db, args);
      expect(first.code, first.stderr).toBe(0);
      // the state a kill -9 right after the final commit leaves: the run's memo, completed
      const again = await load(k1File, db, args);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout + again.stderr).toMatch(new RegExp(`database ${db}: this file was already loaded completely .*verifying only.*DELETE FROM tsload_progress\\.runs WHERE target_db = '${db}';`));
      expect(await count(db, 'k1')).toBe(2000);
      await admin.query('DELETE FROM tsload_progress.runs WHERE target_db = ?', [db]);
      const deliberate = await load(k1File, db, args);
      expect(deliberate.code, deliberate.stderr).toBe(0);
      expect(await count(db, 'k1')).toBe(4000);
    }, 300_000);
  }

  it('a finished import whose target was dropped since is loaded fresh, not "already loaded"', async () => {
    const db = target('dropped');
    const first = await load(k1File, db, []);
    expect(first.code, first.stderr).toBe(0);
    await admin.query(`DROP DATABASE \`${db}\``);
    const again = await load(k1File, db, []);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout + again.stderr).not.toMatch(/already loaded/);
    expect(await count(db, 'k1')).toBe(2000);
  }, 300_000);
});
