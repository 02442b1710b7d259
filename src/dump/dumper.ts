/**
 * The dump protocol. Each numbered step is a named function below.
 *
 *  1. prepareOutput      refuse a non-empty directory (unless --overwrite of an earlier dump); mark it in progress
 *  2. connect            control session (locks, catalog, DDL) and flavor detection
 *  3. selectTables       databases and tables after filters
 *  4. openWorkers        N worker threads, each with its own session (connected before any lock)
 *  5. takeSnapshot       global lock (or a verified lock-free path), every session opens
 *                        START TRANSACTION WITH CONSISTENT SNAPSHOT, coordinates read, lock released
 *  6. writeSchema        database, table and object definitions with their creation context
 *  7. dumpData           plan chunks per table inside the snapshot, largest tables first, workers write them
 *  8. writeManifest      every file with size, sha256 and rows; temp file, fsync, rename — last
 */
import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pLimit from 'p-limit';
import { TsError, messageOf } from '../core/errors.js';
import type { Reporter, TableSummary } from '../core/events.js';
import {
  SYSTEM_DATABASES,
  listDatabases,
  readObjects,
  readTables,
  sequenceState,
  showCreateDatabase,
  showCreateObject,
  showCreateTable,
  type CatalogDatabase,
  type CatalogObject,
  type CatalogTable,
} from '../db/catalog.js';
import { detectFlavor, readBinlogPosition, readGtid, type Flavor } from '../db/flavor.js';
import { Session, type ConnectionSettings } from '../db/session.js';
import { lockWithWatchdog, snapshotCoordinates, startConsistentSnapshot } from '../db/snapshot.js';
import { sha256Hex } from '../format/hashing.js';
import {
  FORMAT_NAME,
  FORMAT_VERSION,
  type ChunkEntry,
  type Compression,
  type DataFormat,
  type DatabaseEntry,
  type FileEntry,
  type Manifest,
  type ObjectEntry,
  type SnapshotInfo,
  type TableEntry,
} from '../format/manifest.js';
import { MANIFEST_FILE, chunkFile, databaseFile, objectFile } from '../format/naming.js';
import { DATA_EXTENSIONS } from '../format/row-encoders.js';
import { planTable, type PlannedChunk } from './chunk-planner.js';
import { startWorkers, type DumpWorker } from './worker-pool.js';

export const LOCK_MODES = ['auto', 'ftwrl', 'backup-stage', 'no-lock'] as const;
export type LockMode = (typeof LOCK_MODES)[number];

export interface TableRef {
  readonly database: string;
  readonly table: string;
}

export interface DumpOptions {
  readonly connection: ConnectionSettings;
  readonly outputDir: string;
  readonly databases: readonly string[];
  readonly tables: readonly TableRef[];
  readonly ignoreTables: readonly TableRef[];
  readonly include: RegExp | null;
  readonly exclude: RegExp | null;
  readonly where: { readonly table: TableRef; readonly condition: string } | null;
  readonly threads: number;
  readonly format: DataFormat;
  readonly compression: Compression;
  readonly chunkBytes: number | null;
  readonly chunkRows: number | null;
  readonly statementSize: number;
  readonly checksum: boolean;
  readonly noData: boolean;
  readonly noSchema: boolean;
  readonly lockMode: LockMode;
  readonly lockWaitTimeoutMs: number;
  readonly allowInconsistent: boolean;
  readonly overwrite: boolean;
  readonly toolVersion: string;
}

export interface DumpResult {
  readonly manifest: Manifest;
  readonly tables: readonly TableSummary[];
  readonly seconds: number;
}

const IN_PROGRESS = '.tsdump-in-progress';
const SNAPSHOT_RETRIES = 5;

