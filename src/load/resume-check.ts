import type { TsError } from '../core/errors.js';
import { qualified } from '../core/ident.js';
import { checkExistingTables, prepareExistingTables } from './existing-tables.js';
import type { StatementRunner } from './control-session.js';
import type { LoadContext, TargetDb } from './load-context.js';
import { forgetRunSql, targetChanged, type ProgressStore } from './progress-store.js';
import type { DropTableMode } from './load-options.js';
import { isPartial, memoSelection, SELECTION_OPTION, selectionFingerprint } from './restore-filter.js';
import { PENDING_IDENTITY, STEP } from './resume-state.js';
import { differingOption, optionsDiffer, resultOptions } from './result-options.js';

/**
 * Step 4, openProgress: per target database, a run record (dump id + sub-chunk limits). The same
 * dump → resume with the limits recorded for that database (TargetDb.limits; other databases of the
 * run keep theirs); another dump → target-changed; none → a fresh load with the given limits, where
 * existing tables are refused, dropped, truncated or kept (--drop-table, existing-tables.ts).
 * Step 5, checkIdentities: on a resume, every table this load created must still be that table.
 */
export async function openProgress(ctx: LoadContext, targets: TargetDb[]): Promise<void> {
  const { progress: store, manifest, opts } = ctx;
  const have = await store.exists();
  const fresh: TargetDb[] = [];
  const options = resultOptions(opts);
  for (const t of targets) {
    let run = have ? await store.run(t.name) : null;
    let ours = false;
    const selection = selectionFingerprint(t.source, opts.restore);
    if (run?.completedAt) {
      // --drop-table drop|truncate asks to replace: the memo does not stand in the way. fail and
      // append find the finished load (the same part of the same dump) and only verify it: a
      // rerun after a kill between the last commit and the exit must not load the rows twice.
      const sameLoad = (opts.dropTable === 'fail' || opts.dropTable === 'append') && run.dumpId === manifest.dumpId && run.sourceDb === t.source.name && memoSelection(run) === selection;
      const loaded = sameLoad && (await stillLoaded(ctx, t.name, t.source.tables.map((tb) => tb.name)));
      const differs = differingOption(run.options, options);
      if (loaded && differs) throw optionsDiffer(t.name, differs, true);
      if (loaded) {
        ctx.reporter.emit({ kind: 'info', message: alreadyLoaded(t.name, 'dump', run.completedAt, opts.dropTable, opts.restore.noSchema) });
        t.done = true;
        // the memo keeps which tables held rows before the load: their verification is a merge's
        t.steps = await store.steps(t.name);
        continue;
      }
      // A finished load's memo that no longer applies (another dump, or its tables changed since), or
      // that --drop-table drop/truncate or another part replaces: of this dump, the objects are its.
      ours = run.dumpId === manifest.dumpId && run.sourceDb === t.source.name && memoSelection(run) === selection;
      await store.forget(t.name);
      run = null;
    }
    if (run) {
      if (run.dumpId !== manifest.dumpId) {
        throw targetChanged(
          `database ${t.name} holds an unfinished load of another dump (${run.dumpId}, from database ${run.sourceDb}); this dump is ${manifest.dumpId}`,
          { database: t.name },
          `finish that load with its own dump directory, or drop database ${t.name} and delete its rows from tsload_progress.runs/progress/steps`,
        );
      }
      if (run.sourceDb !== t.source.name) throw targetChanged(`database ${t.name} holds an unfinished load of source database ${run.sourceDb}, not ${t.source.name}`, { database: t.name });
      const differs = differingOption(run.options, options);
      if (differs) throw optionsDiffer(t.name, differs);
      if (run.rowsPerTransaction !== t.limits.rows || run.bytesPerTransaction !== t.limits.bytes) {
        ctx.reporter.emit({ kind: 'warning', message: `resuming with the transaction size of the interrupted run (${run.rowsPerTransaction} rows / ${run.bytesPerTransaction} bytes), not the one given now`, database: t.name });
      }
      t.limits = { rows: run.rowsPerTransaction, bytes: run.bytesPerTransaction };
      t.resumed = true;
      t.steps = await store.steps(t.name);
      t.progress = await store.chunkProgress(t.name);
      const recorded = t.steps.get(STEP.selection) ?? selectionFingerprint(t.source, null);
      if (recorded !== selectionFingerprint(t.source, opts.restore)) {
        throw targetChanged(
          `database ${t.name} holds an unfinished load of another part of this dump (other -s/-T/-x/--ignore-table/--no-data/--no-schema)`,
          { database: t.name },
          'rerun with the options of the interrupted load to finish it, or drop the database and the tsload_progress rows for it and start again',
        );
      }
      continue;
    }
    await checkExistingTables(ctx, t, ours);
    fresh.push(t);
  }
  await store.ensure();
  for (const t of fresh) {
    // a fresh load starts from no records: steps left by a run record someone deleted are not its own
    if (have) await store.forget(t.name);
    // before the run record: interrupted in between, a rerun is a fresh load and does this again
    await prepareExistingTables(ctx, t);
    const fp = selectionFingerprint(t.source, opts.restore);
    if (isPartial(opts.restore)) {
      await store.recordStep(t.name, STEP.selection, fp);
      t.steps.set(STEP.selection, fp);
    }
    // the part of the dump goes with the run: its memo, once finished, stands only for that part
    await store.insertRun({ targetDb: t.name, dumpId: manifest.dumpId, sourceDb: t.source.name, rowsPerTransaction: t.limits.rows, bytesPerTransaction: t.limits.bytes, options: { ...options, [SELECTION_OPTION]: fp } });
  }
}

