/**
 * tsload for another tool's SQL script (a mysqldump / mariadb-dump file): the numbered protocol.
 *
 *  1. planScript          (format/script-plan.ts) one pass over the file: per table its DDL and
 *                         INSERT byte ranges in sized batches, the object phase, the sha256
 *  2. refuseIncomplete    a file that does not end as a whole export of its tool does
 *                         (format/script-ending.ts), cut inside a statement, or whose compressed
 *                         stream ends early, is refused before anything is created (--force: load
 *                         the complete tables, name the others)
 *  3. selectImport        (import-filter.ts) the part to load (-s/-T/-x/--ignore-table, --no-data,
 *                         --no-schema): later steps see only that part
 *     planImportTargets   source database → target database (-B for a one-database file, --rename;
 *                         --restore-test: scratch databases named by restore-test.ts)
 *  4. (dry run)           describe the plan and stop
 *     acquireLease        (load-lease.ts) one loader per target database, as for our own dumps:
 *                         a server lock held by the control session, refused naming its holder
 *  5. openImportProgress  (import-schema.ts) run record per target: resume, refuse, or fresh
 *  6. createImportSchema  (import-schema.ts) databases, tables without secondary indexes and FKs
 *  7. loadImportData      (import-data.ts) batches in parallel, each a transaction with its progress
 *                         row; a table's indexes as soon as its last batch is in
 *  8. addImportForeignKeys (import-indexes.ts)
 *     checkImportOrphans  (import-orphans.ts) a file that leaves FOREIGN_KEY_CHECKS on: no orphan rows
 *  9. runObjectScript     (import-objects.ts) views, routines, triggers, events, in file order
 *                         (none under --no-schema)
 * 10. verify              row counts per table against the rows the file holds (none under
 *                         --no-data; at least those rows in a --no-schema table that held rows);
 *                         CHECKSUM TABLE against the source's where the dump recorded it (mydumper 1.0 -M)
 * 11. finish              remove the progress state (unless --keep-progress)
 */
import { TsError } from '../core/errors.js';
import type { Coordinates, Reporter, TableSummary } from '../core/events.js';
import { qualified } from '../core/ident.js';
import { detectFlavor } from '../db/flavor.js';
import { Session } from '../db/session.js';
import { LOAD_VERIFY, loadControl } from '../db/session-profile.js';
import { planScript, type ScriptPlan } from '../format/script-plan.js';
import { ControlSession } from './control-session.js';
import { IMPORT_STEP, interrupted, wire, type ImportContext, type ImportTarget } from './import-context.js';
import { importedDatabases, selectImport } from './import-filter.js';
import { loadImportData } from './import-data.js';
import { addImportForeignKeys } from './import-indexes.js';
import { checkImportOrphans } from './import-orphans.js';
import { isServerState, runObjectScript } from './import-objects.js';
import { createImportSchema, openImportProgress } from './import-schema.js';
import { scriptBytes, truncatedStream, type ScriptFile } from './import-source.js';
import { refuseUnreadable } from './script-input-check.js';
import { LoadLease } from './load-lease.js';
import type { LoadOptions } from './load-options.js';
import { lostAfterStart } from './server-lost.js';
import { killOnAbort } from './session-guard.js';
import { SqlProgressStore } from './sql-progress-store.js';
import type { ScratchTargets } from './restore-test.js';
import type { Mismatch } from './verify.js';

export interface ImportResult {
  readonly kind: 'mysqldump' | 'mydumper';
  readonly seconds: number;
  readonly tables: readonly TableSummary[];
  readonly mismatches: readonly Mismatch[];
  /** Dry run: the plan, as lines. */
  readonly plan: readonly string[];
  /** What was read but is not loaded (system databases, incomplete tables under --force). */
  readonly notes: readonly string[];
  /** The source coordinates, when the dump recorded them (mydumper's metadata). */
  readonly replication?: readonly string[];
  /** The summary event's dump id and coordinates (none recorded: mode 'none'). */
  readonly dumpId: string;
  readonly coordinates: Coordinates;
}

/** What another tool's dump says of its source position: a mysqldump file, nothing we read. */
export const NO_COORDINATES: Coordinates = Object.freeze({ mode: 'none', exact: false, binlog: null, gtid: null });

const DEFAULT_MAX_PACKET = 16 * 1024 * 1024;

