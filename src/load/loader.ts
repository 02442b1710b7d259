import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import pLimit from 'p-limit';
import { TsError, errnoOf } from '../core/errors.js';
import type { Reporter, TableSummary } from '../core/events.js';
import { plainLiteral, qualified, quoteIdent } from '../core/ident.js';
import { formatBytes } from '../core/sizes.js';
import { parseVersion } from '../db/flavor.js';
import type { Flavor } from '../db/flavor.js';
import { isTransient } from '../db/server-errors.js';
import { Session, type ConnectionSettings } from '../db/session.js';
import { checkDump, readManifest } from '../format/dump-check.js';
import { sha256Hex, hashFile } from '../format/hashing.js';
import { rangeCondition } from '../format/key-range.js';
import type { ChunkEntry, DatabaseEntry, FileEntry, Manifest, ObjectEntry, TableEntry } from '../format/manifest.js';
import { resolveInside } from '../format/naming.js';
import {
  alterStatements,
  commentForSqlMode,
  convertUtf8mb4,
  dependencyOrder,
  ifNotExists,
  orReplace,
  renameDatabases,
  rewriteEngine,
  splitCreateTable,
  splitSequenceFile,
  stripDefiner,
  type SplitTable,
} from './ddl.js';
import { PROGRESS_INSERT, ProgressStore, chunkKey, targetChanged, type ChunkProgress } from './progress-store.js';
import { SubChunkWindow, openChunk, subChunkLines, subChunks, type ChunkSource, type SubChunk } from './sub-chunks.js';
import { verifyTables, type Mismatch } from './verify.js';

/**
 * tsload's orchestrator. Protocol (each step a named function below):
 *  1. readDump          manifest + every file present with its recorded size, paths inside the dump;
 *                       schema files are hashed as they are read, each chunk file is hashed right
 *                       before its first row is loaded (so no row of a tampered chunk ever commits)
 *  2. planTargets       source database → target database (-B / --rename)
 *  3. (dry run)         describe the plan and stop; nothing is changed
 *  4. openProgress      per target: a run record (dump id + sub-chunk limits). Same dump → resume with
 *                       the recorded limits; another dump → target-changed; none → fresh load, where
 *                       existing tables are refused / dropped / truncated (--drop-table)
 *  5. checkIdentities   on resume, every table we created must still be the same table
 *  6. createSchema      databases, sequences, tables without secondary indexes and foreign keys
 *  7. loadData          chunks in parallel, largest tables first, each as sized transactions that
 *                       also insert their progress row; a table's indexes are added as soon as its
 *                       last chunk is in
 *  8. addForeignKeys
 *  9. createObjects     routines, views (dependency order), triggers (after the data), events
 * 10. restoreCounters   sequence state, AUTO_INCREMENT
 * 11. verify            row counts / content checksums against the manifest
 * 12. finish            remove the progress state (unless --keep-progress)
 * Every DDL step is idempotent and recorded in the progress store once done.
 */

export const DROP_TABLE_MODES = ['fail', 'drop', 'truncate'] as const;
export type DropTableMode = (typeof DROP_TABLE_MODES)[number];

export interface LoadOptions {
  readonly connection: ConnectionSettings;
  readonly dumpDir: string;
  /** -B: the one database of the dump goes here. */
  readonly targetDatabase: string | null;
  /** --rename src=dst. */
  readonly renames: ReadonlyMap<string, string>;
  readonly threads: number;
  readonly rowsPerTransaction: number;
  readonly bytesPerTransaction: number;
  readonly deferIndexes: boolean;
  readonly dropTable: DropTableMode;
  readonly skipDefiner: boolean;
  readonly convertUtf8mb4: boolean;
  readonly engine: string | null;
  readonly skipBinlog: boolean;
  readonly verify: boolean;
  readonly dryRun: boolean;
  readonly keepProgress: boolean;
}

export interface LoadResult {
  readonly manifest: Manifest;
  readonly seconds: number;
  readonly tables: readonly TableSummary[];
  readonly mismatches: readonly Mismatch[];
  /** Lines describing the plan (dry run) or the replication start (real run). */
  readonly plan: readonly string[];
  readonly replication: readonly string[];
}

interface TargetDb {
  readonly source: DatabaseEntry;
  readonly name: string;
  resumed: boolean;
  /** This dump was already loaded completely into this database (nothing to do but verify). */
  done: boolean;
  steps: Map<string, string>;
  progress: Map<string, ChunkProgress>;
}

interface TableWork {
  readonly db: TargetDb;
  readonly table: TableEntry;
  readonly split: SplitTable;
  readonly started: number;
  remaining: number;
  rows: number;
  bytes: number;
  transactional: boolean;
  /** Chunks to load and, per chunk, the sub-chunks already committed. */
  todo: { chunk: ChunkEntry; skip: number }[];
}

interface Ctx {
  readonly opts: LoadOptions;
  readonly manifest: Manifest;
  readonly reporter: Reporter;
  readonly signal: AbortSignal | undefined;
  readonly renames: ReadonlyMap<string, string>;
  /** Sub-chunk limits: the options' on a fresh load, the recorded ones on a resume. */
  limits: { rows: number; bytes: number };
  readonly dataSql: string[];
  control: Session;
  store: ProgressStore;
  flavor: Flavor;
  /** The target's max_allowed_packet: a line longer than this cannot be sent, so it is refused up front. */
  maxPacket: number;
  /** Read windows not in use (one per running chunk). */
  readonly windows: SubChunkWindow[];
}

