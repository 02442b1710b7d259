/**
 * Issue 5: `tsdump bench` times dumps of a real table over a grid and prints a ranked table (or JSON),
 * leaving no temp directory and no scratch database behind; `tsload bench`'s orchestration with a stand-in
 * loader. No timing assertions: only shapes.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandGrid } from '../../src/bench/grid.js';
import type { LoadBenchOptions, LoadCall, LoadFn } from '../../src/bench/load-bench.js';
import { REPO_ROOT, connArgs, runCli } from '../support/cli.js';
import type { AdminSession } from '../support/server.js';
import { adminSession, dropDbs, testServer, uniqueDb } from '../support/server.js';

interface JsonResult {
  setting: { statementSize: number; threads: number; rowsPerTransaction?: number };
  label: string;
  seconds: number[];
  medianSeconds: number;
  minSeconds: number;
  maxSeconds: number;
  bytes: number;
  rows: number;
  mbPerSecond: number;
  rowsPerSecond: number;
}

interface JsonReport {
  version: number;
  tool: string;
  table: string;
  repeat: number;
  seed: number;
  results: JsonResult[];
  recommended: { label: string; marginPercent: number | null; nextBest: string | null } | null;
}

describe('tsdump bench', () => {
  let admin: AdminSession;
  const db = uniqueDb('bench_src');
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'tsdump-bench-test-'));

  beforeAll(async () => {
    admin = await adminSession();
    await admin.query(`CREATE DATABASE \`${db}\``);
    await admin.query(`CREATE TABLE \`${db}\`.t (id INT PRIMARY KEY, name VARCHAR(40), note TEXT)`);
    const values = Array.from({ length: 2000 }, (_, i) => `(${i + 1}, 'name ${i}', REPEAT('x', ${i % 200}))`).join(',');
    await admin.query(`INSERT INTO \`${db}\`.t VALUES ${values}`);
  });

  afterAll(async () => {
    await dropDbs(db);
    rmSync(tmp, { recursive: true, force: true });
    await admin?.close();
  });

  const scratchDbs = async (): Promise<string[]> =>
    (await admin.query<{ name: string }>(`SELECT schema_name AS name FROM information_schema.schemata WHERE schema_name LIKE 'tsbench\\_%'`)).map((r) => r.name);

  it('prints a ranked table and a recommendation for a 2-cell grid', async () => {
    const before = await scratchDbs();
    const r = await runCli('tsdump', ['bench', ...connArgs(), '-B', db, '-T', `${db}.t`, '--statement-sizes', '64K,1M', '--threads-list', '2', '--repeat', '1', '--warmup', '0', '--seed', '7', '--tmpdir', tmp]);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toContain(`tsdump bench of ${db}.t: 2 settings × 1 run (seed 7)`);
    const header = lines.find((l) => l.startsWith('#'));
    expect(header).toMatch(/#\s+setting\s+median s\s+min–max s\s+MB\/s\s+rows\/s/);
    const rows = lines.filter((l) => /^\d+\s+stmt /.test(l));
    expect(rows).toHaveLength(2);
    expect(rows.map((l) => /stmt (\S+),/.exec(l)?.[1]).sort()).toEqual(['1M', '64K']);
    for (const l of rows) expect(l).toMatch(/2 threads\s+\d+\.\d{3}\s+\d+\.\d{3}–\d+\.\d{3}\s+\d+\.\d\s+[\d,]+$/);
    expect(r.stdout).toMatch(/recommended: stmt (64K|1M), 2 threads \(median \d+\.\d{3} s\), -?\d+\.\d% faster than the next best, stmt (64K|1M), 2 threads/);
    // one progress line per run on stderr
    expect(r.stderr.split('\n').filter((l) => /^\[\d\/2\] stmt/.test(l))).toHaveLength(2);
    expect(readdirSync(tmp)).toEqual([]);
    expect(await scratchDbs()).toEqual(before);
  });

  it('prints machine-readable results with --json', async () => {
    const r = await runCli('tsdump', ['bench', ...connArgs(), '-T', `${db}.t`, '--statement-sizes', '256K', '--threads-list', '1,2', '--repeat', '1', '--warmup', '0', '--json', '-q', '--tmpdir', tmp]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const doc = JSON.parse(r.stdout) as JsonReport;
    expect(doc.version).toBe(1);
    expect(doc.tool).toBe('tsdump');
    expect(doc.table).toBe(`${db}.t`);
    expect(doc.repeat).toBe(1);
    expect(Number.isInteger(doc.seed)).toBe(true);
    expect(doc.results).toHaveLength(2);
    expect(doc.results.map((x) => x.setting.threads).sort()).toEqual([1, 2]);
    for (const x of doc.results) {
      expect(x.setting.statementSize).toBe(256 * 1024);
      expect(x.setting.rowsPerTransaction).toBeUndefined();
      expect(x.seconds).toHaveLength(1);
      expect(x.medianSeconds).toBe(x.seconds[0]);
      expect(x.minSeconds).toBeLessThanOrEqual(x.maxSeconds);
      expect(x.rows).toBe(2000);
      expect(x.bytes).toBeGreaterThan(0);
      expect(x.mbPerSecond).toBeGreaterThan(0);
      expect(x.rowsPerSecond).toBeGreaterThan(0);
    }
    expect(doc.results[0]!.medianSeconds).toBeLessThanOrEqual(doc.results[1]!.medianSeconds);
    expect(doc.recommended?.label).toBe(doc.results[0]!.label);
    expect(doc.recommended?.nextBest).toBe(doc.results[1]!.label);
    expect(typeof doc.recommended?.marginPercent).toBe('number');
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('refuses a missing table with a usage error and leaves nothing behind', async () => {
    const r = await runCli('tsdump', ['bench', ...connArgs(), '-T', `${db}.nope`, '--statement-sizes', '64K', '--threads-list', '1', '--repeat', '1', '--warmup', '0', '--tmpdir', tmp]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nope/);
    expect(readdirSync(tmp)).toEqual([]);
  });
});

/**
 * The load benchmark's orchestration (scratch databases, statement-size re-dumps, cleanup) with a
 * stand-in loader that copies the table with SQL, so it is tested apart from the real loader.
 */
