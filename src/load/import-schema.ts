/**
 * Script import, steps 5 and 6: the run record per target database (resume, another script, or a
 * fresh load where what exists already is refused / dropped / truncated), then the databases and
 * tables — tables without their secondary indexes and foreign keys, as in our own loads.
 */
import { TsError } from '../core/errors.js';
import { qualified } from '../core/ident.js';
import type { PlannedTable } from '../format/script-plan.js';
import { convertUtf8mb4, convertUtf8mb4Table, ifNotExists, renameDatabases, rewriteEngine, splitCreateTable } from './ddl.js';
import { IMPORT_STEP, ddlClient, encodeName, inDdlCharset, openImportSession, wire, wireIdent, type ImportContext, type ImportTableWork, type ImportTarget } from './import-context.js';
import { statementError } from './import-errors.js';
import { importSelection, selectionDiffers, differingSelection } from './import-filter.js';
import { chunkKey, mergedTableSuggestion, targetChanged } from './progress-store.js';
import { differingOption, resultOptions, optionsDiffer } from './result-options.js';
import { alreadyLoaded, identityChanged, stillLoaded, tableIdentity } from './resume-check.js';
import { killOnAbort } from './session-guard.js';
import { deleteHistory } from './chunk-load.js';
import { rollsBack } from '../core/engines.js';

const OBJECT_TABLES: Record<string, [string, string, string]> = {
  view: ['information_schema.VIEWS', 'TABLE_SCHEMA', 'TABLE_NAME'],
  trigger: ['information_schema.TRIGGERS', 'TRIGGER_SCHEMA', 'TRIGGER_NAME'],
  procedure: ['information_schema.ROUTINES', 'ROUTINE_SCHEMA', 'ROUTINE_NAME'],
  function: ['information_schema.ROUTINES', 'ROUTINE_SCHEMA', 'ROUTINE_NAME'],
  event: ['information_schema.EVENTS', 'EVENT_SCHEMA', 'EVENT_NAME'],
};

