import { TsError, messageOf } from '../core/errors.js';
import { qualified } from '../core/ident.js';
import type { DeferredClause } from './ddl.js';
import { addMissingClauses, showCreateTable } from './deferred-clauses.js';
import { isKept } from './existing-tables.js';
import { KEY_TOO_LONG_FIX, refuseShortenedIndexes, rewritesKeys } from './key-warnings.js';
import { openIndexSession, type LoadContext, type TableWork } from './load-context.js';
import { recordIdentity } from './resume-check.js';
import { STEP } from './resume-state.js';
import { onGuardedSession } from './session-guard.js';

/**
 * Deferred DDL after the data: a table's secondary indexes (step 7, as soon as its data is in) and
 * foreign keys (step 8, once every table is loaded). Each adds only what is missing, and is recorded
 * when done (what a killed run's ALTER left running is waited for: deferred-clauses.ts). A table kept
 * as it was found (--drop-table append, --no-schema) is not altered.
 */
export async function buildIndexes(ctx: LoadContext, w: TableWork): Promise<void> {
  const { db, table, split } = w;
  const name = STEP.indexes(table.name);
  if (db.steps.has(name)) return;
  if (split.indexes.length === 0 || isKept(db, table.name)) {
    await ctx.progress.recordStep(db.name, name);
    db.steps.set(name, '');
    return;
  }
  const started = Date.now();
  const object = { database: db.name, table: table.name };
  const target = qualified(db.name, table.name);
  try {
    await onGuardedSession(ctx, `adding the indexes of ${target}`, object, () => openIndexSession(ctx), async (s) => {
      await recordIdentity(ctx, db, table.name, true);
      const checked = rewritesKeys(ctx) ? (clauses: readonly DeferredClause[]) => refuseShortenedIndexes(s, { target, object }, clauses) : undefined;
      await addMissingClauses(s, { target, object, showCreate: () => showCreateTable(s, target), checked }, split.indexes);
    });
  } catch (e) {
    throw indexError(e, target, split.indexes.map((c) => c.name));
  }
  await ctx.progress.recordStep(db.name, name);
  db.steps.set(name, '');
  await recordIdentity(ctx, db, table.name);
  // rows and bytes: the table's, the measure of an index build's work (the run's ETA is weighted by it)
  ctx.reporter.emit({ kind: 'table-done', phase: 'indexes', database: db.name, table: table.name, rows: table.rows, bytes: table.bytes, seconds: (Date.now() - started) / 1000 });
}

export async function addForeignKeys(ctx: LoadContext, work: readonly TableWork[]): Promise<void> {
  for (const w of work) {
    const { db, table, split } = w;
    const name = STEP.foreignKeys(table.name);
    if (db.steps.has(name)) continue;
    if (split.foreignKeys.length === 0 || isKept(db, table.name)) {
      await ctx.progress.recordStep(db.name, name);
      db.steps.set(name, '');
      continue;
    }
    const target = qualified(db.name, table.name);
    await recordIdentity(ctx, db, table.name, true);
    await addMissingClauses(ctx.control, { target, object: { database: db.name, table: table.name }, showCreate: () => showCreateTable(ctx.control, target) }, split.foreignKeys);
    await ctx.progress.recordStep(db.name, name);
    db.steps.set(name, '');
    await recordIdentity(ctx, db, table.name);
  }
}

/** A failed index build, naming the table and its indexes; a rerun builds what is still missing. */
function indexError(e: unknown, target: string, names: readonly string[]): TsError {
  const err = e instanceof TsError ? e : null;
  const list = names.map((n) => `\`${n.replace(/`/g, '``')}\``).join(', ');
  const suggestion =
    err?.errno === 1062
      ? `the table holds rows that break a UNIQUE index (written into the target during the load by another session, or a source that did not enforce it): remove the duplicates, then rerun the same command (the rows loaded are kept; it resumes at the indexes)`
      : err?.errno === 1709 || err?.errno === 1071
        ? KEY_TOO_LONG_FIX
        : `${err?.suggestion ? `${err.suggestion}; ` : ''}rerun the same command: the rows loaded are kept and it resumes at the indexes`;
  return new TsError({ code: err?.code ?? 'query', message: `adding index(es) ${list} to ${target}: ${messageOf(e)}`, object: err?.object, suggestion, cause: e, errno: err?.errno });
}
