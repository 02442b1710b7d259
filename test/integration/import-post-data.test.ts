/**
 * A row-changing statement a SQL file runs after its data (`UPDATE t SET hits = hits + 1`, a
 * `DELETE … LIMIT`): tsload killed with SIGKILL right after the server ran it, before its step was
 * recorded, and run again, applies it once — the tables end as `mariadb DB < file` leaves them
 * (the checker: content checksums over every column). On a MyISAM table, which keeps what a
 * statement did whether or not its transaction commits, the rerun cannot know: it says so, naming
 * the table and the line.
 *
 * The kill is placed by locks, not by timing: the file's own `SELECT GET_LOCK(gate)` holds tsload
 * in the post-data phase (all rows in) while the test takes a LOCK TABLES READ on the table, so the
 * statement then waits for it; meanwhile the test locks the step's key in tsload_progress.steps,
 * and lets the statement go. tsload is killed once the statement ran and its step write waits.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectSameDatabases } from '../support/checker.js';
import { connArgs, mariadbClient, runCli } from '../support/cli.js';
import { sessionsRunning, signal, waitFor } from '../support/faults.js';
import type { AdminSession } from '../support/server.js';
import { adminSession, dropDbs, uniqueDb } from '../support/server.js';

const HEAD = '-- MySQL dump 10.13\n/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;\n';
const FOOT = '/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;\n-- Dump completed on 2024-01-01\n';

describe('tsload runs a row-changing statement after the data exactly once across a kill -9', () => {
  let admin: AdminSession;
  const dbs: string[] = [];
  let dir: string;

  beforeAll(async () => {
    admin = await adminSession();
    dir = mkdtempSync(path.join(os.tmpdir(), 'tsload-post-'));
  }, 600_000);

  afterAll(async () => {
    await dropDbs(...dbs);
    rmSync(dir, { recursive: true, force: true });
    await admin?.close();
  });

  /** The file: table t of `engine` with 12 rows, the gate, then `statement` (the one killed after). */
  const fileOf = (engine: string, gate: string, statement: string): { body: string; offset: number } => {
    const rows = Array.from({ length: 12 }, (_, i) => `(${i + 1},${(i + 1) * 10})`).join(',');
    const before = `${HEAD}DROP TABLE IF EXISTS \`t\`;\nCREATE TABLE \`t\` (\`id\` int NOT NULL, \`hits\` int NOT NULL, PRIMARY KEY (\`id\`)) ENGINE=${engine};\nINSERT INTO \`t\` VALUES ${rows};\nSELECT GET_LOCK('${gate}', 600);\n`;
    return { body: `${before}${statement}\n${FOOT}`, offset: Buffer.byteLength(before) };
  };

  /**
   * Loads `body` into a new database, kill -9 once `statement` (at byte `offset`) ran on the server and
   * the write of its step waits; returns the database and the rerun's stderr (the rerun exits 0).
   */
  const killAfterStatement = async (label: string, gate: string, body: string, offset: number, needle: string): Promise<{ dst: string; stderr: string }> => {
    const dst = uniqueDb(`imp_post_${label}`);
    dbs.push(dst);
    await admin.query(`CREATE DATABASE \`${dst}\``);
    const file = path.join(dir, `${label}.sql`);
    writeFileSync(file, body);
    const [gateS, tableS, stepS] = [await adminSession(), await adminSession(), await adminSession()];
    let pid = 0;
    const args = [...connArgs(), '-d', file, '-B', dst];
    expect(await gateS.scalar('SELECT GET_LOCK(?, 60)', [gate])).toBe(1);
    const run = runCli('tsload', args, { timeoutMs: 300_000, onSpawn: (p) => (pid = p) });
    try {
      // tsload waits at the gate: every row is in
      await waitFor('tsload at the gate', async () => (await sessionsRunning(admin, `GET_LOCK('${gate}'`)).length > 0, 120_000);
      await tableS.query(`LOCK TABLES \`${dst}\`.\`t\` READ`);
      await gateS.query('SELECT RELEASE_LOCK(?)', [gate]);
      await waitFor('the statement waiting for the table', async () => (await sessionsRunning(admin, needle)).length > 0, 60_000);
      // the step's key: its write waits for this lock (gap or row), only tsload's writes into this database do
      await stepS.query('START TRANSACTION');
      await stepS.query('SELECT * FROM tsload_progress.steps WHERE target_db = ? AND step = ? FOR UPDATE', [dst, `statement:0:${offset}`]);
      const trx = await stepS.scalar('SELECT trx_id FROM information_schema.INNODB_TRX WHERE trx_mysql_thread_id = CONNECTION_ID()');
      await tableS.query('UNLOCK TABLES');
      const waiting = await waitFor('the step write waiting', async () => {
        const ids = await admin.query<{ id: string }>('SELECT r.trx_mysql_thread_id AS id FROM information_schema.INNODB_LOCK_WAITS w JOIN information_schema.INNODB_TRX r ON r.trx_id = w.requesting_trx_id WHERE w.blocking_trx_id = ?', [trx]);
        return ids.length > 0 ? ids.map((r) => r.id) : undefined;
        // InnoDB refreshes its INNODB_TRX / INNODB_LOCK_WAITS cache only when it was last read more
        // than 0.1 s ago: polled faster, the tables never change
      }, 60_000, 250);
      expect(await sessionsRunning(admin, needle)).toHaveLength(0);
      signal(pid, 'SIGKILL');
      const first = await run;
      expect(first.signal, first.stderr).toBe('SIGKILL');
      // the server ends a statement of a client gone only when it answers it: the step write would go
      // on once the lock is released. Ended on the server, as if it never came (a lost connection)
      for (const id of waiting) await admin.query(`KILL CONNECTION ${Number(id)}`).catch(() => undefined);
      await waitFor('the step write gone', async () => Number(await admin.scalar('SELECT COUNT(*) FROM information_schema.INNODB_LOCK_WAITS WHERE blocking_trx_id = ?', [trx])) === 0, 60_000, 250);
    } finally {
      signal(pid, 'SIGKILL');
      await run;
      await stepS.query('ROLLBACK').catch(() => undefined);
      await tableS.query('UNLOCK TABLES').catch(() => undefined);
      for (const s of [gateS, tableS, stepS]) await s.close();
    }
    const second = await runCli('tsload', args, { timeoutMs: 300_000 });
    expect(second.code, second.stderr).toBe(0);
    return { dst, stderr: second.stderr };
  };

  const cases = [
    ['upd', 'UPDATE `t` SET `hits` = `hits` + 1 WHERE `id` > 2;', 'SET `hits` = `hits` + 1'],
    ['del', 'DELETE FROM `t` WHERE `hits` > 0 ORDER BY `id` LIMIT 5;', 'ORDER BY `id` LIMIT 5'],
  ] as const;
  for (const [label, statement, needle] of cases) {
    it(`InnoDB, ${statement}: applied once, the table as the mariadb client leaves it`, async () => {
      const gate = uniqueDb(`gate_${label}`);
      const { body, offset } = fileOf('InnoDB', gate, statement);
      const ref = uniqueDb(`imp_post_ref_${label}`);
      dbs.push(ref);
      await admin.query(`CREATE DATABASE \`${ref}\``);
      mariadbClient([ref], body);
      const { dst } = await killAfterStatement(label, gate, body, offset, needle);
      await expectSameDatabases(admin, ref, dst, label);
    }, 600_000);
  }

  it('MyISAM: the rerun says the statement may have run already, naming the table and the line', async () => {
    const gate = uniqueDb('gate_myisam');
    const { body, offset } = fileOf('MyISAM', gate, cases[0][1]);
    const line = body.slice(0, offset).split('\n').length;
    const { stderr } = await killAfterStatement('myisam', gate, body, offset, cases[0][2]);
    expect(stderr).toContain(`line ${line}:`);
    expect(stderr).toMatch(/may have run already/);
    expect(stderr).toMatch(/\bt \(MyISAM\)/);
  }, 600_000);
});