export async function runLoad(opts: LoadOptions, reporter: Reporter, signal?: AbortSignal): Promise<LoadResult> {
  const started = Date.now();
  const manifest = await readDump(opts.dumpDir);
  const targets = planTargets(manifest, opts);
  const renames = new Map(targets.map((t) => [t.source.name, t.name] as const));
  if (opts.dryRun) {
    return { manifest, seconds: 0, tables: [], mismatches: [], plan: describePlan(manifest, targets, opts), replication: replicationLines(manifest) };
  }
  const control = await Session.open(opts.connection, { label: 'control' });
  const ctx: Ctx = {
    opts,
    manifest,
    reporter,
    signal,
    renames,
    limits: { rows: opts.rowsPerTransaction, bytes: opts.bytesPerTransaction },
    dataSql: [],
    windows: [],
    control,
    store: new ProgressStore(control),
    flavor: parseVersion((await control.scalar('SELECT @@version')) ?? ''),
    maxPacket: Number((await control.scalar('SELECT @@GLOBAL.max_allowed_packet')) ?? 0) || 16 * 1024 * 1024,
  };
  try {
    await control.exec('SET SESSION foreign_key_checks = 0');
    if (opts.skipBinlog) await control.exec('SET SESSION sql_log_bin = 0');
    await openProgress(ctx, targets);
    ctx.dataSql.push(...dataSessionSql(manifest, opts));
    const totals = { tables: targets.reduce((n, t) => n + t.source.tables.length, 0), chunks: 0, rows: 0, bytes: 0 };
    for (const t of targets) for (const tb of t.source.tables) {
      totals.chunks += tb.chunks.length;
      totals.rows += tb.rows;
      totals.bytes += tb.bytes;
    }
    reporter.emit({ kind: 'start', tool: 'tsload', dumpId: manifest.dumpId, totals, threads: opts.threads });
    // Databases this dump was already loaded into completely are only verified.
    const active = targets.filter((t) => !t.done);
    await checkIdentities(ctx, active);
    const work = await createSchema(ctx, active);
    const summaries = await loadData(ctx, work);
    await addForeignKeys(ctx, work);
    await createObjects(ctx, active);
    await restoreCounters(ctx, active);
    const mismatches = opts.verify ? await verify(ctx, targets) : [];
    if (!opts.keepProgress && active.length > 0) await ctx.store.finish(active.map((t) => t.name));
    return { manifest, seconds: (Date.now() - started) / 1000, tables: summaries, mismatches, plan: [], replication: replicationLines(manifest) };
  } finally {
    await control.close();
  }
}

// 1 -----------------------------------------------------------------------------------------------

async function readDump(dir: string): Promise<Manifest> {
  const manifest = await readManifest(dir);
  const problems = await checkDump(dir, manifest, { hashes: false });
  if (problems.length > 0) {
    const first = problems[0]!;
    const list = problems.slice(0, 10).map((p) => `${p.kind}: ${p.file}: ${p.detail}`).join('; ');
    throw new TsError({
      code: 'bad-dump',
      message: `the dump in ${dir} is not intact (${problems.length} problem(s)): ${list}${problems.length > 10 ? '; …' : ''}`,
      object: { file: first.file },
      suggestion: 'do not load from this copy; `tsdump verify DIR` lists every problem',
    });
  }
  return manifest;
}

/** Reads a schema file and checks its sha256 against the manifest before it is used. */
async function readSchemaFile(dir: string, f: FileEntry): Promise<string> {
  const data = await readFile(resolveInside(dir, f.path));
  const h = sha256Hex(data);
  if (h !== f.sha256 || data.length !== f.bytes) throw checksumError(f, h);
  return data.toString('utf8');
}

function checksumError(f: FileEntry, actual: string): TsError {
  return new TsError({
    code: 'bad-dump',
    message: `${f.path}: sha256 ${actual.slice(0, 16)}… differs from the manifest's ${f.sha256.slice(0, 16)}… (the file was changed after the dump)`,
    object: { file: f.path },
    suggestion: 'do not load from this copy; use an untouched copy of the dump',
  });
}

// 2 -----------------------------------------------------------------------------------------------

function planTargets(manifest: Manifest, opts: LoadOptions): TargetDb[] {
  if (opts.targetDatabase !== null && manifest.databases.length !== 1) {
    throw new TsError({
      code: 'usage',
      message: `-B names one target database but the dump holds ${manifest.databases.length} (${manifest.databases.map((d) => d.name).join(', ')})`,
      suggestion: 'use --rename src=dst for each database to load under another name',
    });
  }
  for (const src of opts.renames.keys()) {
    if (!manifest.databases.some((d) => d.name === src)) throw new TsError({ code: 'usage', message: `--rename ${src}=…: the dump has no database '${src}'` });
  }
  const out = manifest.databases.map((d) => ({
    source: d,
    name: opts.targetDatabase ?? opts.renames.get(d.name) ?? d.name,
    resumed: false,
    done: false,
    steps: new Map<string, string>(),
    progress: new Map<string, ChunkProgress>(),
  }));
  const names = new Set<string>();
  for (const t of out) {
    if (names.has(t.name)) throw new TsError({ code: 'usage', message: `two databases of the dump would load into '${t.name}'` });
    names.add(t.name);
  }
  return out;
}

// 3 -----------------------------------------------------------------------------------------------

function subChunkEstimate(c: ChunkEntry, manifest: Manifest, opts: LoadOptions): number {
  if (c.rows === 0) return 1;
  const byRows = manifest.options.format === 'csv' ? Math.ceil(c.rows / opts.rowsPerTransaction) : 1;
  return Math.max(byRows, Math.ceil(c.bytes / opts.bytesPerTransaction));
}