export async function runDump(options: DumpOptions, reporter: Reporter, signal?: AbortSignal): Promise<DumpResult> {
  let opts = options;
  const started = Date.now();
  const startedAt = new Date().toISOString();
  // Connect first: a wrong password or an unreachable host must not leave a half-prepared directory.
  const control = await Session.open(opts.connection, { label: 'control' });
  await prepareOutput(opts).catch(async (e: unknown) => {
    await control.close().catch(() => undefined);
    throw e;
  });
  let workers: DumpWorker[] = [];
  let planner: Session | undefined;
  try {
    const flavor = await detectFlavor(control);
    const { databases, tables, objects } = await selectTables(control, flavor, opts);
    const threads = opts.noData ? 0 : Math.max(1, opts.threads);
    workers = startWorkers(threads);
    await Promise.all(workers.map((w) => w.open(opts.connection)));
    planner = await Session.open(opts.connection, { binary: true, label: 'planner' });
    await planner.exec("SET SESSION time_zone = '+00:00'");
    const snapshot = await takeSnapshot(control, planner, workers, flavor, opts, reporter);
    const sessionVars = await readSessionContext(control);
    opts = await capStatementSize(control, opts, reporter);
    const dumpId = randomUUID();
    const totals = { tables: tables.length, chunks: 0, rows: sum(tables.map((t) => t.rowsEstimate)), bytes: sum(tables.map((t) => t.dataLength)) };
    reporter.emit({ kind: 'start', tool: 'tsdump', dumpId, totals, threads });

    const schema = await writeSchema(control, databases, tables, objects, opts, reporter);
    const data = opts.noData
      ? new Map<CatalogTable, { chunks: ChunkEntry[]; seconds: number }>()
      : await dumpData(planner, workers, tables, opts, reporter, signal);

    const manifest: Manifest = {
      format: FORMAT_NAME,
      formatVersion: FORMAT_VERSION,
      toolVersion: opts.toolVersion,
      dumpId,
      startedAt,
      finishedAt: new Date().toISOString(),
      server: { flavor: flavor.kind, version: flavor.version, host: opts.connection.socket ?? opts.connection.host ?? '127.0.0.1', port: opts.connection.socket ? null : (opts.connection.port ?? 3306) },
      snapshot,
      session: sessionVars,
      options: {
        format: opts.format,
        compression: opts.compression,
        chunkBytes: opts.chunkRows ? null : opts.chunkBytes,
        chunkRows: opts.chunkRows,
        statementSize: opts.statementSize,
        checksum: opts.checksum,
        threads,
        noData: opts.noData,
        noSchema: opts.noSchema,
      },
      databases: databases.map((db) => databaseEntry(db, tables, objects, schema, data)),
    };
    await writeManifest(opts.outputDir, manifest);
    const summaries: TableSummary[] = tables.map((t) => {
      const d = data.get(t);
      return { database: t.database, table: t.name, rows: sum(d?.chunks.map((c) => c.rows) ?? []), bytes: sum(d?.chunks.map((c) => c.bytes) ?? []), seconds: d?.seconds ?? 0 };
    });
    return { manifest, tables: summaries, seconds: (Date.now() - started) / 1000 };
  } finally {
    await planner?.close().catch(() => undefined);
    await Promise.all(workers.map((w) => w.close().catch(() => undefined)));
    await control.close().catch(() => undefined);
  }
}

// 1 ------------------------------------------------------------------------------------------------

async function prepareOutput(opts: DumpOptions): Promise<void> {
  const dir = opts.outputDir;
  await mkdir(dir, { recursive: true });
  const entries = await readdir(dir);
  if (entries.length > 0) {
    const ours = entries.includes(MANIFEST_FILE) || entries.includes(IN_PROGRESS);
    if (!opts.overwrite) {
      throw new TsError({
        code: 'usage',
        message: `output directory ${dir} is not empty`,
        suggestion: ours ? 'pass --overwrite to replace the dump in it, or choose another -o directory' : 'choose an empty or new -o directory',
      });
    }
    if (!ours) {
      throw new TsError({ code: 'usage', message: `output directory ${dir} is not empty and holds no tsdump dump; --overwrite only replaces a dump`, suggestion: 'choose an empty or new -o directory' });
    }
    // The manifest goes first: a crash during the cleanup must not leave a "complete" dump behind.
    await rm(path.join(dir, MANIFEST_FILE), { force: true });
    for (const e of entries) if (e !== MANIFEST_FILE) await rm(path.join(dir, e), { recursive: true, force: true });
  }
  await writeFile(path.join(dir, IN_PROGRESS), `tsdump started ${new Date().toISOString()}\n`);
}

// 3 ------------------------------------------------------------------------------------------------