/** `scratch`: a restore drill's (restore-test.ts) choice of the target databases, instead of -B/--rename. */
export async function runImport(opts: LoadOptions, file: ScriptFile, reporter: Reporter, signal?: AbortSignal, scratch?: ScratchTargets): Promise<ImportResult> {
  reporter.emit({ kind: 'info', message: `${file.display}: a mysqldump / mariadb-dump file${file.compression !== 'none' ? ` (${file.compression})` : ''}; planning` });
  await refuseUnreadable(file);
  const plan = await planScript(scriptBytes(file), { limits: { statements: opts.rowsPerTransaction, bytes: opts.bytesPerTransaction }, footer: true, sqlMode: opts.sqlMode }, (e) => (e instanceof TsError && e.code === 'bad-dump' ? e.message : (truncatedStream(e, file)?.message ?? null)));
  const notes = [...plan.notes, ...refuseIncomplete(plan, file, opts), ...refuseOrphans(plan, file, opts)];
  refuseStateChange(plan, file);
  refuseEmptiedAfterRows(plan, file);
  refuseOutOfOrder(plan, file);
  const { deleted, uncounted } = deletedTables(plan, opts.verify && !opts.restore.noData ? notes : []);
  return runPlannedImport({ opts, files: [file], plan, dumpId: `sql-${plan.sha256}`, kind: 'mysqldump', notes, replication: [], coordinates: NO_COORDINATES, scratch, deleted, uncounted }, reporter, signal);
}

/**
 * The tables the file's DELETE … WHERE statements delete rows of, after the data (the object phase
 * runs them in file order, as the mariadb client would): they end with fewer rows than the file's
 * INSERTs, so the verification checks that they hold at most those (`deleted`); a DELETE … FOR
 * PORTION OF may split rows in two, so its table's rows are not counted (`uncounted`). Each is told
 * in `notes`.
 */
function deletedTables(plan: ScriptPlan, notes: string[]): { deleted: Set<string>; uncounted: Set<string> } {
  const deleted = new Set<string>();
  const uncounted = new Set<string>();
  for (const d of plan.deletesAfterRows) {
    const db = plan.databases.find((x) => x.name === d.database);
    const tables = d.table === null ? (db?.tables ?? []).map((t) => t.name) : [d.table];
    for (const t of tables) (d.mayAddRows ? uncounted : deleted).add(sourceKey(d.database, t));
    const what = d.table === null ? `tables of ${d.database ?? 'the file'}'s database (a multi-table DELETE)` : `${d.database ? `${d.database}.` : ''}${d.table}`;
    const check = d.mayAddRows ? 'its row count is not checked (FOR PORTION OF splits a row whose period outlasts the portion in two)' : `the verification checks that ${d.table === null ? 'each of those tables holds' : 'the table holds'} at most the rows of its INSERTs`;
    notes.push(`the DELETE at line ${d.line} deletes rows of ${what} after the file's INSERTs: it is run after the data, in file order, and ${check}`);
  }
  return { deleted, uncounted };
}

/** A planned dump of another tool: its files, the plan, and what to tell the user. */
export interface PlannedImport {
  readonly opts: LoadOptions;
  readonly files: readonly ScriptFile[];
  readonly plan: ScriptPlan;
  readonly dumpId: string;
  readonly kind: ImportResult['kind'];
  readonly notes: readonly string[];
  readonly replication: readonly string[];
  readonly coordinates: Coordinates;
  /** The source's CHECKSUM TABLE per `${source database}\u0000${table}` (mydumper 1.0's metadata), compared at verify. */
  readonly checksums?: ReadonlyMap<string, string>;
  /** Tables whose rows the dump does not count (LOAD DATA chunks without a metadata count): no row-count check. */
  readonly uncounted?: ReadonlySet<string>;
  /** Tables the file deletes rows of after its INSERTs (a DELETE … WHERE): checked to hold at most their rows. */
  readonly deleted?: ReadonlySet<string>;
  /** --restore-test: names the scratch database of every database of the dump (restore-test.ts). */
  readonly scratch?: ScratchTargets | undefined;
}

/** The key of a source table in PlannedImport's checksums and uncounted. */
export function sourceKey(database: string | null, table: string): string {
  return `${database ?? ''}\u0000${table}`;
}