async function exists(ctx: ImportContext, kind: string, db: string, name: string): Promise<boolean> {
  if (kind === 'table') return Number(await ctx.control.scalar('SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [db, name])) > 0;
  const [view, schemaCol, nameCol] = OBJECT_TABLES[kind]!;
  return Number(await ctx.control.scalar(`SELECT COUNT(*) FROM ${view} WHERE ${schemaCol} = ? AND ${nameCol} = ?`, [db, name])) > 0;
}

async function databaseExists(ctx: ImportContext, db: string): Promise<boolean> {
  return Number(await ctx.control.scalar('SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [db])) > 0;
}

/** The target table's engine rolls back; it is system-versioned (MariaDB). */
async function tableKind(ctx: ImportContext, db: string, table: string): Promise<{ transactional: boolean; versioned: boolean }> {
  const rows = await ctx.control.query<{ ENGINE: string | null; TABLE_TYPE: string | null }>('SELECT ENGINE, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [db, table]);
  return { transactional: rollsBack(rows[0]?.ENGINE ?? null), versioned: rows[0]?.TABLE_TYPE === 'SYSTEM VERSIONED' };
}

/**
 * Step 5: resume, refuse, or start fresh (applying --drop-table to the tables that exist). A part
 * of the dump (filters, --no-data, --no-schema) records what it covers with its run: a resume
 * asking for another part is refused, naming the option. A finished load's memo (the same file,
 * the same part, its tables still the ones it loaded) makes a rerun under --drop-table fail or
 * append verify only, as for our own dumps (resume-check.ts).
 */
export async function openImportProgress(ctx: ImportContext): Promise<void> {
  const { progress: store, opts, control } = ctx;
  const have = await store.exists();
  const fresh: ImportTarget[] = [];
  const noSchema = opts.restore.noSchema;
  for (const t of ctx.targets) {
    const sourceDb = t.source.name ?? '';
    const selection = importSelection(t.source, ctx.plan.objects, opts.restore);
    let run = have ? await store.run(t.name) : null;
    const sameLoad = run?.completedAt && run.dumpId === ctx.dumpId && run.sourceDb === sourceDb && (opts.dropTable === 'fail' || opts.dropTable === 'append') && differingSelection(run.options, selection) === null;
    if (run?.completedAt && sameLoad && (await stillLoaded(ctx, t.name, t.source.tables.filter((tb) => tb.complete).map((tb) => tb.name)))) {
      // as for our own dumps: the finished load stands, another result is not what it holds
      const other = differingOption(run.options, resultOptions(opts));
      if (other) throw optionsDiffer(t.name, other, true);
      ctx.reporter.emit({ kind: 'info', message: alreadyLoaded(t.name, 'file', run.completedAt, opts.dropTable, opts.restore.noSchema) });
      t.done = true;
      // the memo keeps which tables held rows before the load: their verification is a merge's
      t.steps = await store.steps(t.name);
      continue;
    }
    if (run?.completedAt) {
      await store.forget(t.name);
      run = null;
    }
    if (run && !noSchema && !(await databaseExists(ctx, t.name))) {
      // the user dropped what the interrupted load had made (to rerun it otherwise, --skip-definer …):
      // nothing of it is left to skip, so nothing can be skipped wrongly — start over
      ctx.reporter.emit({ kind: 'info', message: `database ${t.name} of an interrupted load no longer exists: loading it from the start` });
      await store.forget(t.name);
      run = null;
    }
    if (run) {
      if (run.dumpId !== ctx.dumpId || run.sourceDb !== sourceDb) {
        throw targetChanged(`database ${t.name} holds an unfinished load of another dump (${run.dumpId}${run.sourceDb ? `, database ${run.sourceDb}` : ''}); this file is ${ctx.dumpId}`, { database: t.name }, `finish that load with its own file, or drop database ${t.name} and delete its rows from tsload_progress.runs/progress/steps`);
      }
      if (run.rowsPerTransaction !== opts.rowsPerTransaction || run.bytesPerTransaction !== opts.bytesPerTransaction) {
        throw new TsError({ code: 'usage', message: `the interrupted load of database ${t.name} used ${run.rowsPerTransaction} statements / ${run.bytesPerTransaction} bytes per transaction`, object: { database: t.name }, suggestion: `resume with --rows-per-transaction ${run.rowsPerTransaction} --bytes-per-transaction ${run.bytesPerTransaction}` });
      }
      const differs = differingSelection(run.options, selection);
      if (differs) throw selectionDiffers(t.name, differs);
      // tables the first run created (indexes deferred or not, engine, charset, UNIQUE keys kept for
      // --on-duplicate) cannot become what other values ask: the resume must use the first run's
      const other = differingOption(run.options, resultOptions(opts));
      if (other) throw optionsDiffer(t.name, other);
      t.resumed = true;
      t.steps = await store.steps(t.name);
      t.progress = await store.chunkProgress(t.name);
      continue;
    }
    if (noSchema) {
      await checkTablesForRows(ctx, t);
      fresh.push(t);
      continue;
    }
    for (const tb of t.source.tables) {
      if (opts.dropTable === 'fail' && (await exists(ctx, 'table', t.name, tb.name))) {
        throw new TsError({ code: 'query', message: `table ${qualified(t.name, tb.name)} already exists in the target; refusing to load into it`, object: { database: t.name, table: tb.name }, suggestion: 'load into another database (-B/--rename), or pass --drop-table drop (replace it), --drop-table truncate (keep its definition, empty it) or --drop-table append (load into it as it is)' });
      }
    }
    for (const o of ctx.plan.objects) {
      if (o.what.kind !== 'object' || o.what.drop || targetOf(ctx, o.database) !== t) continue;
      if (opts.dropTable !== 'drop' && (await exists(ctx, o.what.object, t.name, o.what.name))) {
        throw new TsError({ code: 'query', message: `${o.what.object} ${qualified(t.name, o.what.name)} already exists in the target; refusing to load into it`, object: { database: t.name }, suggestion: 'load into another database (-B/--rename), or pass --drop-table drop to replace what the file creates' });
      }
    }
    fresh.push(t);
  }
  await store.ensure();
  for (const t of fresh) {
    // a fresh load starts from no records: steps left by a run record someone deleted are not its own
    if (have) await store.forget(t.name);
    for (const tb of t.source.tables) {
      const object = { database: t.name, table: tb.name };
      if (noSchema) {
        await keepTable(ctx, t, tb);
        continue;
      }
      if (!(await exists(ctx, 'table', t.name, tb.name))) continue;
      // append: loaded into as it is, recorded as kept, so a resume never takes its rows for the load's
      if (opts.dropTable === 'append' && tb.kind === 'table') {
        await keepTable(ctx, t, tb);
        continue;
      }
      if (opts.dropTable === 'drop') await control.exec(`DROP ${tb.kind === 'sequence' ? 'SEQUENCE' : 'TABLE'} ${qualified(t.name, tb.name)}`, [], object);
      else if (opts.dropTable === 'truncate' && tb.kind === 'table') await control.exec(`TRUNCATE TABLE ${qualified(t.name, tb.name)}`, [], object);
    }
    await store.insertRun({ targetDb: t.name, dumpId: ctx.dumpId, sourceDb: t.source.name ?? '', rowsPerTransaction: opts.rowsPerTransaction, bytesPerTransaction: opts.bytesPerTransaction, options: { ...importSelection(t.source, ctx.plan.objects, opts.restore), ...resultOptions(opts) } });
  }
}

/**
 * --no-schema: rows into tables that exist — every one must (the missing ones named), and hold no
 * rows unless --drop-table truncate (emptied) or append (loaded into as it is) says otherwise.
 */
async function checkTablesForRows(ctx: ImportContext, t: ImportTarget): Promise<void> {
  const missing: string[] = [];
  for (const tb of t.source.tables) {
    const object = { database: t.name, table: tb.name };
    if (!(await exists(ctx, 'table', t.name, tb.name))) missing.push(qualified(t.name, tb.name));
    else if (ctx.opts.dropTable === 'fail' && (await holdsRows(ctx, t.name, tb.name))) {
      throw new TsError({ code: 'query', message: `table ${qualified(t.name, tb.name)} already holds rows; --no-schema loads into empty tables unless told otherwise`, object, suggestion: "pass --drop-table truncate (empty it first) or --drop-table append (add the dump's rows to it)" });
    }
  }
  if (missing.length > 0) {
    throw new TsError({ code: 'query', message: `--no-schema loads rows into existing tables, but ${missing.length} do not exist: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', …' : ''}`, object: { database: t.name }, suggestion: 'create them first (a load without --no-schema does), or leave them out with -T / --ignore-table; nothing was loaded' });
  }
}

async function holdsRows(ctx: ImportContext, db: string, table: string): Promise<boolean> {
  return (await ctx.control.scalar(`SELECT 1 FROM ${qualified(db, table)} LIMIT 1`)) !== null;
}

/**
 * A table that exists and is loaded into as it is (--no-schema, or --drop-table append): emptied
 * under --drop-table truncate, its identity and whether it held rows recorded. 'rows' makes a
 * resume refuse to start a non-transactional table over (its rows are not all the load's) and the
 * verification a merge's.
 */
async function keepTable(ctx: ImportContext, t: ImportTarget, tb: PlannedTable): Promise<void> {
  const object = { database: t.name, table: tb.name };
  if (ctx.opts.dropTable === 'truncate') await ctx.control.exec(`TRUNCATE TABLE ${qualified(t.name, tb.name)}`, [], object);
  const held = (await holdsRows(ctx, t.name, tb.name)) ? 'rows' : 'empty';
  await ctx.progress.recordStep(t.name, IMPORT_STEP.kept(tb.name), held);
  t.steps.set(IMPORT_STEP.kept(tb.name), held);
  const id = (await tableIdentity(ctx, t.name, tb.name)) ?? '';
  await ctx.progress.recordStep(t.name, IMPORT_STEP.table(tb.name), id);
  t.steps.set(IMPORT_STEP.table(tb.name), id);
}

/** The target of statements read while the script was in database `db`. */
export function targetOf(ctx: ImportContext, db: string | null): ImportTarget | undefined {
  const name = ctx.renames.get(db);
  return name === undefined ? undefined : ctx.targets.find((t) => t.name === name);
}

/**
 * Source → target database names, as the script's bytes of a statement read under `charset`
 * (ScriptText.client), for DDL text rewrites. A source name is looked for in its UTF-8 bytes too
 * (what mysqldump writes SHOW CREATE's names in, whatever its SET NAMES).
 */
export function wireRenames(ctx: ImportContext, charset: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, to] of ctx.renames) {
    const from = key ?? ctx.plan.commentDatabase;
    if (from === null) continue;
    const target = wire(to, charset);
    out.set(encodeName(from, 'utf8mb4')!, target);
    const own = encodeName(from, charset);
    if (own !== null) out.set(own, target);
  }
  return out;
}

/** A table's CREATE with the load's rewrites (database names, utf8mb4, engine). */
function rewrittenTable(ctx: ImportContext, t: PlannedTable): string {
  let sql = renameDatabases(t.ddl.text, wireRenames(ctx, ddlClient(ctx, t)));
  if (ctx.opts.convertUtf8mb4) sql = t.kind === 'table' ? convertUtf8mb4Table(sql) : convertUtf8mb4(sql);
  if (ctx.opts.engine && t.kind === 'table') sql = rewriteEngine(sql, ctx.opts.engine);
  return sql;
}

/** Step 6: databases and tables (recorded once created; a resume skips what is recorded). */
export async function createImportSchema(ctx: ImportContext): Promise<ImportTableWork[]> {
  const work: ImportTableWork[] = [];
  const { noSchema, noData } = ctx.opts.restore;
  const s = await openImportSession(ctx, 'schema');
  const unguard = killOnAbort(ctx, s);
  try {
    for (const t of ctx.targets) {
      if (t.done) continue;
      if (!noSchema && !t.steps.has(IMPORT_STEP.database)) {
        let sql = `CREATE DATABASE IF NOT EXISTS ${wireIdent(t.name, ctx.charset)}`;
        const c = t.source.create;
        const charset = c ? /\bDEFAULT\s+(?:CHARACTER\s+SET|CHARSET)\b[^*]*/i.exec(c.text)?.[0] : undefined;
        if (charset) sql += ` ${ctx.opts.convertUtf8mb4 ? convertUtf8mb4Table(charset) : charset}`;
        await s.exec(sql, [], { database: t.name }).catch((e: unknown) => Promise.reject(statementError(e, { file: ctx.files[c?.file ?? 0]!.display, line: c?.line ?? 0, offset: c?.offset ?? 0, database: t.name }, sql)));
        await ctx.progress.recordStep(t.name, IMPORT_STEP.database);
      }
      await s.exec(`USE ${wireIdent(t.name, ctx.charset)}`);
      for (const tb of t.source.tables) {
        if (!tb.complete) continue;
        const rewritten = rewrittenTable(ctx, tb);
        // without rows there is nothing to defer the indexes for; a table kept as it was (--no-schema, append) is not ours to change;
        // under --on-duplicate the UNIQUE keys must act while the rows go in
        const kept = t.steps.has(IMPORT_STEP.kept(tb.name));
        const split = tb.kind === 'table' && !noSchema && !kept ? splitCreateTable(rewritten, ctx.opts.deferIndexes && !noData, ctx.opts.restore.onDuplicate !== 'error') : { create: rewritten, indexes: [], foreignKeys: [] };
        const object = { database: t.name, table: tb.name };
        const file = ctx.files[tb.ddl.file]!.display;
        const at = { file, line: tb.ddl.line, offset: tb.ddl.offset, ...object };
        const recorded = t.steps.get(IMPORT_STEP.table(tb.name));
        if (recorded === undefined && !noSchema) {
          await inDdlCharset(s, tb.ddlCharset, () => s.exec(ifNotExists(split.create), [], object).catch((e: unknown) => Promise.reject(statementError(e, at, split.create))));
          const id = (await tableIdentity(ctx, t.name, tb.name)) ?? '';
          await ctx.progress.recordStep(t.name, IMPORT_STEP.table(tb.name), id);
          t.steps.set(IMPORT_STEP.table(tb.name), id);
        } else {
          const now = await tableIdentity(ctx, t.name, tb.name);
          if (now === null) throw targetChanged(`table ${qualified(t.name, tb.name)} was created by the interrupted load but no longer exists`, object);
          if (recorded !== 'pending' && recorded !== now) throw await identityChanged(ctx, t.name, tb.name, recorded ?? '', now, t.steps);
        }
        if (tb.state.length > 0 && !t.steps.has(IMPORT_STEP.state(tb.name))) {
          for (const st of tb.state) {
            const sql = renameDatabases(st.text, wireRenames(ctx, st.client));
            await s.exec(sql, [], object).catch((e: unknown) => Promise.reject(statementError(e, { file, line: st.line, offset: st.offset, ...object }, sql)));
          }
          await ctx.progress.recordStep(t.name, IMPORT_STEP.state(tb.name));
        }
        if (tb.kind !== 'table') continue;
        const done = (b: { index: number }): boolean => t.progress.get(chunkKey(t.name, tb.name, b.index))?.complete === true;
        let todo = tb.batches.filter((b) => !done(b));
        const { transactional: txn, versioned } = await tableKind(ctx, t.name, tb.name);
        if (t.resumed && todo.length > 0 && !txn) {
          if (t.steps.get(IMPORT_STEP.kept(tb.name)) === 'rows') {
            throw new TsError({ code: 'target-changed', message: `${qualified(t.name, tb.name)} uses a non-transactional engine and held rows before this load: the rows of the batch that was interrupted cannot be told from them`, object, suggestion: mergedTableSuggestion(t.name) });
          }
          // rows of a batch that did not commit may be there (no transaction took them back): start the
          // table over, its progress forgotten first (a stop in between must not leave batches recorded
          // whose rows are deleted: clearChunk), its history rows deleted too (chunk-load.ts deleteHistory)
          ctx.reporter.emit({ kind: 'warning', message: `${qualified(t.name, tb.name)} uses a non-transactional engine: reloading it whole`, ...object });
          await ctx.progress.forgetChunk(t.name, tb.name, null);
          await ctx.control.exec(`DELETE FROM ${qualified(t.name, tb.name)}`, [], object);
          if (versioned) await deleteHistory(ctx.control, qualified(t.name, tb.name), object);
          t.progress = new Map([...t.progress].filter(([k]) => !k.startsWith(`${t.name}\u0000${tb.name}\u0000`)));
          todo = tb.batches;
        }
        const loaded = tb.batches.filter(done);
        work.push({ target: t, table: tb, split, transactional: txn, todo, remaining: todo.length, rows: loaded.reduce((n, b) => n + b.rows, 0), bytes: loaded.reduce((n, b) => n + (b.end - b.start), 0), started: Date.now() });
      }
    }
  } finally {
    unguard();
    await s.close();
  }
  return work;
}