// From the build (like the bins): the dump's worker threads load compiled files next to it.
const { runLoadBench } = (await import(path.join(REPO_ROOT, 'dist', 'bench', 'load-bench.js'))) as typeof import('../../src/bench/load-bench.js');

describe('load bench orchestration', () => {
  let admin: AdminSession;
  const db = uniqueDb('benchl_src');
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'tsload-bench-test-'));
  const dumpDir = path.join(tmp, 'dump');

  beforeAll(async () => {
    admin = await adminSession();
    await admin.query(`CREATE DATABASE \`${db}\``);
    await admin.query(`CREATE TABLE \`${db}\`.t (id INT PRIMARY KEY, v VARCHAR(20))`);
    await admin.query(`INSERT INTO \`${db}\`.t VALUES ${Array.from({ length: 500 }, (_, i) => `(${i}, 'v${i}')`).join(',')}`);
    const r = await runCli('tsdump', [...connArgs(), '-B', db, '-o', dumpDir, '--format', 'sql', '-q']);
    expect(r.code, r.stderr).toBe(0);
  });

  afterAll(async () => {
    await dropDbs(db);
    rmSync(tmp, { recursive: true, force: true });
    await admin?.close();
  });

  const scratch = async (): Promise<string[]> =>
    (await admin.query<{ name: string }>(`SELECT schema_name AS name FROM information_schema.schemata WHERE schema_name LIKE 'tsbench\\_%'`)).map((r) => r.name);

  /** Stands in for the loader: copies the table the call names into the target database. */
  const fakeLoad = (calls: LoadCall[], failAt = -1): LoadFn => async (call) => {
    calls.push(call);
    if (calls.length === failAt) throw new Error('loader failed on purpose');
    const from = call.source.kind === 'local' && call.source.dir === dumpDir ? db : call.table.database;
    await admin.query(`CREATE DATABASE IF NOT EXISTS \`${call.targetDatabase}\``);
    await admin.query(`CREATE TABLE \`${call.targetDatabase}\`.\`${call.table.table}\` AS SELECT * FROM \`${from}\`.\`${call.table.table}\``);
    return { bytes: 1000, rows: 500 };
  };

  const options = (): LoadBenchOptions => {
    const s = testServer();
    return {
      connection: { host: s.host, port: s.port, user: s.user, password: s.password },
      source: { kind: 'local', dir: dumpDir },
      table: null,
      plan: { cells: expandGrid({ statementSizes: [65536, 1048576], threads: [2], rowsPerTransaction: [100, 1000] }), repeat: 1, warmup: 0, seed: 3 },
      chunkBytes: 64 * 1024 * 1024,
      chunkRows: null,
      tmpDir: tmp,
      toolVersion: 'test',
    };
  };

  it('loads into a scratch database per run, from one re-dump per statement size, and drops everything', async () => {
    const before = await scratch();
    const calls: LoadCall[] = [];
    const report = await runLoadBench(options(), fakeLoad(calls));
    expect(report.tool).toBe('tsload');
    expect(report.table).toBe(`${db}.t`);
    expect(report.results).toHaveLength(4);
    expect(report.results.every((r) => r.rows === 500 && r.seconds.length === 1)).toBe(true);
    expect(report.recommendation?.best.label).toBe(report.results[0]!.label);
    // first call copies the dump's table into the source scratch db; then one call per cell
    expect(calls).toHaveLength(5);
    expect(calls[0]!.source).toEqual({ kind: 'local', dir: dumpDir });
    expect(calls[0]!.targetDatabase).toMatch(/^tsbench_[0-9a-f]{12}_src$/);
    const trialDirs = new Set(calls.slice(1).map((c) => JSON.stringify(c.source)));
    expect(trialDirs.size).toBe(2);
    for (const c of calls.slice(1)) {
      expect(c.targetDatabase).toBe(calls[0]!.targetDatabase.replace(/_src$/, ''));
      expect(c.table.database).toBe(calls[0]!.targetDatabase);
      expect(c.threads).toBe(2);
    }
    expect(calls.slice(1).map((c) => c.rowsPerTransaction).sort()).toEqual([100, 100, 1000, 1000]);
    expect(await scratch()).toEqual(before);
    expect(readdirSync(tmp)).toEqual(['dump']);
  });

  it('drops the scratch databases and removes temp files when a load fails', async () => {
    const before = await scratch();
    const calls: LoadCall[] = [];
    await expect(runLoadBench(options(), fakeLoad(calls, 3))).rejects.toThrow(/on purpose/);
    expect(calls).toHaveLength(3);
    expect(await scratch()).toEqual(before);
    expect(readdirSync(tmp)).toEqual(['dump']);
  });
});

