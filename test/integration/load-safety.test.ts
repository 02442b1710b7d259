/**
 * A load is exact whatever happens around it: a second loader of the same dump into the same target
 * is refused naming the running one (and a loader that died does not stand in the way).
 */
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connArgs, runCli, type CliResult } from '../support/cli.js';
import { bigTable, signal, waitFor } from '../support/faults.js';
import type { AdminSession } from '../support/server.js';
import { adminSession, uniqueDb } from '../support/server.js';
import { lockName } from '../../src/load/load-lease.js';
import { cleanupLoads, dumpFixture, tableHash } from './load-fixture.js';

const KEYLESS_ROWS = 40_000;

describe('load safety', () => {
  let admin: AdminSession;
  const src = uniqueDb('load_safe_src');
  const targets: string[] = [];
  const dumps: string[] = [];
  let dump = '';
  let sourceHash = '';

  beforeAll(async () => {
    admin = await adminSession();
    const t = `\`${src}\`.keyless`;
    await admin.query(`CREATE DATABASE \`${src}\`; CREATE TABLE ${t} (x INT, y VARCHAR(20), KEY kx (x)) ENGINE=InnoDB`);
    await admin.query(`INSERT INTO ${t} VALUES (1, 'a'), (2, NULL)`);
    for (let have = 2; have < KEYLESS_ROWS; have *= 2) await admin.query(`INSERT INTO ${t} SELECT x + ${have}, CONCAT(IFNULL(y, 'n'), x % 7) FROM ${t} LIMIT ${KEYLESS_ROWS - have}`);
    sourceHash = await tableHash(admin, src, 'keyless');
    dump = await dumpFixture(src, { format: 'csv', gzip: false });
    dumps.push(dump);
  }, 300_000);

  afterAll(async () => {
    await cleanupLoads(src, targets, dumps);
    await admin?.close();
  });

  const loadArgs = (dir: string, dst: string, extra: readonly string[] = []): string[] => [...connArgs(), '-d', dir, '-B', dst, '-t', '2', '--rows-per-transaction', '200', '--progress', 'plain', ...extra];
  const committed = async (dst: string): Promise<number> => Number(await admin.scalar('SELECT COUNT(*) FROM tsload_progress.progress WHERE target_db = ?', [dst]).catch(() => 0));

  const tableExists = async (db: string, table: string): Promise<boolean> => Number(await admin.scalar('SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [db, table])) > 0;

  /** Starts a load and calls `onRunning` (with its pid) once `ready` (default: a few sub-chunks committed). */
  async function whileLoading(dst: string, args: string[], onRunning: (pid: number) => Promise<void>, ready = async (): Promise<boolean> => (await committed(dst)) > 3): Promise<CliResult> {
    let pid = 0;
    const run = runCli('tsload', args, { timeoutMs: 300_000, onSpawn: (p) => (pid = p) });
    await waitFor('the load to be under way', ready, 120_000, 5);
    try {
      await onRunning(pid);
    } finally {
      signal(pid, 'SIGCONT');
    }
    return run;
  }

  it('a second load of the same dump into the same target while the first runs is refused naming it; the first ends exact', async () => {
    const dst = uniqueDb('load_safe_twice');
    targets.push(dst);
    let second: CliResult | undefined;
    let firstPid = 0;
    const first = await whileLoading(dst, loadArgs(dump, dst), async (pid) => {
      firstPid = pid;
      // frozen, the first loader holds its lock but does nothing: the second cannot overtake it
      signal(pid, 'SIGSTOP');
      second = await runCli('tsload', loadArgs(dump, dst), { timeoutMs: 300_000 });
    });
    expect(second?.code, second?.stderr).toBe(1);
    expect(second?.stderr).toMatch(new RegExp(`database ${dst} is being loaded right now by tsload pid ${firstPid} on host ${os.hostname()}, running since \\d{4}-\\d\\d-\\d\\d`));
    expect(first.code, first.stderr).toBe(0);
    expect(await tableHash(admin, dst, 'keyless')).toBe(sourceHash);
  }, 300_000);

  it('a loader killed with kill -9 does not block the rerun, which ends exact', async () => {
    const dst = uniqueDb('load_safe_killed');
    targets.push(dst);
    const killed = await whileLoading(dst, loadArgs(dump, dst), async (pid) => {
      signal(pid, 'SIGKILL');
    });
    expect(killed.signal).toBe('SIGKILL');
    const again = await runCli('tsload', loadArgs(dump, dst), { timeoutMs: 300_000 });
    expect(again.code, again.stderr).toBe(0);
    expect(await tableHash(admin, dst, 'keyless')).toBe(sourceHash);
  }, 300_000);

  it('an index build that fails while another table loads stops the load through the error funnel, naming table and index; the rerun resumes', async () => {
    const db = uniqueDb('load_safe_ix_src');
    const dst = uniqueDb('load_safe_ix');
    targets.push(db, dst);
    await admin.query(`CREATE DATABASE \`${db}\`; CREATE TABLE \`${db}\`.u (id INT NOT NULL PRIMARY KEY, v INT NOT NULL, pad VARCHAR(200) NOT NULL, UNIQUE KEY uq_v (v)) ENGINE=InnoDB`);
    await admin.query(`INSERT INTO \`${db}\`.u SELECT seq, seq * 3, REPEAT('p', 200) FROM \`${db}\`.seq_1_to_20000`);
    await bigTable(admin, db, 'big', 100_000, 1);
    const hashes = { u: await tableHash(admin, db, 'u'), big: await tableHash(admin, db, 'big') };
    const dir = await dumpFixture(db, { format: 'csv', gzip: false });
    dumps.push(dir);
    // u is the larger table: it loads first, and its UNIQUE index is built while big still loads.
    // Another session writes a row into the target that breaks that index before it is built.
    const first = await whileLoading(dst, loadArgs(dir, dst), async (pid) => {
      signal(pid, 'SIGSTOP');
      await admin.query(`INSERT INTO \`${dst}\`.u VALUES (0, 3, 'written by someone else')`);
    }, () => tableExists(dst, 'u'));
    expect(first.code, first.stderr).toBe(1);
    expect(first.stderr).toMatch(new RegExp(`error: adding index\\(es\\) \`uq_v\` to \`${dst}\`.\`u\`: Duplicate entry '3' for key 'uq_v'`));
    expect(first.stderr).toMatch(/hint: the table holds rows that break a UNIQUE index/);
    expect(first.stderr).not.toMatch(/Unhandled|\n\s+at /);
    expect(Number(await admin.scalar(`SELECT COUNT(*) FROM \`${dst}\`.big`))).toBeLessThan(100_000);
    await admin.query(`DELETE FROM \`${dst}\`.u WHERE id = 0`);
    const again = await runCli('tsload', loadArgs(dir, dst), { timeoutMs: 300_000 });
    expect(again.code, again.stderr).toBe(0);
    expect(await tableHash(admin, dst, 'u')).toBe(hashes.u);
    expect(await tableHash(admin, dst, 'big')).toBe(hashes.big);
  }, 300_000);

  it('the control connection killed during the schema phase: reconnected and retried, the load ends exact', async () => {
    const db = uniqueDb('load_safe_ctl_src');
    const dst = uniqueDb('load_safe_ctl');
    targets.push(db, dst);
    const TABLES = 250;
    const ddl = Array.from({ length: TABLES }, (_, i) => `CREATE TABLE \`${db}\`.t${i} (id INT PRIMARY KEY, v VARCHAR(20), KEY kv (v)); INSERT INTO \`${db}\`.t${i} VALUES (1, 'a${i}'), (2, NULL);`);
    await admin.query(`CREATE DATABASE \`${db}\`; ${ddl.join(' ')}`);
    const dir = await dumpFixture(db, { format: 'csv', gzip: false });
    dumps.push(dir);
    const created = async (): Promise<number> => Number(await admin.scalar("SELECT COUNT(*) FROM tsload_progress.steps WHERE target_db = ? AND step LIKE 'table:%'", [dst]).catch(() => 0));
    let killed = 0;
    const r = await whileLoading(
      dst,
      loadArgs(dir, dst),
      async () => {
        const id = await admin.scalar('SELECT IS_USED_LOCK(?)', [lockName(dst)]);
        expect(id, 'the control connection holds the lock').not.toBeNull();
        await admin.query(`KILL CONNECTION ${Number(id)}`);
        killed = await created();
      },
      async () => (await created()) >= 5,
    );
    expect(killed, 'killed during the schema phase').toBeLessThan(TABLES);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/transient error on the control session \(.*\) while running .*; retry 1\/4 on a fresh connection/);
    const counts = await admin.query<{ n: string }>('SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?', [dst]);
    expect(Number(counts[0]!.n)).toBe(TABLES);
    for (const i of [0, 1, TABLES >> 1, TABLES - 1]) expect(await tableHash(admin, dst, `t${i}`)).toBe(await tableHash(admin, db, `t${i}`));
    expect(Number(await admin.scalar('SELECT COUNT(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND INDEX_NAME = ?', [dst, 'kv']))).toBe(TABLES);
  }, 300_000);

  it('a rerun with --skip-definer after a load that failed on a view recreates the views the failed run created, as the rerun says', async () => {
    const db = uniqueDb('load_safe_def_src');
    const dst = uniqueDb('load_safe_def');
    const user = `vdef_${db.slice(-8)}`;
    targets.push(db, dst);
    // v1 runs as an account that may read the source database only; v2 reads v1. In the target,
    // v1 keeps that DEFINER without --skip-definer, so v2 cannot be created on top of it.
    await admin.query(`CREATE USER '${user}'@'%'; GRANT SELECT ON \`${db}\`.* TO '${user}'@'%';
      CREATE DATABASE \`${db}\`; CREATE TABLE \`${db}\`.t (id INT PRIMARY KEY, v INT); INSERT INTO \`${db}\`.t VALUES (1, 10), (2, 20);
      CREATE DEFINER='${user}'@'%' SQL SECURITY DEFINER VIEW \`${db}\`.v1 AS SELECT id, v FROM \`${db}\`.t;
      CREATE VIEW \`${db}\`.v2 AS SELECT id, v * 2 AS w FROM \`${db}\`.v1;`);
    try {
      const dir = await dumpFixture(db, { format: 'csv', gzip: false });
      dumps.push(dir);
      const first = await runCli('tsload', loadArgs(dir, dst));
      expect(first.code, first.stderr).toBe(1);
      expect(first.stderr).toMatch(/v2/);
      const again = await runCli('tsload', loadArgs(dir, dst, ['--skip-definer']));
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toMatch(/view:v1 was created by the interrupted run with other options: creating it again/);
      const definer = await admin.scalar('SELECT DEFINER FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [dst, 'v1']);
      expect(definer).not.toContain(user);
      expect(await admin.query(`SELECT id, w FROM \`${dst}\`.v2 ORDER BY id`)).toEqual([{ id: 1, w: '20' }, { id: 2, w: '40' }]);
    } finally {
      await admin.query(`DROP USER IF EXISTS '${user}'@'%'`);
    }
  }, 300_000);

  it('a rerun of a killed load with options that change the result is refused naming the option, its first value and the new one', async () => {
    const dst = uniqueDb('load_safe_opts');
    targets.push(dst);
    const killed = await whileLoading(dst, loadArgs(dump, dst), async (pid) => {
      signal(pid, 'SIGKILL');
    });
    expect(killed.signal).toBe('SIGKILL');
    const refusals: [string[], RegExp][] = [
      [['--defer-indexes', 'off'], /ran with --defer-indexes on; this run asks for --defer-indexes off/],
      [['--engine', 'MyISAM'], /ran with no --engine \(the dump's engines\); this run asks for --engine MyISAM/],
      [['--convert-utf8mb4'], /ran with --convert-utf8mb4 off; this run asks for --convert-utf8mb4 on/],
    ];
    for (const [extra, message] of refusals) {
      const r = await runCli('tsload', loadArgs(dump, dst, extra));
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`error: database ${dst} holds an unfinished load that ${message.source}`));
      expect(r.stderr).toMatch(/Nothing was changed/);
    }
    const again = await runCli('tsload', loadArgs(dump, dst), { timeoutMs: 300_000 });
    expect(again.code, again.stderr).toBe(0);
    expect(await tableHash(admin, dst, 'keyless')).toBe(sourceHash);
    expect(Number(await admin.scalar('SELECT COUNT(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND INDEX_NAME = ?', [dst, 'keyless', 'kx']))).toBe(1);
    // once finished, a rerun with another engine does not claim "already loaded"
    const finished = await runCli('tsload', loadArgs(dump, dst, ['--engine', 'MyISAM']));
    expect(finished.code, finished.stderr).toBe(2);
    expect(finished.stderr).toMatch(/was loaded completely from this dump with no --engine/);
  }, 300_000);
});
