/**
 * CSV rows sent by MariaDB's bulk INSERT (tsload --insert-method, COM_STMT_BULK_EXECUTE): the copy
 * equals the source over every column, with and without compression and with packets split inside
 * a transaction; the line that says how rows go; rows the target rejects are named by line; and
 * --insert-method auto picks it for an AUTO_INCREMENT table under innodb_autoinc_lock_mode=1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connArgs, runCli } from '../support/cli.js';
import type { AdminSession } from '../support/server.js';
import { adminSession, uniqueDb } from '../support/server.js';
import { cleanupLoads, createLoadFixture, dumpFixture, tableHash } from './load-fixture.js';

const TABLES = ['parent', 'comp', 'keyless', 'child', 'lat'];

const probe = await adminSession();
const mariadb = /mariadb/i.test(String(await probe.scalar('SELECT @@version')));
const lockMode = Number(await probe.scalar('SELECT @@GLOBAL.innodb_autoinc_lock_mode'));
await probe.close();

describe.runIf(mariadb)("tsload --insert-method bulk (MariaDB's bulk INSERT)", () => {
  let admin: AdminSession;
  const src = uniqueDb('bulk_src');
  const targets: string[] = [];
  const dumps: string[] = [];
  const source = new Map<string, string>();

  beforeAll(async () => {
    admin = await adminSession();
    await createLoadFixture(admin, src);
    for (const t of TABLES) source.set(t, await tableHash(admin, src, t));
  }, 300_000);

  afterAll(async () => {
    await cleanupLoads(src, targets, dumps);
    await admin?.close();
  });

  async function expectEqual(dst: string): Promise<void> {
    for (const t of TABLES) expect(await tableHash(admin, dst, t), `${dst}.${t}`).toBe(source.get(t));
  }

  for (const gzip of [false, true]) {
    it(`loads a CSV dump${gzip ? ' (gzip)' : ''} exactly, in sized transactions of several packets each, and says so`, async () => {
      const dump = await dumpFixture(src, { format: 'csv', gzip });
      dumps.push(dump);
      const dst = uniqueDb('bulk_dst');
      targets.push(dst);
      // 64 KiB packets at most per table (max_allowed_packet is the server's): small transactions, many packets
      const r = await runCli('tsload', [...connArgs(), '-d', dump, '-B', dst, '-t', '2', '--insert-method', 'bulk', '--rows-per-transaction', '400', '--progress', 'plain']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(new RegExp(`rows sent by bulk INSERT \\(COM_STMT_BULK_EXECUTE\\) into \`${dst}\`\\.\`parent\`, .* and 2 more \\(--insert-method\\)`));
      await expectEqual(dst);
    }, 300_000);
  }

  it('a row the target rejects (a duplicate key of another table definition) stops the load naming table, file and line; nothing of the transaction is committed', async () => {
    const dump = await dumpFixture(src, { format: 'csv', gzip: false });
    dumps.push(dump);
    const dst = uniqueDb('bulk_dup');
    targets.push(dst);
    await admin.query(`CREATE DATABASE \`${dst}\``);
    await admin.query(`CREATE TABLE \`${dst}\`.keyless (x INT NOT NULL PRIMARY KEY, y VARCHAR(10))`);
    const r = await runCli('tsload', [...connArgs(), '-d', dump, '-B', dst, '-t', '2', '--insert-method', 'bulk', '--drop-table', 'truncate']);
    expect(r.code, r.stderr).toBe(1);
    // the first duplicate of x (0..49, repeating) is the 51st row of the file; MariaDB reports it at
    // the statement or (its bulk insert into an empty table) at COMMIT, where the line is found by bisection
    expect(r.stderr).toMatch(/Duplicate entry '0' for key 'PRIMARY'|during COMMIT/);
    expect(r.stderr).toMatch(new RegExp(`table ${dst}\\.keyless, chunk 1, file ${src}/keyless\\.000001\\.csv, row 51`));
    expect(Number(await admin.scalar(`SELECT COUNT(*) FROM \`${dst}\`.keyless`))).toBe(0);
  }, 300_000);

  it('a value that does not fit the target column is refused by its warning, naming the line', async () => {
    const dump = await dumpFixture(src, { format: 'csv', gzip: false });
    dumps.push(dump);
    const dst = uniqueDb('bulk_warn');
    targets.push(dst);
    await admin.query(`CREATE DATABASE \`${dst}\``);
    // 'd0'..'d9' in a VARCHAR(1): truncated with a warning (the data sessions' sql_mode is not strict)
    await admin.query(`CREATE TABLE \`${dst}\`.keyless (x INT, y VARCHAR(1))`);
    const r = await runCli('tsload', [...connArgs(), '-d', dump, '-B', dst, '-t', '1', '--insert-method', 'bulk', '--drop-table', 'append', '-T', `${src}.keyless`]);
    expect(r.code, r.stderr).toBe(1);
    // line 1 is (0, NULL); line 2 is (1, 'd1')
    expect(r.stderr).toMatch(new RegExp(`the data does not fit table ${dst}\\.keyless: Data truncated for column 'y' at row \\d+ \\(line 2 of [^)]*keyless\\.000001\\.csv\\)`));
    expect(Number(await admin.scalar(`SELECT COUNT(*) FROM \`${dst}\`.keyless`))).toBe(0);
  }, 300_000);

  it.runIf(lockMode === 1)('--insert-method auto sends an AUTO_INCREMENT table by bulk INSERT under innodb_autoinc_lock_mode=1 (and does not warn of the AUTO-INC lock), the others by LOAD DATA', async () => {
    const dump = await dumpFixture(src, { format: 'csv', gzip: false });
    dumps.push(dump);
    const dst = uniqueDb('bulk_auto');
    targets.push(dst);
    const r = await runCli('tsload', [...connArgs(), '-d', dump, '-B', dst, '-t', '2', '--progress', 'plain']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`rows sent by bulk INSERT (COM_STMT_BULK_EXECUTE) into \`${dst}\`.\`parent\`; by LOAD DATA LOCAL into the other 4 tables (--insert-method)`);
    expect(r.stderr).not.toMatch(/innodb_autoinc_lock_mode=1: /);
    await expectEqual(dst);
    const forced = uniqueDb('bulk_ld');
    targets.push(forced);
    const ld = await runCli('tsload', [...connArgs(), '-d', dump, '-B', forced, '-t', '2', '--insert-method', 'load-data', '--progress', 'plain']);
    expect(ld.code, ld.stderr).toBe(0);
    expect(ld.stderr).not.toMatch(/rows sent by bulk INSERT/);
    expect(ld.stderr).toMatch(new RegExp(`innodb_autoinc_lock_mode=1: \`${forced}\`\\.\`parent\` has an AUTO_INCREMENT column`));
  }, 300_000);
});