async function selectTables(control: Session, flavor: Flavor, opts: DumpOptions): Promise<{ databases: CatalogDatabase[]; tables: CatalogTable[]; objects: CatalogObject[] }> {
  const all = await listDatabases(control);
  const wanted = new Set<string>([...opts.databases, ...opts.tables.map((t) => t.database)]);
  for (const name of wanted) {
    if (!all.some((d) => d.name === name)) {
      throw new TsError({ code: 'usage', message: `database '${name}' does not exist on the server, or this account has no privilege on it`, object: { database: name }, suggestion: 'check -B / -T (names are case-sensitive on most servers) and the account\'s grants (SHOW GRANTS)' });
    }
  }
  const databases = all.filter((d) => (wanted.size ? wanted.has(d.name) : !(SYSTEM_DATABASES as readonly string[]).includes(d.name.toLowerCase())));
  const tables: CatalogTable[] = [];
  const objects: CatalogObject[] = [];
  const onlyTables = opts.tables.length > 0;
  for (const db of databases) {
    const dbTables = await readTables(control, db.name, flavor);
    for (const t of dbTables) {
      const full = `${db.name}.${t.name}`;
      if (onlyTables && !opts.tables.some((r) => r.database === db.name && r.table === t.name)) continue;
      if (opts.ignoreTables.some((r) => r.database === db.name && r.table === t.name)) continue;
      if (opts.include && !opts.include.test(full)) continue;
      if (opts.exclude && opts.exclude.test(full)) continue;
      tables.push(t);
    }
    if (!onlyTables) objects.push(...(await readObjects(control, db.name, flavor)));
  }
  for (const r of opts.tables) {
    if (!tables.some((t) => t.database === r.database && t.name === r.table)) {
      throw new TsError({ code: 'usage', message: `table ${r.database}.${r.table} does not exist`, object: { database: r.database, table: r.table }, suggestion: 'check -T (db.table, names are case-sensitive)' });
    }
  }
  return { databases, tables, objects };
}

// 5 ------------------------------------------------------------------------------------------------

async function takeSnapshot(control: Session, planner: Session, workers: DumpWorker[], flavor: Flavor, opts: DumpOptions, reporter: Reporter): Promise<SnapshotInfo> {
  const mode = opts.lockMode;
  if (mode === 'ftwrl' || mode === 'backup-stage' || mode === 'auto') {
    try {
      return await snapshotUnderLock(control, planner, workers, flavor, mode === 'backup-stage' ? 'backup-stage' : 'ftwrl', opts);
    } catch (e) {
      const denied = e instanceof TsError && (e.code === 'privilege' || e.errno === 1227 || e.errno === 1044 || e.errno === 1045);
      if (mode !== 'auto' || !denied) {
        if (denied) {
          throw new TsError({ code: 'privilege', message: `cannot take the global read lock: ${e instanceof Error ? e.message : String(e)}`, suggestion: 'grant RELOAD (FLUSH TABLES WITH READ LOCK), or use --lock-mode no-lock (exact coordinates are still verified)', cause: e });
        }
        throw e;
      }
      reporter.emit({ kind: 'warning', message: 'no privilege for FLUSH TABLES WITH READ LOCK (RDS/Aurora?): using the lock-free snapshot, coordinates are verified' });
    }
  }
  return snapshotWithoutLock(planner, workers, flavor, opts, reporter);
}

async function snapshotUnderLock(control: Session, planner: Session, workers: DumpWorker[], flavor: Flavor, mode: 'ftwrl' | 'backup-stage', opts: DumpOptions): Promise<SnapshotInfo> {
  const killer = await Session.open(opts.connection, { label: 'lock watchdog' });
  try {
    if (mode === 'ftwrl') {
      await lockWithWatchdog(control, killer, 'FLUSH TABLES WITH READ LOCK', opts.lockWaitTimeoutMs, 'FLUSH TABLES WITH READ LOCK');
    } else {
      await control.exec('BACKUP STAGE START');
      await lockWithWatchdog(control, killer, 'BACKUP STAGE BLOCK_COMMIT', opts.lockWaitTimeoutMs, 'BACKUP STAGE BLOCK_COMMIT');
    }
  } finally {
    await killer.close();
  }
  try {
    await Promise.all([startConsistentSnapshot(planner), ...workers.map((w) => w.snapshot(false))]);
    const binlog = await readBinlogPosition(control, flavor);
    const gtid = await readGtid(control, flavor);
    return { mode, exact: true, binlog, gtid };
  } finally {
    await control.exec(mode === 'ftwrl' ? 'UNLOCK TABLES' : 'BACKUP STAGE END').catch(() => undefined);
  }
}

/**
 * Without a global lock the sessions' snapshots are only consistent with each other if nothing was
 * committed while they were opened. MariaDB says exactly where each snapshot is in the binlog; on
 * MySQL the position is read before and after. A mismatch retries, then fails (or, with
 * --allow-inconsistent, continues and says so in the manifest).
 */
