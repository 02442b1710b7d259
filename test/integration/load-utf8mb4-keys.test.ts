/**
 * --convert-utf8mb4 and what it does to index keys and collations. utf8mb3 text takes 4 bytes a
 * character once converted: a key that fit on the source may not on the target (767 bytes a key
 * column for COMPACT tables: error 1709 after the rows; past 3072 MariaDB silently shortens a plain key
 * to a prefix and makes a UNIQUE one USING HASH), and utf8mb3_general_mysql500_ci has no utf8mb4
 * counterpart on MariaDB (error 1273). The preflight refuses these before anything is created,
 * --dry-run included; keys that fit load as they were. What the preflight cannot judge (a MyISAM
 * table's 1000 bytes) is caught after the statement by its Note 1071, and the shortened index taken
 * back.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connArgs, runCli } from '../support/cli.js';
import type { AdminSession } from '../support/server.js';
import { adminSession, uniqueDb } from '../support/server.js';
import { cleanupLoads, dumpFixture, tableHash } from './load-fixture.js';

describe('tsload --convert-utf8mb4 keys and collations', () => {
  let admin: AdminSession;
  const bad = uniqueDb('u8k_bad');
  const fit = uniqueDb('u8k_fit');
  const targets: string[] = [];
  const dumps: string[] = [];
  let badDump = '';
  let fitDump = '';

  beforeAll(async () => {
    admin = await adminSession();
    const q = (s: string): Promise<unknown> => admin.query(s);
    await q(`CREATE DATABASE \`${bad}\` CHARACTER SET utf8mb3 COLLATE utf8mb3_general_ci`);
    await q(`CREATE TABLE \`${bad}\`.klong (id INT PRIMARY KEY, s VARCHAR(1000), KEY ks (s))`);
    await q(`CREATE TABLE \`${bad}\`.kcompact (id INT PRIMARY KEY, s VARCHAR(255), KEY ks (s)) ROW_FORMAT=COMPACT`);
    await q(`CREATE TABLE \`${bad}\`.kuniq (id INT PRIMARY KEY, s VARCHAR(1000), UNIQUE KEY us (s))`);
    await q(`CREATE TABLE \`${bad}\`.kcoll (id INT PRIMARY KEY, s VARCHAR(10) COLLATE utf8mb3_general_mysql500_ci)`);
    for (const t of ['klong', 'kcompact', 'kuniq', 'kcoll']) await q(`INSERT INTO \`${bad}\`.${t} VALUES (1, 'é'), (2, 'x')`);
    await q(`CREATE DATABASE \`${fit}\` CHARACTER SET utf8mb3 COLLATE utf8mb3_general_ci`);
    // 768 characters × 4 = 3072 bytes, InnoDB's limit exactly; 191 × 4 = 764 ≤ 767 under COMPACT
    await q(`CREATE TABLE \`${fit}\`.kedge (id INT PRIMARY KEY, s VARCHAR(768), n INT, t VARCHAR(1000) COLLATE utf8mb3_bin, KEY ks (s), KEY kt (t(700), n), UNIQUE KEY us (t(768)))`);
    await q(`CREATE TABLE \`${fit}\`.kcompact (id INT PRIMARY KEY, s VARCHAR(191), KEY ks (s)) ROW_FORMAT=COMPACT`);
    await q(`CREATE TABLE \`${fit}\`.kwide (id INT PRIMARY KEY, s VARCHAR(300), KEY ks (s))`);
    await q(`INSERT INTO \`${fit}\`.kedge VALUES (1, 'héllo', 1, REPEAT('ü', 900)), (2, REPEAT('x', 768), 2, 'wörld'), (3, NULL, NULL, NULL)`);
    await q(`INSERT INTO \`${fit}\`.kcompact VALUES (1, 'ñ'), (2, REPEAT('y', 191))`);
    await q(`INSERT INTO \`${fit}\`.kwide VALUES (1, REPEAT('z', 300))`);
    badDump = await dumpFixture(bad, { format: 'csv', gzip: false });
    fitDump = await dumpFixture(fit, { format: 'csv', gzip: false });
    dumps.push(path.dirname(badDump), path.dirname(fitDump));
  }, 300_000);

  afterAll(async () => {
    await cleanupLoads(bad, [fit, ...targets], []);
    for (const d of dumps) rmSync(d, { recursive: true, force: true });
    await admin?.close();
  });

  const created = async (db: string): Promise<string> => String(await admin.scalar('SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [db]));

  for (const dryRun of [true, false]) {
    it(`refuses keys too long once converted and a collation without a utf8mb4 counterpart${dryRun ? ' (--dry-run)' : ''}, before creating anything`, async () => {
      const dst = uniqueDb('u8k_dst');
      targets.push(dst);
      const r = await runCli('tsload', [...connArgs(), '-d', badDump, '-B', dst, '--convert-utf8mb4', ...(dryRun ? ['--dry-run'] : [])]);
      const out = r.stderr + r.stdout;
      expect(r.code, out).not.toBe(0);
      expect(out).toMatch(/index ks of \S*kcompact\b.*column s would take 1020 bytes.*767 bytes a COMPACT table/);
      expect(out).toMatch(/index ks of \S*klong\b.*column s would take 4000 bytes.*3072.*shorten it to a prefix/);
      expect(out).toMatch(/index us of \S*kuniq\b.*column s would take 4000 bytes.*USING HASH/);
      expect(out).toMatch(/column s of \S*kcoll is collated utf8mb3_general_mysql500_ci.*no utf8mb4_general_mysql500_ci/);
      expect(out).toMatch(/ROW_FORMAT=DYNAMIC/);
      expect(out).toMatch(/load without --convert-utf8mb4/);
      expect(await created(dst)).toBe('0');
    }, 300_000);
  }

  it('loads keys that fit as they were, rows equal to the source', async () => {
    const dst = uniqueDb('u8k_ok');
    targets.push(dst);
    const r = await runCli('tsload', [...connArgs(), '-d', fitDump, '-B', dst, '--convert-utf8mb4', '-q']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stderr).not.toMatch(/1071/);
    const keys = await admin.query<{ t: string; k: string; c: string; p: string | null }>(
      'SELECT TABLE_NAME AS t, INDEX_NAME AS k, COLUMN_NAME AS c, SUB_PART AS p FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX',
      [dst],
    );
    const source = await admin.query<{ t: string; k: string; c: string; p: string | null }>(
      'SELECT TABLE_NAME AS t, INDEX_NAME AS k, COLUMN_NAME AS c, SUB_PART AS p FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX',
      [fit],
    );
    expect(keys).toEqual(source);
    const hashKeys = await admin.query<{ t: string }>("SELECT TABLE_NAME AS t FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND INDEX_TYPE = 'HASH'", [dst]);
    expect(hashKeys).toEqual([]);
    const charsets = await admin.query<{ c: string }>('SELECT DISTINCT CHARACTER_SET_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND CHARACTER_SET_NAME IS NOT NULL', [dst]);
    expect(charsets).toEqual([{ c: 'utf8mb4' }]);
    for (const t of ['kedge', 'kcompact', 'kwide']) expect(await tableHash(admin, dst, t)).toBe(await tableHash(admin, fit, t));
  }, 300_000);

  it('a key the server shortens where the preflight does not judge (MyISAM) fails naming it, and is taken back', async () => {
    const dst = uniqueDb('u8k_myisam');
    targets.push(dst);
    // 300 × 4 = 1200 bytes, past MyISAM's 1000: MariaDB makes KEY ks (s) KEY ks (s(250)) with a Note 1071
    const r = await runCli('tsload', [...connArgs(), '-d', fitDump, '-B', dst, '--convert-utf8mb4', '--engine', 'MyISAM', '-T', `${fit}.kwide`, '-q']);
    expect(r.code, r.stderr + r.stdout).not.toBe(0);
    expect(r.stderr).toMatch(/shortened index\(es\) `ks` of \S*kwide\b/);
    expect(r.stderr).not.toMatch(/rerun the same command/);
    const left = await admin.query<{ k: string; p: string | null }>('SELECT INDEX_NAME AS k, SUB_PART AS p FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [dst, 'kwide']);
    expect(left.map((x) => x.k)).toEqual(['PRIMARY']);
  }, 300_000);
});
