import { qualified } from '../core/ident.js';
import { alterStatements } from './ddl.js';
import { isKept } from './existing-tables.js';
import { openIndexSession, type LoadContext, type TableWork } from './load-context.js';
import { recordIdentity } from './resume-check.js';
import { STEP } from './resume-state.js';

/**
 * Deferred DDL after the data: a table's secondary indexes (step 7, as soon as its data is in) and
 * foreign keys (step 8, once every table is loaded). Each adds only what is missing, and is recorded
 * when done. A table kept as it was found (--drop-table append, --no-schema) is not altered.
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
  const s = await openIndexSession(ctx);
  try {
    const object = { database: db.name, table: table.name };
    const existing = new Set((await s.query<{ n: string }>('SELECT DISTINCT INDEX_NAME AS n FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [db.name, table.name])).map((r) => r.n));
    const missing = split.indexes.filter((c) => !existing.has(c.name));
    await recordIdentity(ctx, db, table.name, true);
    for (const q of alterStatements(qualified(db.name, table.name), missing)) await s.exec(q, [], object);
    await ctx.progress.recordStep(db.name, name);
    db.steps.set(name, '');
    await recordIdentity(ctx, db, table.name);
  } finally {
    await s.close();
  }
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
    const existing = new Set(
      (await ctx.control.query<{ n: string }>("SELECT CONSTRAINT_NAME AS n FROM information_schema.TABLE_CONSTRAINTS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND CONSTRAINT_TYPE = 'FOREIGN KEY'", [db.name, table.name])).map((r) => r.n),
    );
    const missing = split.foreignKeys.filter((c) => !existing.has(c.name));
    await recordIdentity(ctx, db, table.name, true);
    for (const q of alterStatements(qualified(db.name, table.name), missing)) await ctx.control.exec(q, [], { database: db.name, table: table.name });
    await ctx.progress.recordStep(db.name, name);
    db.steps.set(name, '');
    await recordIdentity(ctx, db, table.name);
  }
}