function describePlan(manifest: Manifest, targets: readonly TargetDb[], opts: LoadOptions): string[] {
  const lines = [`dry run: dump ${manifest.dumpId} (${manifest.options.format}, ${manifest.options.compression}) from ${manifest.server.flavor} ${manifest.server.version}; nothing will be changed`];
  let chunks = 0;
  let tx = 0;
  let bytes = 0;
  for (const t of targets) {
    const objs = t.source.objects.reduce<Record<string, number>>((m, o) => ({ ...m, [o.kind]: (m[o.kind] ?? 0) + 1 }), {});
    lines.push(`database ${t.source.name} → ${t.name}: ${t.source.tables.length} tables${Object.entries(objs).map(([k, n]) => `, ${n} ${k}(s)`).join('')}`);
    for (const tb of [...t.source.tables].sort((a, b) => b.bytes - a.bytes)) {
      const n = tb.chunks.reduce((a, c) => a + subChunkEstimate(c, manifest, opts), 0);
      lines.push(`  table ${tb.name}: ${tb.rows} rows, ${tb.chunks.length} chunk(s), ${formatBytes(tb.chunks.reduce((a, c) => a + c.bytes, 0))}, ~${n} transaction(s)`);
      chunks += tb.chunks.length;
      tx += n;
      bytes += tb.chunks.reduce((a, c) => a + c.bytes, 0);
    }
  }
  lines.push(`total: ${chunks} chunk file(s), ${formatBytes(bytes)}, ~${tx} transaction(s) of at most ${opts.rowsPerTransaction} rows / ${formatBytes(opts.bytesPerTransaction)}, ${opts.threads} thread(s)`);
  lines.push(`order: databases, tables${opts.deferIndexes ? ' (secondary indexes and foreign keys deferred)' : ''}, data, indexes, foreign keys, routines, views, triggers, events, sequence state, AUTO_INCREMENT${opts.verify ? ', verify' : ''}`);
  return lines;
}

// 4 -----------------------------------------------------------------------------------------------

