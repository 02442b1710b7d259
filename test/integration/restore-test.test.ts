/**
 * Restore drills (issue 16): tsload --restore-test loads a dump into scratch databases, verifies
 * every chunk (row counts and content checksums), drops them, and says how it went in its exit code
 * and, with --progress json, in machine-readable lines — cron-friendly. A dump whose content does
 * not match its manifest must fail the drill (exit 4), a damaged dump must be refused (exit 6), and
 * nothing may be left behind either way.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/format/manifest.js';
import { connArgs, runCli } from '../support/cli.js';
import { removeTemps, tempDir } from '../support/faults.js';
import { adminSession, uniqueDb, type AdminSession } from '../support/server.js';
import { cleanupLoads } from './load-fixture.js';

describe('tsload --restore-test', () => {
  const db = uniqueDb('drill');
  let admin: AdminSession;

  beforeAll(async () => {
    admin = await adminSession();
    await admin.query(`CREATE DATABASE \`${db}\`; USE \`${db}\`;
      CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20), d DATETIME(6));
      INSERT INTO t SELECT seq, CONCAT('v', seq), '2026-01-02 03:04:05.123456' + INTERVAL seq SECOND FROM seq_1_to_3000;
      CREATE TABLE k (a INT, b TEXT); INSERT INTO k SELECT seq % 5, REPEAT('x', seq % 9) FROM seq_1_to_400;
      CREATE VIEW v AS SELECT id FROM t WHERE id < 10;
      CREATE EVENT ev ON SCHEDULE EVERY 1 MINUTE DO DELETE FROM t;`);
  });

  afterAll(async () => {
    await cleanupLoads(db, [], []);
    await admin?.close();
    removeTemps();
  });

  async function dump(label: string): Promise<string> {
    const out = path.join(tempDir(`drill-${label}`), 'dump');
    const d = await runCli('tsdump', [...connArgs(), '-B', db, '-o', out, '--rows', '1000', '--checksum', '-q']);
    expect(d.code, d.stderr).toBe(0);
    return out;
  }
  const leftovers = async (): Promise<number> => Number(await admin.scalar("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'tsdrill\\_%'"));
  const events = (stdout: string): { kind: string; ok?: boolean; message?: string }[] => stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string });

  it('an intact dump: loaded, every chunk verified, dropped; exit 0 and a json summary', async () => {
    const out = await dump('ok');
    const r = await runCli('tsload', [...connArgs(), '-d', out, '--restore-test', '--progress', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const ev = events(r.stdout);
    expect(ev.find((e) => e.kind === 'summary')?.ok).toBe(true);
    expect(ev.some((e) => e.kind === 'info' && /restore test: every chunk verified/.test(e.message ?? ''))).toBe(true);
    expect(ev.some((e) => e.kind === 'info' && /scratch database\(s\) dropped: tsdrill_/.test(e.message ?? ''))).toBe(true);
    expect(await leftovers()).toBe(0);
    expect(Number(await admin.scalar(`SELECT COUNT(*) FROM \`${db}\`.t`))).toBe(3000);
  });

  it('content that differs from the manifest fails the drill with exit 4, naming the chunk; nothing is left', async () => {
    const out = await dump('bad');
    const file = path.join(out, 'manifest.json');
    const m = JSON.parse(readFileSync(file, 'utf8')) as { databases: { tables: { name: string; chunks: { checksum?: string }[] }[] }[] };
    const chunk = m.databases[0]!.tables.find((t) => t.name === 't')!.chunks[1]!;
    chunk.checksum = chunk.checksum!.replace(/:(\d)/, (_x, d: string) => `:${(Number(d) + 1) % 10}`);
    writeFileSync(file, JSON.stringify(m));
    const r = await runCli('tsload', [...connArgs(), '-d', out, '--restore-test', '-q']);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/mismatch: tsdrill_\w+\.t chunk .*t\.000002\.csv: checksum/);
    expect(await leftovers()).toBe(0);
  });

  it('a damaged dump is refused with exit 6 before anything is created', async () => {
    const out = await dump('damaged');
    const m = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8')) as Manifest;
    rmSync(path.join(out, m.databases[0]!.tables[0]!.chunks[0]!.path));
    const r = await runCli('tsload', [...connArgs(), '-d', out, '--restore-test', '--progress', 'json']);
    expect(r.code).toBe(6);
    expect(await leftovers()).toBe(0);
  });

  it('refuses the options a drill cannot honour', async () => {
    const r = await runCli('tsload', [...connArgs(), '-d', '/nonexistent', '--restore-test', '-B', 'x', '--no-verify']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/does not go with -B\/--rename .*, --no-verify/);
  });
  it('a scratch database a killed drill left behind is dropped by the next drill; a look-alike tsload never loaded is only named', async () => {
    const out = await dump('left');
    const tag = randomBytes(3).toString('hex');
    const left = `tsdrill_${tag}_1_left`;
    const alike = `tsdrill_${tag}_2_alike`;
    try {
      // what a drill killed with -9 mid-load leaves: its database, an unfinished load recorded in it, no loader
      const k = await runCli('tsload', [...connArgs(), '-d', out, '-B', left, '--keep-progress', '-q']);
      expect(k.code, k.stderr).toBe(0);
      expect(Number(await admin.scalar('SELECT COUNT(*) FROM tsload_progress.runs WHERE target_db = ? AND completed_at IS NULL', [left]))).toBe(1);
      await admin.query(`CREATE DATABASE \`${alike}\``);
      const r = await runCli('tsload', [...connArgs(), '-d', out, '--restore-test', '--progress', 'json']);
      expect(r.code, r.stderr).toBe(0);
      const ev = events(r.stdout);
      expect(ev.some((e) => e.kind === 'info' && e.message?.includes('an earlier drill left behind') && e.message.includes(left))).toBe(true);
      expect(ev.some((e) => e.kind === 'warning' && e.message?.includes(alike) && /left alone/.test(e.message))).toBe(true);
      const exists = async (name: string): Promise<boolean> => Number(await admin.scalar('SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [name])) > 0;
      expect(await exists(left)).toBe(false);
      expect(await exists(alike)).toBe(true);
      expect(Number(await admin.scalar("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'tsload_progress' AND TABLE_NAME = 'runs'")) === 0 || Number(await admin.scalar('SELECT COUNT(*) FROM tsload_progress.runs WHERE target_db = ?', [left])) === 0).toBe(true);
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS \`${alike}\`; DROP DATABASE IF EXISTS \`${left}\``);
      await cleanupLoads(alike, [left], []);
    }
  });
});
