/**
 * Script import, the deferred clauses: a table's secondary indexes as soon as its rows are in
 * (loadImportData calls buildImportIndexes), and step 8, the foreign keys once every table is loaded.
 */
import { qualified } from '../core/ident.js';
import { createTableCounter } from '../format/create-table.js';
import type { PlannedTable } from '../format/script-plan.js';
import { setCounter } from './counter-restore.js';
import type { DeferredClause } from './ddl.js';
import { addMissingClauses, showCreateTable } from './deferred-clauses.js';
import { IMPORT_STEP, ddlClient, inDdlCharset, interrupted, openImportSession, wire, wireQualified, type ImportContext, type ImportTableWork, type ImportTarget } from './import-context.js';
import { tableIdentity } from './resume-check.js';
import { onGuardedSession } from './session-guard.js';

/**
 * Adds the deferred clauses of a table (secondary indexes, foreign keys) not there yet, as our own
 * loads do (index-steps.ts): on a session of its own, killed on the server when the load stops, and
 * retried on a fresh connection after a transient error (what exists is read again first). The
 * table's identity is recorded again after the ALTER (it changes the table's id). What a killed
 * run's ALTER left running is waited for (deferred-clauses.ts).
 */
async function addMissing(ctx: ImportContext, t: ImportTarget, planned: PlannedTable, what: 'indexes' | 'foreign keys', create: string, clauses: readonly DeferredClause[]): Promise<void> {
  const table = planned.name;
  const object = { database: t.name, table };
  await onGuardedSession(ctx, `adding the ${what} of ${t.name}.${table}`, object, () => openImportSession(ctx, what), async (s) => {
    await ctx.progress.recordStep(t.name, IMPORT_STEP.table(table), 'pending');
    // the clauses are in the script's bytes (wire form): the table's definition is read into the same
    const showCreate = async (): Promise<string> => wire(await showCreateTable(ctx.control, qualified(t.name, table)), 'utf8mb4');
    await inDdlCharset(s, planned.ddlCharset, () => addMissingClauses(s, { target: wireQualified(t.name, table, ddlClient(ctx, planned)), object, showCreate }, clauses));
    await ctx.progress.recordStep(t.name, IMPORT_STEP.table(table), (await tableIdentity(ctx, t.name, table)) ?? '');
  });
  // the ALTER may have recomputed the counter the file's CREATE TABLE set (a table with a virtual
  // column: max(id) + 1), where `mariadb < file` keeps it
  const counter = createTableCounter(create);
  if (counter !== null) await setCounter(ctx, t.name, table, BigInt(counter), () => openImportSession(ctx, what), wireQualified(t.name, table, ctx.charset));
}

/** A table's deferred secondary indexes (those not there yet), recorded when done. */
export async function buildImportIndexes(ctx: ImportContext, w: ImportTableWork): Promise<void> {
  const { target: t, table, split } = w;
  const step = IMPORT_STEP.indexes(table.name);
  if (t.steps.has(step)) return;
  if (split.indexes.length > 0) {
    const started = Date.now();
    await addMissing(ctx, t, table, 'indexes', split.create, split.indexes);
    ctx.reporter.emit({ kind: 'table-done', phase: 'indexes', database: t.name, table: table.name, rows: 0, bytes: 0, seconds: (Date.now() - started) / 1000 });
  }
  await ctx.progress.recordStep(t.name, step);
  t.steps.set(step, '');
}

/** Step 8: foreign keys once every table is loaded. */
export async function addImportForeignKeys(ctx: ImportContext, work: readonly ImportTableWork[]): Promise<void> {
  for (const { target: t, table, split } of work) {
    const step = IMPORT_STEP.foreignKeys(table.name);
    if (t.steps.has(step)) continue;
    if (ctx.signal?.aborted) throw interrupted();
    if (split.foreignKeys.length > 0) await addMissing(ctx, t, table, 'foreign keys', split.create, split.foreignKeys);
    await ctx.progress.recordStep(t.name, step);
    t.steps.set(step, '');
  }
}