async function snapshotWithoutLock(planner: Session, workers: DumpWorker[], flavor: Flavor, opts: DumpOptions, reporter: Reporter): Promise<SnapshotInfo> {
  for (let attempt = 1; attempt <= SNAPSHOT_RETRIES; attempt++) {
    const before = await readBinlogPosition(planner, flavor);
    const gtidBefore = await readGtid(planner, flavor);
    await startConsistentSnapshot(planner);
    const coords = await Promise.all(workers.map((w) => w.snapshot(flavor.hasSnapshotCoordinates)));
    const after = await readBinlogPosition(planner, flavor);
    const gtidAfter = await readGtid(planner, flavor);
    if (!before) {
      if (opts.allowInconsistent) return { mode: 'no-lock', exact: false, binlog: null, gtid: null, note: 'binary log is off: snapshot consistency across sessions could not be verified' };
      throw new TsError({ code: 'snapshot', message: 'cannot verify a lock-free snapshot: binary logging is off on the server', suggestion: 'use --lock-mode ftwrl (needs RELOAD), run with -t 1, or accept with --allow-inconsistent' });
    }
    const plannerCoords = flavor.hasSnapshotCoordinates ? await snapshotCoordinates(planner) : null;
    const all = flavor.hasSnapshotCoordinates ? [plannerCoords, ...coords] : [before, after];
    const same = all.every((c) => c !== null && c.file === all[0]!.file && c.position === all[0]!.position) && gtidBefore === gtidAfter;
    if (same) return { mode: 'no-lock', exact: true, binlog: all[0]!, gtid: gtidAfter };
    reporter.emit({ kind: 'warning', message: `writes landed while the snapshots opened (attempt ${attempt}/${SNAPSHOT_RETRIES}); retrying` });
    await planner.exec('ROLLBACK');
    // Workers restart their snapshot on the next 'snapshot' call (START TRANSACTION commits the old one).
    await sleep(200 * attempt);
    if (attempt === SNAPSHOT_RETRIES && opts.allowInconsistent) {
      return { mode: 'no-lock', exact: false, binlog: after, gtid: gtidAfter, note: 'INCONSISTENT: sessions opened their snapshots at different binlog positions; tables may not agree with each other' };
    }
  }
  throw new TsError({ code: 'snapshot', message: `could not open consistent snapshots without a lock: the server kept committing writes (${SNAPSHOT_RETRIES} attempts)`, suggestion: 'use --lock-mode ftwrl (needs RELOAD), dump at a quieter time, or accept with --allow-inconsistent (marked in the manifest)' });
}

/**
 * An INSERT longer than max_allowed_packet cannot be loaded anywhere that has the same setting:
 * SQL-format statements are kept below the source's value (a warning says so).
 */
async function capStatementSize(control: Session, opts: DumpOptions, reporter: Reporter): Promise<DumpOptions> {
  if (opts.format !== 'sql') return opts;
  const max = Number((await control.scalar('SELECT @@GLOBAL.max_allowed_packet')) ?? 0);
  const cap = max - 4096;
  if (max <= 0 || opts.statementSize <= cap) return opts;
  reporter.emit({ kind: 'warning', message: `--statement-size ${opts.statementSize} is more than the server's max_allowed_packet (${max}): INSERT statements are kept to ${cap} bytes so they can be loaded` });
  return Object.freeze({ ...opts, statementSize: cap });
}

async function readSessionContext(control: Session): Promise<{ sqlMode: string; timeZone: string }> {
  const r = await control.query<{ m: string; z: string }>('SELECT @@SESSION.sql_mode AS m, @@GLOBAL.time_zone AS z');
  return { sqlMode: r[0]?.m ?? '', timeZone: r[0]?.z ?? 'SYSTEM' };
}

// 6 ------------------------------------------------------------------------------------------------

interface SchemaFiles {
  readonly databases: Map<string, FileEntry>;
  readonly tables: Map<CatalogTable, FileEntry>;
  readonly objects: Map<CatalogObject, ObjectEntry>;
}