/**
 * "already loaded" for the rerun of a finished load. Under append the rerun cannot tell a load
 * killed after its last commit from a deliberate second one: it adds no row, and says how to add
 * them again on purpose (without the memo the load's objects are no longer known as its own, and
 * are refused like anyone's: --no-schema loads the rows alone).
 */
export function alreadyLoaded(db: string, what: 'dump' | 'file', completedAt: string, dropTable: DropTableMode, noSchema: boolean): string {
  const forget = forgetRunSql(db);
  const again = dropTable === 'append' ? `; its rows are not added a second time. To add them again on purpose, forget that load first: ${forget}${noSchema ? '' : ' then rerun with --no-schema (rows only: the views, routines, triggers and events it created would be refused as not its own)'}` : '';
  return `database ${db}: this ${what} was already loaded completely (${completedAt}); verifying only${again}`;
}

/** CREATE_TIME plus the InnoDB table id (changes when a table is dropped and recreated, even within a second). */
export async function tableIdentity(ctx: { readonly control: StatementRunner; readonly flavor: LoadContext['flavor'] }, db: string, table: string): Promise<string | null> {
  const ct = await ctx.control.query<{ CREATE_TIME: string | null; ENGINE: string | null }>('SELECT CREATE_TIME, ENGINE FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [db, table]);
  const row = ct[0];
  if (!row) return null;
  let id: string | null = null;
  if (/^[A-Za-z0-9_]+$/.test(db) && /^[A-Za-z0-9_]+$/.test(table)) {
    // NAME compares case-insensitively: `T1` would take `t1`'s id (one created after it: a partitioned
    // T1 has only T1#P#p0 … rows), and seem recreated on a rerun. Exact unless names are case-folded.
    const name = `${db}/${table}`;
    id = await ctx.control.scalar(`SELECT TABLE_ID FROM ${ctx.flavor.innodbTablesView} WHERE NAME = ? AND (BINARY NAME = ? OR @@lower_case_table_names <> 0)`, [name, name]).catch(() => null);
  }
  return `${row.CREATE_TIME ?? ''}|${id ?? ''}`;
}

export async function recordIdentity(ctx: LoadContext, t: TargetDb, table: string, pending = false): Promise<void> {
  const info = pending ? PENDING_IDENTITY : ((await tableIdentity(ctx, t.name, table)) ?? '');
  await ctx.progress.recordStep(t.name, STEP.table(table), info);
  t.steps.set(STEP.table(table), info);
}

/**
 * Every table of a finished load is still the table it loaded (same identity as recorded in its
 * memo): a target dropped or recreated since is loaded fresh. Our loads and script imports alike.
 */
export async function stillLoaded(ctx: { readonly control: StatementRunner; readonly flavor: LoadContext['flavor']; readonly progress: ProgressStore }, db: string, tables: readonly string[]): Promise<boolean> {
  const steps = await ctx.progress.steps(db);
  for (const table of tables) {
    const recorded = steps.get(STEP.table(table));
    const now = await tableIdentity(ctx, db, table);
    if (recorded === undefined || recorded === PENDING_IDENTITY || now === null || recorded !== now) return false;
  }
  return true;
}

export async function checkIdentities(ctx: LoadContext, targets: readonly TargetDb[]): Promise<void> {
  for (const t of targets) {
    if (!t.resumed) continue;
    for (const tb of t.source.tables) {
      const recorded = t.steps.get(STEP.table(tb.name));
      if (recorded === undefined) continue;
      const now = await tableIdentity(ctx, t.name, tb.name);
      if (now === null) {
        throw targetChanged(`table ${qualified(t.name, tb.name)} was created by the interrupted load but no longer exists`, { database: t.name, table: tb.name });
      }
      if (recorded !== PENDING_IDENTITY && recorded !== now) {
        throw await identityChanged(ctx, t.name, tb.name, recorded, now, t.steps);
      }
    }
  }
}

/** The tables a load recorded as kept (they existed, and were loaded into as they were: `kept:<t>` steps). */
function keptTables(steps: ReadonlyMap<string, string>): string[] {
  const prefix = STEP.kept('');
  return [...steps.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
}

/**
 * The refusal of a table whose identity is not the one recorded by the interrupted load. A MEMORY
 * table gets a new one at every server start, which empties it: its loaded rows are gone, and the
 * DBA is told so, and how to load again. Our loads and script imports alike.
 */
export async function identityChanged(ctx: { readonly control: StatementRunner }, db: string, table: string, recorded: string, now: string, steps: ReadonlyMap<string, string>): Promise<TsError> {
  const object = { database: db, table };
  const engine = await ctx.control.scalar('SELECT ENGINE FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [db, table]);
  if (engine?.toUpperCase() === 'MEMORY') {
    return targetChanged(
      `table ${qualified(db, table)} uses the MEMORY engine, which loses its rows when the server restarts: the server was restarted since the interrupted load (the table's identity changed, ${recorded} → ${now}), so the rows it had loaded are gone`,
      object,
      keptTables(steps).length === 0
        ? `load it again from the start: forget the interrupted load (${forgetRunSql(db)}) and rerun with --drop-table drop (every table of the load is created and loaded again); to keep the rows across restarts, load with --engine InnoDB`
        : `load it again from the start into another database (-B a new name), after forgetting the interrupted load (${forgetRunSql(db)}): --drop-table drop would also drop the tables this load found holding rows and loaded into (${keptTables(steps).join(', ')}); to keep the rows across restarts, load with --engine InnoDB`,
    );
  }
  return targetChanged(`table ${qualified(db, table)} was dropped and recreated (or rebuilt) since the interrupted load (identity ${recorded} → ${now}); its loaded rows cannot be trusted`, object);
}
