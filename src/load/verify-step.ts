import { keyRangesMisread } from '../core/engines.js';
import { TsError } from '../core/errors.js';
import type { Session } from '../db/session.js';
import { isMerged } from './existing-tables.js';
import { openVerifySession, type LoadContext, type TargetDb } from './load-context.js';
import { killOnAbort } from './session-guard.js';
import { verifyTables, type Mismatch, type VerifyTarget } from './verify.js';

/**
 * Step 11: every loaded table against the manifest, in parallel sessions. A table that held rows
 * before the load (--drop-table append, --no-schema) cannot match the dump's counts: with
 * --on-duplicate error or replace every dumped row is in it, so each chunk's key range must hold at
 * least the chunk's rows; with ignore a dumped row may have been left out for an existing one, so
 * its counts are not compared (each statement's warnings other than duplicate keys still fail the load).
 * Its totals are the tables' rows and bytes from the start (announceVerify, with the run's start),
 * and each check is reported as it finishes, so the phase moves and the run's ETA counts it.
 */
export async function verifyLoad(ctx: LoadContext, targets: readonly TargetDb[]): Promise<Mismatch[]> {
  const started = Date.now();
  const merged = ctx.opts.restore.onDuplicate === 'ignore' ? 'none' : 'at-least';
  const engines = await targetEngines(ctx, targets);
  const list: VerifyTarget[] = targets.flatMap((t) =>
    t.source.tables.map((table) => ({ database: t.name, table, compare: isMerged(t, table.name) ? merged : 'exact', rangesMisread: keyRangesMisread(engines.get(`${t.name}\u0000${table.name}`) ?? null, table) })),
  );
  for (const v of list.filter((x) => x.compare !== 'exact')) {
    ctx.reporter.emit({ kind: 'info', message: `verify: ${v.database}.${v.table.name} held rows before the load: ${v.compare === 'none' ? 'merged with --on-duplicate ignore, its counts are not compared' : 'checked that every chunk\'s key range holds at least the dump\'s rows (no checksums)'}` });
  }
  ctx.reporter.emit({ kind: 'phase-start', phase: 'verify', total: verifyTotals(list), exact: true });
  const tableDone = (v: VerifyTarget): void => {
    ctx.reporter.emit({ kind: 'table-done', phase: 'verify', database: v.database, table: v.table.name, rows: v.table.rows, bytes: v.table.bytes, seconds: (Date.now() - started) / 1000 });
  };
  // nothing to compare: done at once (the phase's totals still count it)
  for (const v of list.filter((x) => x.compare === 'none')) tableDone(v);
  const checks = new Map<VerifyTarget, number>();
  const onChecked = (v: VerifyTarget, chunk: number, rows: number, bytes: number, seconds: number): void => {
    ctx.reporter.emit({ kind: 'chunk-done', phase: 'verify', database: v.database, table: v.table.name, chunk, rows, bytes, seconds });
    const done = (checks.get(v) ?? 0) + 1;
    checks.set(v, done);
    // a table is one check (chunk 0), or one per chunk
    if (chunk === 0 || done === v.table.chunks.length) tableDone(v);
  };
  // a stop (SIGINT/SIGTERM) kills the running checksums on the server: a full scan can take long
  const releases: (() => void)[] = [];
  const open = async (): Promise<Session> => {
    const s = await openVerifySession(ctx);
    releases.push(killOnAbort(ctx, s));
    return s;
  };
  let out: Mismatch[];
  try {
    out = await verifyTables(open, list, ctx.opts.threads, onChecked, ctx.signal);
  } catch (e) {
    if (!ctx.signal?.aborted) throw e;
    out = [];
  } finally {
    for (const release of releases) release();
  }
  if (ctx.signal?.aborted) throw new TsError({ code: 'interrupted', message: 'interrupted during verification; rerun the same command to verify again (the data is loaded)' });
  ctx.reporter.emit({ kind: 'phase-done', phase: 'verify', seconds: (Date.now() - started) / 1000 });
  return out;
}

/** The engine of every table in the target databases, by database and table (the target's, whatever the dump's was). */
async function targetEngines(ctx: LoadContext, targets: readonly TargetDb[]): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>();
  for (const t of targets) {
    const rows = await ctx.control.query<{ n: string; e: string | null }>('SELECT TABLE_NAME AS n, ENGINE AS e FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?', [t.name]);
    for (const r of rows) out.set(`${t.name}\u0000${r.n}`, r.e);
  }
  return out;
}

export function verifyTotals(list: readonly VerifyTarget[]): { tables: number; chunks: number; rows: number; bytes: number } {
  return { tables: list.length, chunks: 0, rows: list.reduce((n, v) => n + v.table.rows, 0), bytes: list.reduce((n, v) => n + v.table.bytes, 0) };
}

/** The verify phase's work, announced when the load starts so the display and the ETA know it. */
export function announceVerify(ctx: LoadContext, targets: readonly TargetDb[]): void {
  const list = targets.flatMap((t) => t.source.tables.map((table) => ({ database: t.name, table })));
  ctx.reporter.emit({ kind: 'totals', phase: 'verify', total: verifyTotals(list), exact: true });
}
