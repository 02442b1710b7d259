/**
 * Helpers of the exactness tests (issue 11): build a source database, dump it with some options,
 * load it under a new name, and compare source and copy with the checker (SHOW CREATE, every
 * column's content hash, AUTO_INCREMENT).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { quoteIdent } from '../../src/core/ident.js';
import { compareDatabases, failures, formatReport } from '../support/checker.js';
import { connArgs, runCli, type CliResult } from '../support/cli.js';
import { adminSession, dropDbs, uniqueDb, type AdminSession } from '../support/server.js';

export interface Variant {
  readonly name: string;
  readonly format: 'csv' | 'sql';
  readonly gzip: boolean;
}

/** Both data formats, compressed and not. */
export const VARIANTS: readonly Variant[] = [
  { name: 'csv', format: 'csv', gzip: false },
  { name: 'csv+gzip', format: 'csv', gzip: true },
  { name: 'sql', format: 'sql', gzip: false },
  { name: 'sql+gzip', format: 'sql', gzip: true },
];

/** Databases and directories a test file made; `cleanup()` in afterAll removes them. */
export class Scratch {
  readonly dbs: string[] = [];
  readonly dirs: string[] = [];

  db(prefix: string): string {
    const name = uniqueDb(prefix);
    this.dbs.push(name);
    return name;
  }

  dir(prefix: string): string {
    const d = mkdtempSync(path.join(os.tmpdir(), `tsdump-${prefix}-`));
    this.dirs.push(d);
    return d;
  }

  async cleanup(): Promise<void> {
    await dropDbs(...this.dbs);
    for (const d of this.dirs) rmSync(d, { recursive: true, force: true });
  }
}

/** Runs SQL statements (several at once) in `db` on a session of their own, with the given sql_mode. */
export async function runSql(db: string | null, sql: string, sqlMode?: string): Promise<void> {
  const admin = await adminSession();
  try {
    if (db !== null) await admin.query(`CREATE DATABASE IF NOT EXISTS ${quoteIdent(db)}; USE ${quoteIdent(db)}`);
    if (sqlMode !== undefined) await admin.query(`SET SESSION sql_mode = '${sqlMode}'`);
    await admin.query(sql);
  } finally {
    await admin.close();
  }
}

export async function dump(scratch: Scratch, db: string, v: Variant, extra: readonly string[] = []): Promise<{ out: string; result: CliResult }> {
  const out = path.join(scratch.dir('exact'), 'dump');
  const result = await runCli('tsdump', [...connArgs(), '-B', db, '-o', out, '--format', v.format, ...(v.gzip ? ['-c', 'gzip'] : []), '-q', ...extra], { timeoutMs: 300_000 });
  return { out, result };
}

export async function load(out: string, target: string, extra: readonly string[] = []): Promise<CliResult> {
  return runCli('tsload', [...connArgs(), '-d', out, '-B', target, '-q', ...extra], { timeoutMs: 300_000 });
}

/** Dump `db` in variant `v`, load it as a new database, expect both to succeed; returns the copy's name. */
export async function roundTrip(scratch: Scratch, db: string, v: Variant, dumpExtra: readonly string[] = [], loadExtra: readonly string[] = []): Promise<{ copy: string; out: string }> {
  const { out, result } = await dump(scratch, db, v, dumpExtra);
  expect(result.code, `tsdump ${v.name} failed:\n${result.stderr}`).toBe(0);
  const copy = scratch.db(`${db.slice(0, 12)}_copy`);
  const l = await load(out, copy, loadExtra);
  expect(l.code, `tsload ${v.name} failed:\n${l.stderr}`).toBe(0);
  return { copy, out };
}

/** The checker's verdict on source and copy: every object equal (SHOW CREATE, content, options). */
export async function expectSameDatabase(admin: AdminSession, src: string, copy: string, label: string): Promise<void> {
  const results = await compareDatabases(admin, src, copy);
  expect(failures(results), formatReport(results, label)).toEqual([]);
}