async function writeSchema(control: Session, databases: CatalogDatabase[], tables: CatalogTable[], objects: CatalogObject[], opts: DumpOptions, reporter: Reporter): Promise<SchemaFiles> {
  const started = Date.now();
  const total = { tables: tables.length, chunks: 0, rows: 0, bytes: 0 };
  reporter.emit({ kind: 'phase-start', phase: 'schema', total });
  const out: SchemaFiles = { databases: new Map(), tables: new Map(), objects: new Map() };
  for (const db of databases) {
    const sql = opts.noSchema ? '' : await showCreateDatabase(control, db.name);
    out.databases.set(db.name, await writeTextFile(opts.outputDir, databaseFile(db.name), sql));
  }
  for (const t of tables) {
    const sql = opts.noSchema ? '' : await showCreateTable(control, t.database, t.name);
    out.tables.set(t, await writeTextFile(opts.outputDir, objectFile(t.database, 'table', t.name), sql));
  }
  for (const o of opts.noSchema ? [] : objects) {
    const def = await showCreateObject(control, o);
    let sql = def.sql;
    if (o.kind === 'sequence') {
      const state = await sequenceState(control, o.database, o.name);
      if (state) sql = `${sql};\n${state}`;
    }
    const file = await writeTextFile(opts.outputDir, objectFile(o.database, o.kind, o.name), sql);
    const dependsOn = o.kind === 'view' ? objects.filter((v) => v.kind === 'view' && v !== o && mentions(def.sql, v.name)).map((v) => v.name) : undefined;
    out.objects.set(o, { kind: o.kind, name: o.name, file, definer: def.definer, context: def.context, ...(dependsOn ? { dependsOn } : {}), ...(o.table ? { table: o.table } : {}) });
  }
  reporter.emit({ kind: 'phase-done', phase: 'schema', seconds: (Date.now() - started) / 1000 });
  return out;
}

