/**
 * Permanent errors stop the load naming database, table, chunk file and line; rows the target
 * rejects silently (LOAD DATA LOCAL skips duplicates) are caught by verification (exit 4).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connArgs, runCli } from '../support/cli.js';
import type { AdminSession } from '../support/server.js';
import { adminSession, uniqueDb } from '../support/server.js';
import { cleanupLoads, createLoadFixture, dumpFixture } from './load-fixture.js';

describe('tsload errors', () => {
  let admin: AdminSession;
  const src = uniqueDb('load_err_src');
  const targets: string[] = [];
  const dumps: string[] = [];

  beforeAll(async () => {
    admin = await adminSession();
    await createLoadFixture(admin, src);
  }, 300_000);

  afterAll(async () => {
    await cleanupLoads(src, targets, dumps);
    await admin?.close();
  });

  /** A target whose `keyless` table has a primary key the dump's duplicate rows violate. */
  async function hostileTarget(name: string, engine = 'InnoDB'): Promise<string> {
    const dst = uniqueDb(name);
    targets.push(dst);
    await admin.query(`CREATE DATABASE \`${dst}\``);
    await admin.query(`CREATE TABLE \`${dst}\`.keyless (x INT NOT NULL PRIMARY KEY, y VARCHAR(10)) ENGINE=${engine}`);
    return dst;
  }

  it('a rejected INSERT names the table, chunk file and line', async () => {
    const dump = await dumpFixture(src, { format: 'sql', gzip: false, extra: ['--statement-size', '2K'] });
    dumps.push(dump);
    const dst = await hostileTarget('load_err_sql');
    const r = await runCli('tsload', [...connArgs(), '-d', dump, '-B', dst, '-t', '2', '--drop-table', 'truncate']);
    expect(r.code).toBe(1);
    // MariaDB reports the duplicate at the statement or (bulk insert into an empty table) at COMMIT
    expect(r.stderr).toMatch(/Duplicate entry|during COMMIT/);
    expect(r.stderr).toMatch(new RegExp(`table ${dst}\\.keyless, chunk 1, file ${src}/keyless\\.000001\\.sql, row \\d+`));
  }, 300_000);

  it('rows LOAD DATA LOCAL would skip (duplicates a different target table rejects) stop the load before commit, naming table, file and line', async () => {
    const dump = await dumpFixture(src, { format: 'csv', gzip: false });
    dumps.push(dump);
    const dst = await hostileTarget('load_err_csv');
    const r = await runCli('tsload', [...connArgs(), '-d', dump, '-B', dst, '-t', '2', '--drop-table', 'truncate']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`the data does not fit table ${dst}\\.keyless: Duplicate entry .* \\(line \\d+ of [^)]*keyless\\.000001\\.csv\\)`));
    expect(r.stderr).toMatch(/nothing of this transaction was committed/);
    expect(Number(await admin.scalar(`SELECT COUNT(*) FROM \`${dst}\`.keyless`))).toBe(0);
  }, 300_000);

  it('the same into a MyISAM table: the hint says the rows of the refused transaction stay (no rollback), not that nothing was committed', async () => {
    const dump = await dumpFixture(src, { format: 'csv', gzip: false });
    dumps.push(dump);
    const dst = await hostileTarget('load_err_myisam', 'MyISAM');
    const r = await runCli('tsload', [...connArgs(), '-d', dump, '-B', dst, '-t', '2', '--drop-table', 'truncate']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`the data does not fit table ${dst}\\.keyless: Duplicate entry`));
    expect(r.stderr).not.toMatch(/nothing of this transaction was committed/);
    expect(r.stderr).toMatch(/the table's engine \(MyISAM\) does not roll back: the rows this transaction wrote before the refusal stay in the table/);
    // what the hint says: the statement's other rows are there
    expect(Number(await admin.scalar(`SELECT COUNT(*) FROM \`${dst}\`.keyless`))).toBeGreaterThan(0);
  }, 300_000);
});