/** Steps 3 to 11, for a mysqldump file and a mydumper directory alike. */
export async function runPlannedImport(p: PlannedImport, reporter: Reporter, signal?: AbortSignal): Promise<ImportResult> {
  const { opts, notes, kind, replication, dumpId, coordinates } = p;
  const started = Date.now();
  const plan = selectImport(p.plan, opts, reporter);
  const renames = p.scratch ? await p.scratch(importedDatabases(plan).map((d) => ({ key: d.name, name: d.name ?? plan.commentDatabase ?? 'unnamed' }))) : planImportTargets(plan, opts);
  const targets: ImportTarget[] = [...new Set(renames.values())].map((name) => ({
    source: plan.databases.find((d) => renames.get(d.name) === name)!,
    name,
    resumed: false,
    done: false,
    steps: new Map(),
    progress: new Map(),
  }));
  // the load's USE and CREATE DATABASE name each target in the header's character set: refused before anything is made
  for (const t of targets) wire(t.name, plan.charset);
  refuseOpaqueQualifiers(targets, p.files);
  const odku = opts.restore.onDuplicate === 'replace' ? targets.flatMap((t) => t.source.tables.filter((tb) => tb.updatesOnDuplicate).map((tb) => `${t.name}.${tb.name}`)) : [];
  if (odku.length > 0) {
    throw new TsError({ code: 'usage', message: `--on-duplicate replace cannot turn the file's INSERT … ON DUPLICATE KEY UPDATE statements (into ${odku.slice(0, 3).join(', ')}${odku.length > 3 ? ', …' : ''}) into REPLACE: the server refuses REPLACE … ON DUPLICATE KEY UPDATE. Nothing was loaded`, suggestion: 'load without --on-duplicate (those statements say themselves what a duplicate key does), or with --on-duplicate ignore' });
  }
  if (opts.dryRun) return { kind, seconds: 0, tables: [], mismatches: [], plan: describeImport(plan, renames), notes, replication, dumpId, coordinates };
  const header = plan.header.map((h) => h.text).filter((t) => !isServerState(t));
  const control = await ControlSession.open(opts.connection, loadControl(opts), reporter, signal);
  try {
    const lease = await LoadLease.acquire(control, targets.map((t) => t.name), dumpId);
    control.onReconnect = (s, lostThreadId) => lease.reacquire(s, lostThreadId);
    const ctx: ImportContext = {
      charset: plan.charset,
      opts,
      files: p.files,
      plan,
      dumpId: p.dumpId,
      reporter,
      signal,
      control,
      lease,
      progress: new SqlProgressStore(control),
      flavor: await detectFlavor(control.session),
      maxPacket: Number((await control.scalar('SELECT @@GLOBAL.max_allowed_packet')) ?? 0) || DEFAULT_MAX_PACKET,
      header,
      targets,
      renames,
    };
    // between steps a stop ends the run: every step is recorded when done, so a rerun resumes
    const next = (): void => {
      if (signal?.aborted) throw interrupted();
    };
    try {
      const tables = targets.flatMap((t) => t.source.tables.filter((tb) => tb.complete));
      reporter.emit({ kind: 'start', tool: 'tsload', dumpId: ctx.dumpId, totals: { tables: tables.length, chunks: tables.reduce((n, t) => n + t.batches.length, 0), rows: tables.reduce((n, t) => n + t.rows, 0), bytes: tables.reduce((n, t) => n + t.bytes, 0) }, threads: opts.threads });
      await openImportProgress(ctx);
      await lease.record();
      next();
      const work = await createImportSchema(ctx);
      next();
      const summaries = await loadImportData(ctx, work);
      next();
      await addImportForeignKeys(ctx, work);
      await checkImportOrphans(ctx, work);
      next();
      await runObjectScript(ctx, new Set(work.map((w) => `${w.target.name}\u0000${w.table.name}`)));
      next();
      // --no-data: nothing was loaded to compare with the file
      const mismatches = opts.verify && !opts.restore.noData ? await verifyImport(ctx, p.checksums ?? new Map(), p.uncounted ?? new Set(), p.deleted ?? new Set()) : [];
      const active = targets.filter((t) => !t.done).map((t) => t.name);
      if (!opts.keepProgress && active.length > 0) await ctx.progress.finish(active);
      return { kind, seconds: (Date.now() - started) / 1000, tables: summaries, mismatches, plan: [], notes, replication, dumpId, coordinates };
    } catch (e) {
      // the server gone once the lease is held: a failed import the rerun resumes, not "cannot connect"
      throw lostAfterStart(e);
    } finally {
      await lease.release();
    }
  } finally {
    await control.close();
  }
}

