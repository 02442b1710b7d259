/**
 * tsload round trip: a multi-table database (int PK, composite PK, keyless with duplicates, secondary
 * indexes, a FK, latin1 bytes, view, trigger, procedure) dumped in csv and sql, gzip and not, loaded
 * under another database name in small transactions, compared object by object.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareDatabases, failures, formatReport } from '../support/checker.js';
import { connArgs, runCli } from '../support/cli.js';
import type { AdminSession } from '../support/server.js';
import { adminSession, dropDbs, testServer, uniqueDb } from '../support/server.js';
import { createLoadFixture, dumpFixture } from './load-fixture.js';

const VARIANTS = [
  { format: 'csv', gzip: false },
  { format: 'csv', gzip: true },
  { format: 'sql', gzip: false },
  { format: 'sql', gzip: true },
] as const;

describe('tsload round trip', () => {
  let admin: AdminSession;
  const src = uniqueDb('load_rt_src');
  const targets: string[] = [];
  const dirs: string[] = [];

  beforeAll(async () => {
    admin = await adminSession();
    await createLoadFixture(admin, src);
  });

  afterAll(async () => {
    await dropDbs(src, ...targets);
    for (const d of dirs) rmSync(path.dirname(d), { recursive: true, force: true });
    await admin?.close();
  });

  for (const v of VARIANTS) {
    it(`loads a ${v.format}${v.gzip ? '+gzip' : ''} dump under another name with identical content`, async () => {
      const dump = await dumpFixture(src, { format: v.format, gzip: v.gzip, extra: ['--checksum', '--statement-size', '4K'] });
      dirs.push(dump);
      const dst = uniqueDb(`load_rt_${v.format}${v.gzip ? '_gz' : ''}`);
      targets.push(dst);
      const r = await runCli('tsload', [...connArgs(), '-d', dump, '-B', dst, '-t', '3', '--rows-per-transaction', '150'], { timeoutMs: 300_000 });
      expect(r.code, `tsload failed:\n${r.stderr}\n${r.stdout}`).toBe(0);
      const results = await compareDatabases(admin, src, dst);
      expect(failures(results), formatReport(results, v.format)).toEqual([]);
      // the source position and the statements to start replication from it
      expect(r.stdout).toMatch(/source coordinates/);
      if (!/binlog none/.test(r.stdout)) {
        // only the target's flavor, with the source's real port and placeholders for the user
        const maria = /mariadb/i.test(String(await admin.scalar('SELECT @@version')));
        const p = maria ? 'MASTER' : 'SOURCE';
        expect(r.stdout).toMatch(new RegExp(`a replica of the source \\(${maria ? 'MariaDB' : 'MySQL'} \\d+\\.\\d+\\)`));
        expect(r.stdout).toContain(`${p}_PORT=${testServer().port}, ${p}_USER='<replication user>'`);
        expect(r.stdout).not.toContain(maria ? 'CHANGE REPLICATION SOURCE' : 'MASTER_USE_GTID');
        if (maria) expect(r.stdout).toMatch(/SET GLOBAL gtid_slave_pos = '[^']+';\n\s*CHANGE MASTER TO .*MASTER_USE_GTID=slave_pos;/);
      }
      // after a finished load the progress rows are gone; one memo row says the dump is loaded
      const left = await admin.scalar('SELECT COUNT(*) FROM tsload_progress.progress WHERE target_db = ?', [dst]).catch(() => 0);
      expect(Number(left)).toBe(0);
      const done = await admin.scalar('SELECT COUNT(*) FROM tsload_progress.runs WHERE target_db = ? AND completed_at IS NOT NULL', [dst]);
      expect(Number(done)).toBe(1);
      // rerunning a finished load (e.g. killed between its last commit and its exit) only verifies
      const again = await runCli('tsload', [...connArgs(), '-d', dump, '-B', dst, '-t', '2']);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toMatch(/already loaded completely/);
    }, 600_000);
  }

  it('refuses to load into existing tables unless told, then --drop-table drop replaces them', async () => {
    const dump = await dumpFixture(src, { format: 'csv', gzip: false });
    dirs.push(dump);
    const dst = uniqueDb('load_rt_exist');
    targets.push(dst);
    const first = await runCli('tsload', [...connArgs(), '-d', dump, '-B', dst, '-t', '2']);
    expect(first.code, first.stderr).toBe(0);
    // the same dump again: already loaded (verified), nothing done
    const same = await runCli('tsload', [...connArgs(), '-d', dump, '-B', dst, '-t', '2']);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stderr).toMatch(/already loaded completely/);
    // tables this load did not make (no memo of it): refused
    await admin.query('DELETE FROM tsload_progress.runs WHERE target_db = ?', [dst]);
    const again = await runCli('tsload', [...connArgs(), '-d', dump, '-B', dst, '-t', '2']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists/);
    await admin.query("SELECT 1");
    const drop = await runCli('tsload', [...connArgs(), '-d', dump, '-B', dst, '-t', '2', '--drop-table', 'drop', '--defer-indexes', 'off']);
    expect(drop.code, drop.stderr).toBe(0);
    const results = await compareDatabases(admin, src, dst);
    expect(failures(results).filter((f) => f.kind === 'table'), formatReport(results)).toEqual([]);
  }, 600_000);

  it('--dry-run prints the plan and changes nothing', async () => {
    const dump = await dumpFixture(src, { format: 'csv', gzip: true });
    dirs.push(dump);
    const dst = uniqueDb('load_rt_dry');
    const r = await runCli('tsload', [...connArgs(), '-d', dump, '-B', dst, '--dry-run', '--rows-per-transaction', '100']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/dry run/);
    expect(r.stdout).toMatch(/table parent: 3000 rows, \d+ chunk\(s\)/);
    expect(r.stdout).toMatch(/transaction/);
    const exists = await admin.scalar('SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [dst]);
    expect(Number(exists)).toBe(0);
  });
});
