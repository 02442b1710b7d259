import { TsError } from '../core/errors.js';
import { qualified } from '../core/ident.js';
import { clashingObjects, describeExisting, OBJECT_CLASH_FIX, readExistingObjects } from './existing-objects.js';
import type { LoadContext, TargetDb } from './load-context.js';
import { STEP } from './resume-state.js';

/**
 * A fresh load meeting tables that exist already (--drop-table, --no-schema): what is refused
 * (before anything is changed, checkExistingTables) and what is done to them
 * (prepareExistingTables, once the progress tables exist).
 *
 * A table kept as it is (append, or any table under --no-schema) keeps its definition: the loader
 * adds no index or foreign key to it, and records `kept:<t>` with 'rows' when it held rows before
 * the load (a merge: verification then cannot compare its counts with the dump's, verify-step.ts)
 * or 'empty'.
 */
async function tableExists(ctx: LoadContext, db: string, table: string): Promise<boolean> {
  return Number(await ctx.control.scalar('SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [db, table])) > 0;
}

async function holdsRows(ctx: LoadContext, db: string, table: string): Promise<boolean> {
  return (await ctx.control.scalar(`SELECT 1 FROM ${qualified(db, table)} LIMIT 1`)) !== null;
}

export async function checkExistingTables(ctx: LoadContext, t: TargetDb, objectsOurs = false): Promise<void> {
  const { opts } = ctx;
  const missing: string[] = [];
  for (const tb of t.source.tables) {
    const object = { database: t.name, table: tb.name };
    if (!(await tableExists(ctx, t.name, tb.name))) {
      if (opts.restore.noSchema) missing.push(qualified(t.name, tb.name));
      continue;
    }
    if (opts.dropTable === 'fail' && !opts.restore.noSchema) {
      throw new TsError({ code: 'query', message: `table ${qualified(t.name, tb.name)} already exists in the target; refusing to load into it`, object, suggestion: 'load into another database (-B/--rename), or pass --drop-table drop (replace it), --drop-table truncate (keep its definition, empty it) or --drop-table append (load into it as it is)' });
    }
    if (opts.dropTable === 'fail' && (await holdsRows(ctx, t.name, tb.name))) {
      throw new TsError({ code: 'query', message: `table ${qualified(t.name, tb.name)} already holds rows; --no-schema loads into empty tables unless told otherwise`, object, suggestion: 'pass --drop-table truncate (empty it first) or --drop-table append (add the dump\'s rows to it, with --on-duplicate ignore|replace for rows whose key is there already)' });
    }
  }
  if (missing.length > 0) {
    throw new TsError({ code: 'query', message: `--no-schema loads rows into existing tables, but ${missing.length} do not exist: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', …' : ''}`, object: { database: t.name }, suggestion: 'create them first (a load without --no-schema does), or leave them out with -T / --ignore-table' });
  }
  // a finished load of this dump being replaced: the objects of its names are the ones it created
  if (!objectsOurs) await checkExistingObjects(ctx, t);
}

/** The dump's views, routines, triggers and events must not replace the user's (existing-objects.ts). */
async function checkExistingObjects(ctx: LoadContext, t: TargetDb): Promise<void> {
  if (ctx.opts.dropTable === 'drop' || ctx.opts.restore.noSchema) return;
  const existing = (await readExistingObjects(ctx.control, [t.name])).get(t.name) ?? [];
  const lctn = Number(await ctx.control.scalar('SELECT @@lower_case_table_names')) !== 0;
  const clash = clashingObjects(t.source.objects, existing, lctn);
  if (clash.length === 0) return;
  const names = clash.map((o) => describeExisting(t.name, o));
  throw new TsError({
    code: 'query',
    message: `${names.slice(0, 10).join(', ')}${names.length > 10 ? `, … (${names.length} in all)` : ''} already exist${clash.length === 1 ? 's' : ''} in the target, and the dump creates objects of those names; this load did not create them and would replace them`,
    object: { database: t.name },
    suggestion: OBJECT_CLASH_FIX,
  });
}

export async function prepareExistingTables(ctx: LoadContext, t: TargetDb): Promise<void> {
  const { opts, control } = ctx;
  for (const tb of t.source.tables) {
    const object = { database: t.name, table: tb.name };
    if (!(await tableExists(ctx, t.name, tb.name))) continue;
    if (opts.dropTable === 'drop' && !opts.restore.noSchema) {
      await control.exec(`DROP TABLE IF EXISTS ${qualified(t.name, tb.name)}`, [], object);
      continue;
    }
    if (opts.dropTable === 'truncate') await control.exec(`TRUNCATE TABLE ${qualified(t.name, tb.name)}`, [], object);
    if (opts.dropTable === 'append' || opts.restore.noSchema) {
      const info = (await holdsRows(ctx, t.name, tb.name)) ? 'rows' : 'empty';
      await ctx.progress.recordStep(t.name, STEP.kept(tb.name), info);
      t.steps.set(STEP.kept(tb.name), info);
    }
  }
}

/** The table was kept as it was found (its definition is not ours to change). */
export function isKept(t: TargetDb, table: string): boolean {
  return t.steps.has(STEP.kept(table));
}

/** The table held rows before the load: the dump's rows were merged into them. */
export function isMerged(t: TargetDb, table: string): boolean {
  return t.steps.get(STEP.kept(table)) === 'rows';
}