/** Step 2: an incomplete file stops here, before anything is created — unless --force. */
function refuseIncomplete(plan: ScriptPlan, file: ScriptFile, opts: LoadOptions): string[] {
  if (plan.complete) return [];
  const last = plan.lastComplete ? `the last complete table is ${plan.lastComplete.database ? `${plan.lastComplete.database}.` : ''}${plan.lastComplete.table}` : 'no table in it is complete';
  const unclosed: string[] = [];
  if (opts.force && plan.unclosed) {
    // the file ends cleanly, only its footer is missing: --force takes the last table as it is
    plan.unclosed.complete = true;
    unclosed.push(`the file ends cleanly after a statement but has no footer: its last table, ${plan.unclosed.name}, is loaded as the file has it (complete only if the dump was made without comments)`);
  }
  const missing = plan.databases.flatMap((d) => d.tables.filter((t) => !t.complete).map((t) => `${d.name ? `${d.name}.` : ''}${t.name}`));
  if (!opts.force) {
    throw new TsError({
      code: 'bad-dump',
      message: `${file.display} is not a complete dump: ${plan.problem}; ${last}. Nothing was loaded`,
      object: { file: file.display },
      suggestion: "use a complete dump (each tool ends a whole export its own way: mysqldump with '-- Dump completed' or, without comments, the SETs restoring its header's settings; phpMyAdmin with the COMMIT of its transaction; Adminer with a date line; Navicat with SET FOREIGN_KEY_CHECKS = 1 — a file cut short by a full disk, a killed dump or an interrupted copy lacks it), or pass --force to load the tables that are complete (for a file whose tool writes no such end, --force is the way)",
    });
  }
  return [`${file.display} is not complete (${plan.problem}); ${last}; not loaded: ${missing.length > 0 ? missing.join(', ') : 'nothing'}, and whatever the file held after the cut`, ...unclosed];
}

/**
 * Rows read under another character set, time zone or sql_mode than the file's header: every
 * session runs the header, so they would be loaded otherwise than the file says (mojibake, shifted
 * TIMESTAMPs) — refused, --force or not, before anything is created.
 */
function refuseStateChange(plan: ScriptPlan, file: ScriptFile): void {
  const c = plan.stateChange;
  if (c === null) return;
  throw new TsError({
    code: 'bad-dump',
    message: `${file.display}: the INSERT at line ${c.line} (table ${c.database ? `${c.database}.` : ''}${c.table}) is read under other session settings than the file's header (${c.changes.join('; ')}), and tsload reads every table under the header's. Nothing was loaded`,
    object: { file: file.display },
    suggestion: "this is what two dumps concatenated into one file look like: split it where the second dump starts (its '-- MariaDB dump' / '-- MySQL dump' line) and load each part; or restore it with the mariadb client",
  });
}

/** A DELETE FROM / TRUNCATE between a table's rows cannot be run where it stands: refused, --force or not. */
function refuseEmptiedAfterRows(plan: ScriptPlan, file: ScriptFile): void {
  const e = plan.emptiedAfterRows;
  if (e === null) return;
  const table = `${e.database ? `${e.database}.` : ''}${e.table}`;
  throw new TsError({
    code: 'bad-dump',
    message: `${file.display}: the statement at line ${e.line} empties table ${table} after some of its rows; tsload loads a table's rows in parallel and cannot run it between them. Nothing was loaded`,
    object: { file: file.display, table: e.table, ...(e.database ? { database: e.database } : {}) },
    suggestion: `remove the rows before line ${e.line} that it deletes (or the statement), or restore the file with the mariadb client`,
  });
}

/**
 * An INSERT naming its database where the load cannot write the target's name instead (PlannedTable
 * opaqueQualifier) would fail part-way into the load: refused before anything is made, unless the
 * target has that very name.
 */
function refuseOpaqueQualifiers(targets: readonly ImportTarget[], files: readonly ScriptFile[]): void {
  for (const t of targets) {
    for (const tb of t.source.tables) {
      const q = tb.opaqueQualifier;
      if (!q || q.database === t.name) continue;
      const file = files[tb.batches[0]?.file ?? 0]?.display ?? 'the file';
      throw new TsError({
        code: 'bad-dump',
        message: `${file}, line ${q.line}: the INSERT into ${tb.name} names database ${q.database} in a form tsload cannot rewrite to the target ${t.name} (behind a comment, in double quotes, or inside a conditional comment). Nothing was loaded`,
        object: { database: t.name, table: tb.name, file },
        suggestion: `edit the INSERTs to start with INSERT INTO \`${q.database}\`.\`${tb.name}\` (or leave the database out), or load under the name ${q.database}`,
      });
    }
  }
}