async function openProgress(ctx: Ctx, targets: TargetDb[]): Promise<void> {
  const { store, manifest, opts, control } = ctx;
  const have = await store.exists();
  const fresh: TargetDb[] = [];
  for (const t of targets) {
    let run = have ? await store.run(t.name) : null;
    if (run?.completedAt) {
      // --drop-table drop|truncate asks to replace: the memo does not stand in the way.
      if (opts.dropTable === 'fail' && run.dumpId === manifest.dumpId && run.sourceDb === t.source.name && (await stillLoaded(ctx, t))) {
        ctx.reporter.emit({ kind: 'info', message: `database ${t.name}: this dump was already loaded completely (${run.completedAt}); verifying only` });
        t.done = true;
        continue;
      }
      // A finished load's memo that no longer applies (another dump, or its tables changed since).
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
      if (run.rowsPerTransaction !== ctx.limits.rows || run.bytesPerTransaction !== ctx.limits.bytes) {
        ctx.reporter.emit({ kind: 'warning', message: `resuming with the transaction size of the interrupted run (${run.rowsPerTransaction} rows / ${run.bytesPerTransaction} bytes), not the one given now`, database: t.name });
      }
      ctx.limits = { rows: run.rowsPerTransaction, bytes: run.bytesPerTransaction };
      t.resumed = true;
      t.steps = await store.steps(t.name);
      t.progress = await store.chunkProgress(t.name);
      continue;
    }
    for (const tb of t.source.tables) {
      const exists = Number(await control.scalar('SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [t.name, tb.name])) > 0;
      if (!exists) continue;
      const object = { database: t.name, table: tb.name };
      if (opts.dropTable === 'fail') {
        throw new TsError({ code: 'query', message: `table ${qualified(t.name, tb.name)} already exists in the target; refusing to load into it`, object, suggestion: 'load into another database (-B/--rename), or pass --drop-table drop (replace it) or --drop-table truncate (keep its definition, empty it)' });
      }
    }
    fresh.push(t);
  }
  await store.ensure();
  for (const t of fresh) {
    for (const tb of t.source.tables) {
      const object = { database: t.name, table: tb.name };
      const exists = Number(await control.scalar('SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [t.name, tb.name])) > 0;
      if (exists && opts.dropTable === 'drop') await control.exec(`DROP TABLE ${qualified(t.name, tb.name)}`, [], object);
      else if (exists && opts.dropTable === 'truncate') await control.exec(`TRUNCATE TABLE ${qualified(t.name, tb.name)}`, [], object);
    }
    await store.insertRun({ targetDb: t.name, dumpId: manifest.dumpId, sourceDb: t.source.name, rowsPerTransaction: ctx.limits.rows, bytesPerTransaction: ctx.limits.bytes });
  }
}

// 5 -----------------------------------------------------------------------------------------------

/** CREATE_TIME plus the InnoDB table id (changes when a table is dropped and recreated, even within a second). */
async function tableIdentity(ctx: Ctx, db: string, table: string): Promise<string | null> {
  const ct = await ctx.control.query<{ CREATE_TIME: string | null; ENGINE: string | null }>('SELECT CREATE_TIME, ENGINE FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [db, table]);
  const row = ct[0];
  if (!row) return null;
  let id: string | null = null;
  if (/^[A-Za-z0-9_]+$/.test(db) && /^[A-Za-z0-9_]+$/.test(table)) {
    const view = ctx.flavor.kind === 'mariadb' ? 'information_schema.INNODB_SYS_TABLES' : 'information_schema.INNODB_TABLES';
    id = await ctx.control.scalar(`SELECT TABLE_ID FROM ${view} WHERE NAME = ?`, [`${db}/${table}`]).catch(() => null);
  }
  return `${row.CREATE_TIME ?? ''}|${id ?? ''}`;
}

const PENDING = 'pending';

async function recordIdentity(ctx: Ctx, t: TargetDb, table: string, pending = false): Promise<void> {
  const info = pending ? PENDING : ((await tableIdentity(ctx, t.name, table)) ?? '');
  await ctx.store.recordStep(t.name, `table:${table}`, info);
  t.steps.set(`table:${table}`, info);
}

/** Every table of a finished load is still the table it loaded (same identity as recorded). */
async function stillLoaded(ctx: Ctx, t: TargetDb): Promise<boolean> {
  const steps = await ctx.store.steps(t.name);
  for (const tb of t.source.tables) {
    const recorded = steps.get(`table:${tb.name}`);
    const now = await tableIdentity(ctx, t.name, tb.name);
    if (recorded === undefined || recorded === PENDING || now === null || recorded !== now) return false;
  }
  return true;
}

async function checkIdentities(ctx: Ctx, targets: readonly TargetDb[]): Promise<void> {
  for (const t of targets) {
    if (!t.resumed) continue;
    for (const tb of t.source.tables) {
      const recorded = t.steps.get(`table:${tb.name}`);
      if (recorded === undefined) continue;
      const now = await tableIdentity(ctx, t.name, tb.name);
      if (now === null) {
        throw targetChanged(`table ${qualified(t.name, tb.name)} was created by the interrupted load but no longer exists`, { database: t.name, table: tb.name });
      }
      if (recorded !== PENDING && recorded !== now) {
        throw targetChanged(`table ${qualified(t.name, tb.name)} was dropped and recreated (or rebuilt) since the interrupted load (identity ${recorded} → ${now}); its loaded rows cannot be trusted`, { database: t.name, table: tb.name });
      }
    }
  }
}

// 6 -----------------------------------------------------------------------------------------------

function transformDdl(ctx: Ctx, sql: string, kind: 'table' | 'object'): string {
  let out = renameDatabases(sql, ctx.renames);
  if (ctx.opts.skipDefiner && kind === 'object') out = stripDefiner(out);
  if (ctx.opts.convertUtf8mb4) out = convertUtf8mb4(out);
  if (ctx.opts.engine && kind === 'table') out = rewriteEngine(out, ctx.opts.engine);
  return out;
}

async function step(ctx: Ctx, t: TargetDb, name: string, body: () => Promise<void>): Promise<void> {
  if (t.steps.has(name)) return;
  await body();
  await ctx.store.recordStep(t.name, name);
  t.steps.set(name, '');
}

async function createSchema(ctx: Ctx, targets: readonly TargetDb[]): Promise<TableWork[]> {
  const started = Date.now();
  const { control, opts } = ctx;
  ctx.reporter.emit({ kind: 'phase-start', phase: 'schema', total: { tables: targets.reduce((n, t) => n + t.source.tables.length, 0), chunks: 0, rows: 0, bytes: 0 } });
  const work: TableWork[] = [];
  for (const t of targets) {
    const src = t.source;
    await readSchemaFile(opts.dumpDir, src.schema);
    await step(ctx, t, 'database', async () => {
      let cs = src.charset;
      let coll = src.collation;
      if (opts.convertUtf8mb4) {
        cs = convertUtf8mb4(cs);
        coll = convertUtf8mb4(coll);
      }
      await control.exec(`CREATE DATABASE IF NOT EXISTS ${quoteIdent(t.name)} CHARACTER SET ${cs} COLLATE ${coll}`, [], { database: t.name });
    });
    await control.exec(`USE ${quoteIdent(t.name)}`);
    for (const o of src.objects.filter((x) => x.kind === 'sequence')) {
      const text = splitSequenceFile(await readSchemaFile(opts.dumpDir, o.file)).create;
      await step(ctx, t, `sequence:${o.name}`, async () => {
        await withContext(ctx, t, o, async (s) => {
          await s.exec(ifNotExists(transformDdl(ctx, text, 'table')), [], { database: t.name, table: o.name });
        });
      });
    }
    for (const tb of src.tables) {
      const text = await readSchemaFile(opts.dumpDir, tb.schema);
      const split = splitCreateTable(transformDdl(ctx, text, 'table'), opts.deferIndexes);
      if (text.trim() !== '' && !t.steps.has(`table:${tb.name}`)) {
        await control.exec(ifNotExists(split.create), [], { database: t.name, table: tb.name });
        await recordIdentity(ctx, t, tb.name);
      }
      work.push({ db: t, table: tb, split, started: Date.now(), remaining: 0, rows: 0, bytes: 0, transactional: true, todo: [] });
    }
  }
  ctx.reporter.emit({ kind: 'phase-done', phase: 'schema', seconds: (Date.now() - started) / 1000 });
  return work;
}

// 7 -----------------------------------------------------------------------------------------------

function dataSessionSql(manifest: Manifest, opts: LoadOptions): string[] {
  // Not strict: LOAD DATA LOCAL already turns data conversion errors into warnings (LOCAL implies
  // IGNORE), and SQL chunks must load the same values the CSV path does (e.g. a FLOAT(M,D) value
  // read back with full float precision lies just outside M,D and is clipped to the same float).
  // Content damage is caught by the checksum verification instead.
  const modes = manifest.session.sqlMode
    .split(',')
    .map((m) => m.trim())
    .filter((m) => m !== '' && m !== 'NO_BACKSLASH_ESCAPES' && m !== 'STRICT_TRANS_TABLES' && m !== 'STRICT_ALL_TABLES');
  if (!modes.includes('NO_AUTO_VALUE_ON_ZERO')) modes.push('NO_AUTO_VALUE_ON_ZERO');
  const out = ["SET SESSION time_zone = '+00:00'", `SET SESSION sql_mode = ${plainLiteral(modes.join(','))}`, 'SET SESSION foreign_key_checks = 0', 'SET SESSION unique_checks = 0'];
  if (opts.skipBinlog) out.push('SET SESSION sql_log_bin = 0');
  return out;
}

/**
 * Data sessions are binary end to end (handshake charset binary): SQL chunk lines go to the server
 * byte for byte, and our own SQL text goes through `wire` (its UTF-8 bytes, one char per byte).
 */
async function openDataSession(ctx: Ctx): Promise<Session> {
  const s = await Session.open(ctx.opts.connection, { infile: true, charset: 'BINARY', label: 'data' });
  for (const q of ctx.dataSql) await s.exec(q);
  return s;
}

/** Text for a binary-handshake session: its UTF-8 bytes as a latin1 string (mysql2 writes it back byte for byte). */
function wire(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

const TRANSACTIONAL = new Set(['innodb', 'rocksdb', 'tokudb', 'ndbcluster']);

async function prepareResume(ctx: Ctx, w: TableWork): Promise<void> {
  const { db, table } = w;
  const engine = await ctx.control.scalar('SELECT ENGINE FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [db.name, table.name]);
  w.transactional = engine === null || TRANSACTIONAL.has(engine.toLowerCase());
  const progress = (c: ChunkEntry): ChunkProgress | undefined => db.progress.get(chunkKey(db.name, table.name, c.index));
  const incomplete = table.chunks.filter((c) => !progress(c)?.complete);
  if (!w.transactional && db.resumed && incomplete.length > 0) {
    const object = { database: db.name, table: table.name };
    if (table.key.kind === 'none' || table.chunks.length === 1) {
      ctx.reporter.emit({ kind: 'warning', message: `${qualified(db.name, table.name)} uses the non-transactional engine ${engine} and has no key: reloading the whole table`, ...object });
      await ctx.control.exec(`DELETE FROM ${qualified(db.name, table.name)}`, [], object);
      await ctx.store.forgetChunk(db.name, table.name, null);
      w.todo = table.chunks.map((chunk) => ({ chunk, skip: 0 }));
      w.remaining = w.todo.length;
      return;
    }
    ctx.reporter.emit({ kind: 'warning', message: `${qualified(db.name, table.name)} uses the non-transactional engine ${engine}: deleting the key range of ${incomplete.length} unfinished chunk(s) before reloading them`, ...object });
    for (const c of incomplete) {
      const where = rangeCondition(table.key, c.lower, c.upper);
      await ctx.control.exec(`DELETE FROM ${qualified(db.name, table.name)}${where ? ` WHERE ${where}` : ''}`, [], object);
      await ctx.store.forgetChunk(db.name, table.name, c.index);
    }
    w.todo = incomplete.map((chunk) => ({ chunk, skip: 0 }));
  } else {
    w.todo = incomplete.map((chunk) => ({ chunk, skip: progress(chunk)?.maxSub ?? 0 }));
  }
  w.remaining = w.todo.length;
  for (const c of table.chunks) {
    const p = progress(c);
    if (p?.complete) {
      w.rows += c.rows;
      w.bytes += c.bytes;
    }
  }
}

async function loadData(ctx: Ctx, work: TableWork[]): Promise<TableSummary[]> {
  const started = Date.now();
  const order = [...work].sort((a, b) => b.table.bytes - a.table.bytes || b.table.rows - a.table.rows);
  for (const w of order) await prepareResume(ctx, w);
  const total = { tables: work.length, chunks: order.reduce((n, w) => n + w.todo.length, 0), rows: order.reduce((n, w) => n + w.table.rows, 0), bytes: order.reduce((n, w) => n + w.table.bytes, 0) };
  ctx.reporter.emit({ kind: 'phase-start', phase: 'data', total });
  const doneChunks = order.reduce((n, w) => n + w.table.chunks.length - w.todo.length, 0);
  if (doneChunks > 0) ctx.reporter.emit({ kind: 'resumed', phase: 'data', chunks: doneChunks, rows: order.reduce((n, w) => n + w.rows, 0), bytes: order.reduce((n, w) => n + w.bytes, 0) });

  const data = pLimit(Math.max(1, ctx.opts.threads));
  const indexes = pLimit(Math.max(1, Math.ceil(ctx.opts.threads / 2)));
  const summaries: TableSummary[] = [];
  const indexJobs: Promise<void>[] = [];
  let failure: unknown;
  const tableDone = (w: TableWork): void => {
    summaries.push({ database: w.db.name, table: w.table.name, rows: w.rows, bytes: w.bytes, seconds: (Date.now() - w.started) / 1000 });
    ctx.reporter.emit({ kind: 'table-done', phase: 'data', database: w.db.name, table: w.table.name, rows: w.rows, bytes: w.bytes, seconds: (Date.now() - w.started) / 1000 });
    indexJobs.push(indexes(() => (failure ? Promise.resolve() : buildIndexes(ctx, w))));
  };
  const jobs: Promise<void>[] = [];
  for (const w of order) {
    if (w.todo.length === 0) {
      tableDone(w);
      continue;
    }
    for (const item of w.todo) {
      jobs.push(
        data(async () => {
          if (failure || ctx.signal?.aborted) return;
          try {
            await loadChunk(ctx, w, item.chunk, item.skip);
          } catch (e) {
            // queued jobs see the failure and return at once (clearQueue would leave their promises pending)
            failure ??= e;
            return;
          }
          if (--w.remaining === 0) tableDone(w);
        }),
      );
    }
  }
  await Promise.all(jobs);
  const indexResults = await Promise.allSettled(indexJobs);
  if (failure) throw failure;
  if (ctx.signal?.aborted) throw new TsError({ code: 'interrupted', message: 'interrupted; rerun the same command to resume' });
  for (const r of indexResults) if (r.status === 'rejected') throw r.reason;
  ctx.reporter.emit({ kind: 'phase-done', phase: 'data', seconds: (Date.now() - started) / 1000 });
  return summaries;
}

function loadDataSql(target: string, t: TableEntry, fileName: string): string {
  const cols = t.columns.filter((c) => c.dumped);
  const list: string[] = [];
  const sets: string[] = [];
  cols.forEach((c, i) => {
    if (c.codec === 'hex') {
      list.push(`@v${i}`);
      sets.push(`${quoteIdent(c.name)} = UNHEX(@v${i})`);
    } else list.push(quoteIdent(c.name));
  });
  return (
    `LOAD DATA LOCAL INFILE '${fileName}' INTO TABLE ${qualified(target, t.name)} CHARACTER SET binary ` +
    `FIELDS TERMINATED BY ',' ENCLOSED BY '"' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' ` +
    `(${list.join(', ')})${sets.length > 0 ? ` SET ${sets.join(', ')}` : ''}`
  );
}

let infileCounter = 0;

async function loadChunk(ctx: Ctx, w: TableWork, chunk: ChunkEntry, skip: number): Promise<void> {
  const started = Date.now();
  const { db, table } = w;
  const object = { database: db.name, table: table.name, chunk: chunk.index, file: chunk.path };
  const full = resolveInside(ctx.opts.dumpDir, chunk.path);
  // the whole file is hashed before any of its rows commit: a tampered chunk loads nothing
  const h = await hashFile(full);
  if (h.sha256 !== chunk.sha256) throw checksumError(chunk, h.sha256);
  const csv = ctx.manifest.options.format === 'csv';
  let session: Session | null = null;
  let rows = 0;
  const window = ctx.windows.pop() ?? new SubChunkWindow();
  let source: ChunkSource | null = null;
  try {
    source = await openChunk(full);
    const it = subChunks(source, ctx.limits, window)[Symbol.asyncIterator]();
    let cur = await it.next();
    if (cur.done && skip === 0) {
      // An empty chunk still records that it is done; like any write it may meet a deadlock.
      await withRetry(ctx, object, async (fresh) => {
        if (!session || fresh) {
          session?.destroy();
          session = await openDataSession(ctx);
        }
        try {
          await session.exec(PROGRESS_INSERT, [ctx.manifest.dumpId, wire(db.name), wire(table.name), chunk.index, 0, 0, 1], object);
        } catch (e) {
          if (errnoOf((e as TsError).cause) !== 1062 && (e as TsError).errno !== 1062) throw e;
        }
      });
    }
    while (!cur.done) {
      if (ctx.signal?.aborted) throw new TsError({ code: 'interrupted', message: 'interrupted; rerun the same command to resume', object });
      const sub = cur.value;
      if (sub.index > skip) {
        const r = await withRetry(ctx, object, async (fresh) => {
          if (!session || fresh) {
            session?.destroy();
            session = null;
            session = await openDataSession(ctx);
            if (fresh && (await committed(session, ctx, w, chunk, sub))) return 0;
          }
          return loadSub(ctx, session, w, chunk, sub, csv);
        });
        rows += r;
        ctx.reporter.emit({ kind: 'progress', phase: 'data', database: db.name, table: table.name, rows: r, bytes: sub.data.length });
      }
      cur = await it.next();
    }
  } finally {
    await source?.close();
    ctx.windows.push(window);
    const s = session as Session | null;
    await s?.close();
  }
  w.rows += chunk.rows;
  w.bytes += chunk.bytes;
  ctx.reporter.emit({ kind: 'chunk-done', phase: 'data', database: db.name, table: table.name, chunk: chunk.index, rows, bytes: chunk.bytes, seconds: (Date.now() - started) / 1000 });
}

async function committed(s: Session, ctx: Ctx, w: TableWork, chunk: ChunkEntry, sub: SubChunk): Promise<boolean> {
  const n = await s.scalar('SELECT COUNT(*) FROM tsload_progress.progress WHERE target_db = ? AND tbl = ? AND chunk = ? AND sub = ?', [wire(w.db.name), wire(w.table.name), chunk.index, sub.index]);
  return Number(n) > 0;
}

async function withRetry<T>(ctx: Ctx, object: { database: string; table: string; chunk: number; file: string }, body: (fresh: boolean) => Promise<T>): Promise<T> {
  const tries = 5;
  for (let attempt = 1; ; attempt++) {
    try {
      return await body(attempt > 1);
    } catch (e) {
      if (attempt >= tries || !isTransient(e) || ctx.signal?.aborted) throw e;
      ctx.reporter.emit({ kind: 'warning', message: `transient error on ${object.database}.${object.table} chunk ${object.chunk} (${(e as Error).message}); retry ${attempt}/${tries - 1} on a fresh connection`, database: object.database, table: object.table });
      await new Promise((r) => setTimeout(r, 250 * 2 ** (attempt - 1)));
    }
  }
}

/** One sub-chunk: its rows and its progress row in one transaction. Returns the rows loaded. */
async function loadSub(ctx: Ctx, s: Session, w: TableWork, chunk: ChunkEntry, sub: SubChunk, csv: boolean): Promise<number> {
  const { db, table } = w;
  const object = { database: db.name, table: table.name, chunk: chunk.index, file: chunk.path };
  let rows = 0;
  let line = sub.firstLine;
  let committing = false;
  refuseOversizedLines(ctx, sub, object, csv);
  await s.exec('START TRANSACTION');
  try {
    if (csv) {
      const name = `tsload-${process.pid}-${++infileCounter}.csv`;
      // One Buffer per transaction: mysql2 pauses a LOCAL INFILE stream on the socket's 'pause' and
      // resumes it only on 'drain', so a stream of several pieces can stall until the server's
      // net_read_timeout drops the connection (seen as a 30 s hang, then ECONNRESET).
      rows = await s.loadLocal(wire(loadDataSql(db.name, table, name)), name, () => Readable.from([sub.data]), object);
      await refuseWarnings(s, table, object, sub.firstLine, true);
    } else {
      await s.exec(wire(`USE ${quoteIdent(db.name)}`));
      for (const l of subChunkLines(sub)) {
        rows += await execBytes(s, l, object);
        await refuseWarnings(s, table, object, line, false);
        line++;
      }
    }
    try {
      await s.exec(PROGRESS_INSERT, [ctx.manifest.dumpId, wire(db.name), wire(table.name), chunk.index, sub.index, sub.lineCount, sub.last ? 1 : 0], object);
    } catch (e) {
      if (errnoOf((e as TsError).cause) === 1062 || (e as TsError).errno === 1062) {
        // an earlier attempt of this sub-chunk committed after all (lost connection during COMMIT)
        await s.exec('ROLLBACK');
        return 0;
      }
      throw e;
    }
    committing = true;
    await s.exec('COMMIT');
    return rows;
  } catch (e) {
    await s.exec('ROLLBACK').catch(() => undefined);
    // a failure at COMMIT (deferred checks, bulk-insert mode) belongs to the whole transaction
    throw rowError(e, object, csv || committing ? sub.firstLine : line, committing ? sub.firstLine + sub.lineCount - 1 : null);
  }
}

/**
 * A line longer than max_allowed_packet makes the server drop the connection: a deterministic
 * failure that retrying cannot fix. Refuse it before sending, naming the line and the setting.
 */
function refuseOversizedLines(ctx: Ctx, sub: SubChunk, object: { database: string; table: string; chunk: number; file: string }, csv: boolean): void {
  const limit = ctx.maxPacket - 1024;
  const { bytes, line: row } = sub.longest;
  if (bytes <= limit) return;
  const need = Math.min(1024 * 1024 * 1024, 2 ** Math.ceil(Math.log2(bytes + 1024)));
  throw new TsError({
    code: 'packet-too-large',
    message: `line ${row} of ${object.file} is ${formatBytes(bytes)}, more than the target's max_allowed_packet (${formatBytes(ctx.maxPacket)})`,
    object: { ...object, row },
    suggestion: `raise it on the target: SET GLOBAL max_allowed_packet = ${need}; (and in its config file), then rerun the same command${csv ? '' : '; or dump with a smaller --statement-size'}`,
  });
}

/**
 * LOAD DATA (and INSERT outside strict mode) turns a row that does not fit its table into a warning
 * and loads something else. Every warning fails the transaction, naming the first bad row — except
 * an out-of-range FLOAT(M,D) value, which is the server's own stored value read back at full
 * precision (storing it again gives the same bits).
 */
async function refuseWarnings(s: Session, table: TableEntry, object: { database: string; table: string; chunk: number; file: string }, firstLine: number, perRow: boolean): Promise<void> {
  if (s.lastWarningCount === 0) return;
  const floats = new Set(table.columns.filter((c) => c.codec === 'float').map((c) => c.name));
  const bad = (await s.warnings(10)).filter((w) => w.level !== 'Note' && !(w.code === 1264 && floats.has(/column '(.*?)'/.exec(w.message)?.[1] ?? '')));
  if (bad.length === 0) return;
  const first = bad[0]!;
  const at = /at row (\d+)/i.exec(first.message);
  const row = perRow && at ? firstLine + Number(at[1]) - 1 : firstLine;
  // Not 'bad-dump': the dump may be fine and the target table different (exit 1, a failed load).
  throw new TsError({
    code: 'query',
    message: `the data does not fit table ${object.database}.${object.table}: ${first.message} (line ${row} of ${object.file})${s.lastWarningCount > 1 ? ` and ${s.lastWarningCount - 1} more warning(s)` : ''}`,
    object: { ...object, row },
    errno: first.code,
    suggestion: 'nothing of this transaction was committed; the chunk file does not match its table (a damaged or edited dump, or a target table with another definition)',
  });
}

/** Executes one INSERT line of a SQL chunk, sending its bytes unchanged. */
async function execBytes(s: Session, line: Buffer, object: { database: string; table: string }): Promise<number> {
  let end = line.length;
  while (end > 0 && (line[end - 1] === 0x0a || line[end - 1] === 0x0d)) end--;
  if (end > 0 && line[end - 1] === 0x3b) end--;
  // latin1: one char per byte, written back unchanged by the binary session
  return s.exec(line.toString('latin1', 0, end), [], object);
}

/** Adds the file position: LOAD DATA's "at row N" counts from the sub-chunk's first line. */
function rowError(e: unknown, object: { database: string; table: string; chunk: number; file: string }, firstLine: number, lastLine: number | null): unknown {
  if (!(e instanceof TsError)) return e;
  if (isTransient(e) || e.object.row !== undefined) return e;
  const m = /at (?:row|line) (\d+)/i.exec(e.message);
  const row = m ? firstLine + Number(m[1]) - 1 : firstLine;
  const where = lastLine !== null && !m ? `in the transaction of lines ${firstLine}-${lastLine} of ${object.file}` : `line ${row} of ${object.file}`;
  return new TsError({ code: e.code, message: `${e.message} (${where})`, object: { ...object, row }, suggestion: e.suggestion, cause: e.cause ?? e, errno: e.errno });
}

async function buildIndexes(ctx: Ctx, w: TableWork): Promise<void> {
  const { db, table, split } = w;
  const name = `indexes:${table.name}`;
  if (db.steps.has(name) || split.indexes.length === 0) return;
  const started = Date.now();
  const s = await Session.open(ctx.opts.connection, { label: 'index' });
  try {
    for (const q of ctx.dataSql) await s.exec(q);
    await s.exec("SET SESSION time_zone = '+00:00'");
    const object = { database: db.name, table: table.name };
    const existing = new Set((await s.query<{ n: string }>('SELECT DISTINCT INDEX_NAME AS n FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [db.name, table.name])).map((r) => r.n));
    const missing = split.indexes.filter((c) => !existing.has(c.name));
    await recordIdentity(ctx, db, table.name, true);
    for (const q of alterStatements(qualified(db.name, table.name), missing)) await s.exec(q, [], object);
    await ctx.store.recordStep(db.name, name);
    db.steps.set(name, '');
    await recordIdentity(ctx, db, table.name);
  } finally {
    await s.close();
  }
  ctx.reporter.emit({ kind: 'table-done', phase: 'indexes', database: db.name, table: table.name, rows: 0, bytes: 0, seconds: (Date.now() - started) / 1000 });
}

// 8 -----------------------------------------------------------------------------------------------

async function addForeignKeys(ctx: Ctx, work: readonly TableWork[]): Promise<void> {
  for (const w of work) {
    const { db, table, split } = w;
    if (split.foreignKeys.length === 0 || db.steps.has(`fks:${table.name}`)) continue;
    const existing = new Set(
      (await ctx.control.query<{ n: string }>("SELECT CONSTRAINT_NAME AS n FROM information_schema.TABLE_CONSTRAINTS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND CONSTRAINT_TYPE = 'FOREIGN KEY'", [db.name, table.name])).map((r) => r.n),
    );
    const missing = split.foreignKeys.filter((c) => !existing.has(c.name));
    await recordIdentity(ctx, db, table.name, true);
    for (const q of alterStatements(qualified(db.name, table.name), missing)) await ctx.control.exec(q, [], { database: db.name, table: table.name });
    await ctx.store.recordStep(db.name, `fks:${table.name}`);
    db.steps.set(`fks:${table.name}`, '');
    await recordIdentity(ctx, db, table.name);
  }
}

// 9 -----------------------------------------------------------------------------------------------

/** Runs `body` in a session set up as the object was created on the source. */
async function withContext(ctx: Ctx, t: TargetDb, o: ObjectEntry, body: (s: Session) => Promise<void>): Promise<void> {
  const s = await Session.open(ctx.opts.connection, { label: 'object' });
  try {
    const c = o.context;
    if (c) {
      const cs = ctx.opts.convertUtf8mb4 ? convertUtf8mb4(c.characterSetClient) : c.characterSetClient;
      const coll = ctx.opts.convertUtf8mb4 ? convertUtf8mb4(c.collationConnection) : c.collationConnection;
      await s.exec(`SET NAMES ${cs} COLLATE ${coll}`);
      await s.exec(`SET SESSION sql_mode = ${plainLiteral(c.sqlMode)}`);
      if (c.timeZone) await s.exec(`SET SESSION time_zone = ${plainLiteral(c.timeZone)}`);
    }
    if (ctx.opts.skipBinlog) await s.exec('SET SESSION sql_log_bin = 0');
    await s.exec('SET SESSION foreign_key_checks = 0');
    await s.exec(`USE ${quoteIdent(t.name)}`);
    await body(s);
  } finally {
    await s.close();
  }
}

const DROP_FIRST: Partial<Record<ObjectEntry['kind'], string>> = { procedure: 'PROCEDURE', function: 'FUNCTION', trigger: 'TRIGGER', event: 'EVENT' };

async function createObjects(ctx: Ctx, targets: readonly TargetDb[]): Promise<void> {
  const started = Date.now();
  ctx.reporter.emit({ kind: 'phase-start', phase: 'post-data', total: { tables: 0, chunks: 0, rows: 0, bytes: 0 } });
  for (const t of targets) {
    const objs = t.source.objects;
    // routines first: a view may call a stored function
    const ordered = [
      ...objs.filter((o) => o.kind === 'procedure' || o.kind === 'function'),
      ...dependencyOrder(objs.filter((o) => o.kind === 'view')),
      ...objs.filter((o) => o.kind === 'trigger'),
      ...objs.filter((o) => o.kind === 'event'),
    ];
    for (const o of ordered) {
      const text = await readSchemaFile(ctx.opts.dumpDir, o.file);
      if (text.trim() === '') continue;
      await step(ctx, t, `${o.kind}:${o.name}`, async () => {
        await withContext(ctx, t, o, async (s) => {
          const object = { database: t.name, table: o.name };
          const drop = DROP_FIRST[o.kind];
          if (drop) await s.exec(`DROP ${drop} IF EXISTS ${quoteIdent(o.name)}`, [], object);
          const sql = commentForSqlMode(transformDdl(ctx, text, 'object'), o.context?.sqlMode ?? '');
          await s.exec(o.kind === 'view' ? orReplace(sql) : sql, [], object);
        });
      });
    }
  }
  ctx.reporter.emit({ kind: 'phase-done', phase: 'post-data', seconds: (Date.now() - started) / 1000 });
}

// 10 ----------------------------------------------------------------------------------------------

async function restoreCounters(ctx: Ctx, targets: readonly TargetDb[]): Promise<void> {
  for (const t of targets) {
    for (const o of t.source.objects.filter((x) => x.kind === 'sequence')) {
      const state = splitSequenceFile(await readSchemaFile(ctx.opts.dumpDir, o.file)).state;
      if (!state) continue;
      await step(ctx, t, `sequence-state:${o.name}`, async () => {
        await ctx.control.exec(renameDatabases(state, ctx.renames), [], { database: t.name, table: o.name });
      });
    }
    for (const tb of t.source.tables) {
      if (tb.autoIncrement === null) continue;
      await step(ctx, t, `auto-increment:${tb.name}`, async () => {
        await recordIdentity(ctx, t, tb.name, true);
        await ctx.control.exec(`ALTER TABLE ${qualified(t.name, tb.name)} AUTO_INCREMENT = ${BigInt(tb.autoIncrement ?? 1).toString()}`, [], { database: t.name, table: tb.name });
        await recordIdentity(ctx, t, tb.name);
      });
    }
  }
}

// 11 ----------------------------------------------------------------------------------------------

async function verify(ctx: Ctx, targets: readonly TargetDb[]): Promise<Mismatch[]> {
  const started = Date.now();
  ctx.reporter.emit({ kind: 'phase-start', phase: 'verify', total: { tables: targets.reduce((n, t) => n + t.source.tables.length, 0), chunks: 0, rows: 0, bytes: 0 } });
  const list = targets.flatMap((t) => t.source.tables.map((table) => ({ database: t.name, table })));
  const open = async (): Promise<Session> => {
    const s = await Session.open(ctx.opts.connection, { binary: true, label: 'verify' });
    await s.exec("SET SESSION time_zone = '+00:00'");
    return s;
  };
  const out = await verifyTables(open, list, ctx.opts.threads);
  ctx.reporter.emit({ kind: 'phase-done', phase: 'verify', seconds: (Date.now() - started) / 1000 });
  return out;
}

// replication ------------------------------------------------------------------------------------

const SAMPLE_VERSIONS = [
  ['MySQL 8.4', '8.4.0'],
  ['MariaDB', '11.4.2-MariaDB'],
] as const;

function replicationLines(m: Manifest): string[] {
  const s = m.snapshot;
  const pos = s.binlog ? `${s.binlog.file}:${s.binlog.position}` : 'none (binary log off on the source)';
  const out = [`source coordinates (${s.exact ? 'exact' : 'NOT exact: taken without a consistent lock'}): binlog ${pos}${s.gtid ? `, GTID ${s.gtid}` : ''}`];
  if (!s.binlog && !s.gtid) return out;
  const sourceIsMaria = /mariadb/i.test(m.server.flavor) || /mariadb/i.test(m.server.version);
  for (const [label, version] of SAMPLE_VERSIONS) {
    const f = parseVersion(version);
    const gtid = (f.kind === 'mariadb') === sourceIsMaria ? s.gtid : null;
    out.push(`to replicate from the source (${label}):`);
    out.push(...f.replicationStatement(s.binlog, gtid, m.server.host).split('\n').map((l) => `  ${l}`));
  }
  return out;
}