describe('tsload bench with the real loader', () => {
  let admin: AdminSession;
  const db = uniqueDb('benchr_src');
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'tsload-bench-real-'));
  const dumpDir = path.join(tmp, 'dump');

  beforeAll(async () => {
    admin = await adminSession();
    await admin.query(`CREATE DATABASE \`${db}\``);
    await admin.query(`CREATE TABLE \`${db}\`.t (id INT PRIMARY KEY, v VARCHAR(20), KEY (v))`);
    await admin.query(`INSERT INTO \`${db}\`.t VALUES ${Array.from({ length: 800 }, (_, i) => `(${i}, 'v${i}')`).join(',')}`);
    const r = await runCli('tsdump', [...connArgs(), '-B', db, '-o', dumpDir, '-q']);
    expect(r.code, r.stderr).toBe(0);
  });

  afterAll(async () => {
    await dropDbs(db);
    rmSync(tmp, { recursive: true, force: true });
    await admin?.close();
  });

  it('times loads of the table over a 2-cell grid and leaves no scratch database', async () => {
    const { loadWithLoader } = (await import(path.join(REPO_ROOT, 'dist', 'bench', 'load-adapter.js'))) as typeof import('../../src/bench/load-adapter.js');
    const s = testServer();
    const before = await admin.query<{ n: string }>(`SELECT schema_name AS n FROM information_schema.schemata`);
    const report = await runLoadBench(
      {
        connection: { host: s.host, port: s.port, user: s.user, password: s.password },
        source: { kind: 'local', dir: dumpDir },
        table: { database: db, table: 't' },
        plan: { cells: expandGrid({ statementSizes: [65536], threads: [1], rowsPerTransaction: [100, 1000] }), repeat: 1, warmup: 0, seed: 1 },
        chunkBytes: null,
        chunkRows: 300,
        tmpDir: tmp,
        toolVersion: 'test',
      },
      loadWithLoader,
    );
    expect(report.results).toHaveLength(2);
    for (const r of report.results) expect(r.rows).toBe(800);
    // Other test files create and drop databases meanwhile: compare the bench's scratch databases
    // only, and check that nothing is recorded in tsload_progress for them.
    const names = (rows: { n: string }[]): string[] => rows.map((r) => r.n).filter((n) => n.startsWith('tsbench')).sort();
    const after = await admin.query<{ n: string }>(`SELECT schema_name AS n FROM information_schema.schemata`);
    expect(names(after)).toEqual(names(before));
    const memos = await admin.scalar("SELECT COUNT(*) FROM tsload_progress.runs WHERE target_db LIKE 'tsbench%'").catch(() => 0);
    expect(Number(memos)).toBe(0);
    expect(readdirSync(tmp)).toEqual(['dump']);
  });
});