/** A shape the parallel load cannot reproduce in file order (format/script-order.ts): refused, --force or not. */
function refuseOutOfOrder(plan: ScriptPlan, file: ScriptFile): void {
  const o = plan.outOfOrder;
  if (o === null) return;
  throw new TsError({ code: 'bad-dump', message: `${file.display}, line ${o.line}: ${o.message}. Nothing was loaded`, object: { file: file.display }, suggestion: o.suggestion });
}

/** Data for tables the file does not create would be left out: refused unless --force. */
function refuseOrphans(plan: ScriptPlan, file: ScriptFile, opts: LoadOptions): string[] {
  if (plan.orphans.length === 0) return [];
  const list = plan.orphans.map((o) => `${o.table} (line ${o.line})`).join(', ');
  if (!opts.force) {
    throw new TsError({ code: 'bad-dump', message: `${file.display} inserts into tables it does not create: ${list}. Nothing was loaded`, object: { file: file.display }, suggestion: 'a data-only dump (--no-create-info) cannot be restored by tsload yet: load it with the mariadb client into tables you created, or pass --force to load the rest of the file' });
  }
  return [`not loaded (the file does not create these tables): ${list}`];
}

/** Step 3: source database (null: the file's unnamed one) → target. */
function planImportTargets(plan: ScriptPlan, opts: LoadOptions): Map<string | null, string> {
  const out = new Map<string | null, string>();
  const dbs = importedDatabases(plan);
  if (opts.targetDatabase !== null && dbs.length > 1) {
    throw new TsError({ code: 'usage', message: `-B names one target database but the file holds ${dbs.length} (${dbs.map((d) => d.name ?? '(unnamed)').join(', ')})`, suggestion: 'use --rename src=dst for each database to load under another name' });
  }
  for (const d of dbs) {
    const name = d.name === null ? opts.targetDatabase : (opts.targetDatabase ?? opts.renames.get(d.name) ?? d.name);
    if (name === null) {
      throw new TsError({ code: 'usage', message: 'the file holds one database without its name (dumped without --databases)', suggestion: 'name the target database: -B NAME' });
    }
    out.set(d.name, name);
  }
  for (const from of opts.renames.keys()) {
    if (!dbs.some((d) => d.name === from)) throw new TsError({ code: 'usage', message: `--rename ${from}=…: the file holds no database ${from}`, suggestion: `its databases: ${dbs.map((d) => d.name ?? '(unnamed)').join(', ')}` });
  }
  return out;
}

function describeImport(plan: ScriptPlan, renames: ReadonlyMap<string | null, string>): string[] {
  const out = [`input: ${plan.bytes} bytes, ${plan.statements} statements, sha256 ${plan.sha256}${plan.complete ? '' : ` (INCOMPLETE: ${plan.problem})`}`];
  for (const d of plan.databases) {
    const target = renames.get(d.name);
    if (target === undefined) continue;
    out.push(`database ${d.name ?? '(unnamed)'} → ${target}: ${d.tables.length} tables`);
    for (const t of d.tables) out.push(`  ${t.kind} ${t.name}: ${t.rows} rows, ${t.bytes} bytes of ${t.batches.some((b) => b.infile) ? 'INSERTs / LOAD DATA rows' : 'INSERTs'} in ${t.batches.length} transactions${t.complete ? '' : ' (incomplete: not loaded)'}`);
    const objects = plan.objects.filter((o) => o.database === d.name && o.what.kind === 'object' && !o.what.drop);
    if (objects.length > 0) out.push(`  objects: ${objects.map((o) => (o.what.kind === 'object' ? `${o.what.object} ${o.what.name}` : '')).join(', ')}`);
  }
  return out;
}

/**
 * ' FOR SYSTEM_TIME ALL' for a system-versioned table: a mariadb-dump --dump-history file's INSERTs hold
 * its history rows too, and every row an INSERT wrote stays, current or history (a file without its
 * history writes current rows only: the same count). Not under --on-duplicate, nor for a table whose INSERTs
 * update on a duplicate key: there a REPLACE (an update) of a row of such a table turns the old row
 * into a history row, which the check of at most the file's rows must not count.
 */