function mentions(sql: string, name: string): boolean {
  return sql.includes('`' + name.replace(/`/g, '``') + '`');
}

async function writeTextFile(dir: string, relative: string, text: string): Promise<FileEntry> {
  const full = path.join(dir, relative);
  await mkdir(path.dirname(full), { recursive: true });
  const data = Buffer.from(text, 'utf8');
  await writeFile(full, data);
  return { path: relative, bytes: data.length, sha256: sha256Hex(data) };
}

// 7 ------------------------------------------------------------------------------------------------

async function dumpData(
  planner: Session,
  workers: DumpWorker[],
  tables: CatalogTable[],
  opts: DumpOptions,
  reporter: Reporter,
  signal?: AbortSignal,
): Promise<Map<CatalogTable, { chunks: ChunkEntry[]; seconds: number }>> {
  const started = Date.now();
  const order = [...tables].sort((a, b) => b.dataLength - a.dataLength || b.rowsEstimate - a.rowsEstimate);
  reporter.emit({ kind: 'phase-start', phase: 'data', total: { tables: tables.length, chunks: 0, rows: sum(tables.map((t) => t.rowsEstimate)), bytes: sum(tables.map((t) => t.dataLength)) } });
  let failure: unknown;
  const idle = [...workers];
  const waiters: ((w: DumpWorker | null) => void)[] = [];
  const acquire = (): Promise<DumpWorker | null> => {
    const w = idle.pop();
    return w ? Promise.resolve(w) : new Promise((resolve) => waiters.push(resolve));
  };
  const fail = (e: unknown): void => {
    failure ??= e;
    for (const wake of waiters.splice(0)) wake(null);
  };
  const onAbort = (): void => {
    fail(new TsError({ code: 'interrupted', message: 'dump interrupted; no manifest was written', suggestion: 'run the dump again (with --overwrite into the same directory)' }));
    for (const w of workers) void w.kill();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  const release = (w: DumpWorker): void => {
    const next = waiters.shift();
    if (next) next(w);
    else idle.push(w);
  };
  const limit = pLimit(workers.length);
  const results = new Map<CatalogTable, { chunks: ChunkEntry[]; seconds: number }>();
  const running: Promise<void>[] = [];
  for (const table of order) {
    if (failure || signal?.aborted) break;
    // Planning runs on the planner's snapshot session while workers write earlier tables.
    const plan: PlannedChunk[] = await planTable(planner, table, opts).catch((e: unknown) => {
      throw e instanceof TsError ? e.withObject({ database: table.database, table: table.name }) : e;
    });
    const entries: ChunkEntry[] = new Array(plan.length);
    const tableStart = Date.now();
    let left = plan.length;
    const record = { chunks: entries, seconds: 0 };
    results.set(table, record);
    const where = opts.where && opts.where.table.database === table.database && opts.where.table.table === table.name ? opts.where.condition : null;
    plan.forEach((chunk, i) => {
      const index = i + 1;
      const file = chunkFile(table.database, table.name, index, DATA_EXTENSIONS[opts.format] + (opts.compression === 'gzip' ? '.gz' : opts.compression === 'zstd' ? '.zst' : ''));
      running.push(
        limit(async () => {
          if (failure || signal?.aborted) return;
          const worker = await acquire();
          if (!worker) return;
          const t0 = Date.now();
          try {
            reporter.emit({ kind: 'chunk-start', phase: 'data', database: table.database, table: table.name, chunk: index });
            const r = await worker.chunk(
              { database: table.database, table: table.name, index, columns: table.columns, key: table.key, lower: chunk.lower, upper: chunk.upper, where, dumpDir: opts.outputDir, file, format: opts.format, compression: opts.compression, statementSize: opts.statementSize, checksum: opts.checksum },
              (rows, bytes) => reporter.emit({ kind: 'progress', phase: 'data', database: table.database, table: table.name, rows, bytes }),
            );
            entries[i] = { index, path: file, bytes: r.bytes, sha256: r.sha256, rows: r.rows, lower: chunk.lower, upper: chunk.upper, ...(r.checksum !== undefined ? { checksum: r.checksum } : {}) };
            reporter.emit({ kind: 'chunk-done', phase: 'data', database: table.database, table: table.name, chunk: index, rows: r.rows, bytes: r.bytes, seconds: (Date.now() - t0) / 1000 });
            if (--left === 0) {
              record.seconds = (Date.now() - tableStart) / 1000;
              reporter.emit({ kind: 'table-done', phase: 'data', database: table.database, table: table.name, rows: sum(entries.map((e) => e.rows)), bytes: sum(entries.map((e) => e.bytes)), seconds: record.seconds });
            }
            release(worker);
          } catch (e) {
            // The worker's session is gone (it cannot rejoin the snapshot): never give it more work.
            fail(e instanceof TsError ? e.withObject({ database: table.database, table: table.name, chunk: index, file }) : e);
          }
        }),
      );
    });
  }
  await Promise.all(running);
  signal?.removeEventListener('abort', onAbort);
  if (failure) throw failure;
  reporter.emit({ kind: 'phase-done', phase: 'data', seconds: (Date.now() - started) / 1000 });
  return results;
}

// 8 ------------------------------------------------------------------------------------------------

function databaseEntry(
  db: CatalogDatabase,
  tables: CatalogTable[],
  objects: CatalogObject[],
  schema: SchemaFiles,
  data: Map<CatalogTable, { chunks: ChunkEntry[] }>,
): DatabaseEntry {
  const tableEntries: TableEntry[] = tables
    .filter((t) => t.database === db.name)
    .map((t) => {
      const chunks = data.get(t)?.chunks ?? [];
      return {
        name: t.name,
        engine: t.engine,
        schema: schema.tables.get(t)!,
        columns: t.columns,
        key: t.key,
        rows: sum(chunks.map((c) => c.rows)),
        bytes: sum(chunks.map((c) => c.bytes)),
        autoIncrement: t.autoIncrement,
        chunks,
      };
    });
  const objectEntries = objects.filter((o) => o.database === db.name).map((o) => schema.objects.get(o)).filter((o): o is ObjectEntry => o !== undefined);
  return { name: db.name, charset: db.charset, collation: db.collation, schema: schema.databases.get(db.name)!, tables: tableEntries, objects: objectEntries };
}

async function writeManifest(dir: string, manifest: Manifest): Promise<void> {
  await fsyncTree(dir);
  const tmp = path.join(dir, `${MANIFEST_FILE}.partial`);
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(JSON.stringify(manifest, null, 1) + '\n');
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path.join(dir, MANIFEST_FILE));
  await rm(path.join(dir, IN_PROGRESS), { force: true });
  await fsyncDir(dir);
}

async function fsyncTree(dir: string): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.isDirectory()) await fsyncDir(path.join(dir, e.name));
  }
  await fsyncDir(dir);
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } catch (e) {
    if (!/EINVAL|EISDIR|EPERM/.test(messageOf(e))) throw e;
  } finally {
    await fh.close();
  }
}

/** Removes what an interrupted run left (partial files); the missing manifest marks it incomplete. */
export async function cleanupPartials(dir: string): Promise<void> {
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.name.endsWith('.partial')) await rm(p, { force: true });
    }
  };
  if ((await stat(dir).catch(() => null))?.isDirectory()) await walk(dir);
}

function sum(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
