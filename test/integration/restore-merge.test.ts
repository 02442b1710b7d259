/**
 * Loading into an existing database (issue 16): --drop-table append keeps a table as it is and adds
 * the dump's rows; --on-duplicate error|ignore|replace says what a row whose key is there already
 * does. The result is compared by the checker with an expected database built in SQL from the
 * table before the load and the source; a load killed after its first committed chunk and rerun
 * must still give exactly that (each sub-chunk committed once with its progress row — the keyless
 * table would show a chunk loaded twice).
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareDatabases, formatReport } from '../support/checker.js';
import { connArgs, runCli, type CliResult } from '../support/cli.js';
import { removeTemps, tempDir } from '../support/faults.js';
import { adminSession, uniqueDb, type AdminSession } from '../support/server.js';
import { cleanupLoads } from './load-fixture.js';

describe('tsload into an existing database: --drop-table append, --on-duplicate', () => {
  const src = uniqueDb('merge');
  const targets: string[] = [];
  let admin: AdminSession;
  const dumps: Record<'csv' | 'sql', string> = { csv: '', sql: '' };

  beforeAll(async () => {
    admin = await adminSession();
    await admin.query(`CREATE DATABASE \`${src}\`; USE \`${src}\`;
      CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(30), u INT, UNIQUE KEY uu (u));
      CREATE TABLE k (a INT, b VARCHAR(10));
      INSERT INTO t SELECT seq, CONCAT('src ', seq), seq FROM seq_1_to_3000;
      INSERT INTO k SELECT seq % 7, CONCAT('k', seq % 3) FROM seq_1_to_1200;`);
    await admin.close();
    admin = await adminSession();
    for (const format of ['csv', 'sql'] as const) {
      dumps[format] = path.join(tempDir(`merge-${format}`), 'dump');
      const d = await runCli('tsdump', [...connArgs(), '-B', src, '-o', dumps[format], '--format', format, '--rows', '600', '--checksum', '-q']);
      expect(d.code, d.stderr).toBe(0);
    }
  });

  afterAll(async () => {
    await cleanupLoads(src, targets, []);
    await admin?.close();
    removeTemps();
  });

  /** A target that holds an older, edited copy: rows missing, rows changed, rows the source never had. */
  async function existingTarget(label: string): Promise<string> {
    const db = uniqueDb(`merge_${label}`);
    targets.push(db, `${db}_before`, `${db}_expected`);
    for (const d of [db, `${db}_before`]) {
      await admin.query(`CREATE DATABASE \`${d}\`;
        CREATE TABLE \`${d}\`.t LIKE \`${src}\`.t; CREATE TABLE \`${d}\`.k LIKE \`${src}\`.k;
        INSERT INTO \`${d}\`.t SELECT id, IF(id <= 200, 'changed', v), u FROM \`${src}\`.t WHERE id > 100;
        INSERT INTO \`${d}\`.t VALUES (5001, 'target only', 5001), (5002, 'target only', 5002);
        INSERT INTO \`${d}\`.k VALUES (100, 'target'), (100, 'target');`);
    }
    return db;
  }

  /** The expected result, from the table before the load and the source. */
  async function expected(db: string, mode: 'ignore' | 'replace'): Promise<string> {
    const e = `${db}_expected`;
    const before = `\`${db}_before\``;
    const s = `\`${src}\``;
    await admin.query(`CREATE DATABASE \`${e}\`; CREATE TABLE \`${e}\`.t LIKE ${s}.t; CREATE TABLE \`${e}\`.k LIKE ${s}.k;
      INSERT INTO \`${e}\`.t SELECT * FROM ${mode === 'ignore' ? before : s}.t;
      INSERT IGNORE INTO \`${e}\`.t SELECT * FROM ${mode === 'ignore' ? s : before}.t;
      INSERT INTO \`${e}\`.k SELECT * FROM ${before}.k; INSERT INTO \`${e}\`.k SELECT * FROM ${s}.k;`);
    return e;
  }

  const load = (format: 'csv' | 'sql', db: string, args: string[], opts: { onStdout?: (s: string) => void; onSpawn?: (pid: number) => void } = {}): Promise<CliResult> =>
    runCli('tsload', [...connArgs(), '-d', dumps[format], '-B', db, '-t', '2', '--rows-per-transaction', '100', ...args], opts);

  it('a fresh load still refuses an existing table; append with --on-duplicate error stops at the first duplicate, naming it and the fix', async () => {
    const db = await existingTarget('refuse');
    const r = await load('csv', db, ['-q']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/already exists in the target.*--drop-table append/s);
    const a = await load('csv', db, ['--drop-table', 'append', '-q']);
    expect(a.code).toBe(1);
    expect(a.stderr).toMatch(/Duplicate entry/);
    expect(a.stderr).toContain('--on-duplicate ignore');
  });

  for (const format of ['csv', 'sql'] as const) {
    for (const mode of ['ignore', 'replace'] as const) {
      it(`${format}: --drop-table append --on-duplicate ${mode}, killed after its first chunk and rerun: exactly the merge`, async () => {
        const db = await existingTarget(`${format}_${mode}`);
        const args = ['--drop-table', 'append', '--on-duplicate', mode, '--progress', 'json'];
        let pid = 0;
        let killed = false;
        const first = await load(format, db, args, {
          onSpawn: (p) => (pid = p),
          onStdout: (text) => {
            if (!killed && text.includes('"kind":"chunk-done"')) {
              killed = true;
              process.kill(pid, 'SIGKILL');
            }
          },
        });
        // killed as its first chunk was reported done: ~25 more sub-chunks were still to come
        expect(first.signal, first.stderr).toBe('SIGKILL');
        const again = await load(format, db, args);
        expect(again.code, again.stderr).toBe(0);
        expect(again.stdout).toMatch(mode === 'ignore' ? /its counts are not compared/ : /at least the dump's rows/);
        const e = await expected(db, mode);
        expect(formatReport(await compareDatabases(admin, e, db))).toMatch(/ 0 failed$/);
      });
    }
  }

  it('verification of a merged table still catches a lost row (replace: every dumped row must be there)', async () => {
    const db = await existingTarget('lost');
    const r = await load('csv', db, ['--drop-table', 'append', '--on-duplicate', 'replace', '--keep-progress', '--no-verify', '-q']);
    expect(r.code, r.stderr).toBe(0);
    await admin.query(`DELETE FROM \`${db}\`.t WHERE id = 1`);
    // rerun of the finished load: it verifies only, with the merge recorded
    const v = await load('csv', db, ['--drop-table', 'append', '--on-duplicate', 'replace', '-q']);
    expect(v.code).toBe(4);
    expect(v.stderr).toMatch(/t chunk .*t\.000001\.csv: rows expected at least (\d+), found (\d+)/);
    const m = /rows expected at least (\d+), found (\d+)/.exec(v.stderr)!;
    expect(Number(m[2])).toBe(Number(m[1]) - 1);
  });
});