async function historyClause(s: Session, db: string, table: string): Promise<string> {
  const type = await s.scalar('SELECT TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [db, table]);
  return String(type) === 'SYSTEM VERSIONED' ? ' FOR SYSTEM_TIME ALL' : '';
}

/**
 * Step 10: each loaded table holds the rows its INSERTs in the file hold, and where the dump
 * recorded the source's CHECKSUM TABLE (mydumper 1.0), the same checksum; counted in parallel
 * sessions (--threads). With --on-duplicate ignore or replace a key the file holds twice leaves
 * one row, so a table the load created holds at most the file's rows (the check then; so does one
 * whose INSERTs end in ON DUPLICATE KEY UPDATE, whatever the option); with error
 * a duplicate fails its statement, so the counts are equal. A table --no-schema loaded into rows it
 * held holds at least the file's rows (and, under --on-duplicate, no count says anything).
 */
async function verifyImport(ctx: ImportContext, checksums: ReadonlyMap<string, string>, uncounted: ReadonlySet<string>, deleted: ReadonlySet<string>): Promise<Mismatch[]> {
  const started = Date.now();
  const list = ctx.targets.flatMap((t) => t.source.tables.filter((tb) => tb.complete && tb.kind === 'table').map((tb) => ({ t, tb })));
  const atMost = ctx.opts.restore.onDuplicate !== 'error';
  if (atMost && list.length > 0) ctx.reporter.emit({ kind: 'info', message: `verify: with --on-duplicate ${ctx.opts.restore.onDuplicate} a key the file holds twice leaves one row: each table is checked to hold at most the rows of its INSERTs` });
  const upserts = list.filter(({ tb }) => tb.updatesOnDuplicate === true).map(({ t, tb }) => `${t.name}.${tb.name}`);
  if (!atMost && upserts.length > 0) ctx.reporter.emit({ kind: 'info', message: `verify: the INSERTs of ${upserts.join(', ')} end in ON DUPLICATE KEY UPDATE, where a key the file holds twice updates its row: ${upserts.length === 1 ? 'it is' : 'each is'} checked to hold at most the rows of its INSERTs` });
  ctx.reporter.emit({ kind: 'phase-start', phase: 'verify', total: { tables: list.length, chunks: 0, rows: 0, bytes: 0 } });
  const out: Mismatch[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    const s = await Session.open(ctx.opts.connection, LOAD_VERIFY);
    const unguard = killOnAbort(ctx, s);
    try {
      for (let i = next++; i < list.length; i = next++) {
        const { t, tb } = list[i]!;
        // a table --no-schema loaded into held rows before: every row of the file is in it, among them
        const merged = t.steps.get(IMPORT_STEP.kept(tb.name)) === 'rows';
        const key = sourceKey(t.source.name, tb.name);
        // at most the INSERTs' rows: under --on-duplicate, when its INSERTs update on a duplicate key, or when the file deletes rows after them (of a table that held rows too, nothing)
        const upsert = atMost || tb.updatesOnDuplicate === true;
        const ceiling = upsert || deleted.has(key);
        if (!uncounted.has(key) && !(merged && ceiling)) {
          const n = Number(await s.scalar(`SELECT COUNT(*) FROM ${qualified(t.name, tb.name)}${upsert ? '' : await historyClause(s, t.name, tb.name)}`));
          const bad = merged ? n < tb.rows : ceiling ? n > tb.rows : n !== tb.rows;
          if (bad) out.push({ database: t.name, table: tb.name, chunk: null, what: 'rows', expected: merged ? `at least ${tb.rows}` : ceiling ? `at most ${tb.rows}` : String(tb.rows), actual: String(n) });
        }
        // the source's checksum says nothing of a table that held other rows too
        const want = merged ? undefined : checksums.get(key);
        if (want !== undefined) {
          const got = (await s.query<{ Checksum: string | null }>(`CHECKSUM TABLE ${qualified(t.name, tb.name)}`))[0]?.Checksum ?? null;
          if (String(got) !== want) out.push({ database: t.name, table: tb.name, chunk: null, what: 'checksum', expected: want, actual: String(got) });
        }
      }
    } finally {
      unguard();
      await s.close();
    }
  };
  await Promise.all(Array.from({ length: Math.min(list.length, Math.max(1, ctx.opts.threads)) }, worker));
  ctx.reporter.emit({ kind: 'phase-done', phase: 'verify', seconds: (Date.now() - started) / 1000 });
  return out.sort((a, b) => `${a.database}.${a.table}`.localeCompare(`${b.database}.${b.table}`));
}
