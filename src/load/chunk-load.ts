import { Readable } from 'node:stream';
import { TsError, type ErrorObject } from '../core/errors.js';
import { qualified, quoteIdent } from '../core/ident.js';
import { keyRangesMisread } from '../core/engines.js';
import { systemVersioned } from '../core/table-shape.js';
import { rangeCondition } from '../format/key-range.js';
import { isTransient } from '../db/server-errors.js';
import { retryTransient } from './retry.js';
import type { Session } from '../db/session.js';
import type { StatementRunner } from './control-session.js';
import { compressionOf } from '../format/compression.js';
import { hashFile } from '../format/hashing.js';
import type { ChunkEntry, TableEntry } from '../format/manifest.js';
import { streamHashes } from '../format/block-hashes.js';
import { checksumError } from './dump-reader.js';
import { openDataSession, type ChunkRef, type LoadContext, type TableWork } from './load-context.js';
import { dataLines } from '../format/data-fields.js';
import { chunkKey, mergedTableSuggestion } from './progress-store.js';
import { isMerged } from './existing-tables.js';
import type { OnDuplicateMode } from './load-options.js';
import { csvStatement, execBytes, expectedWarnings, loadDataSql, refuseOversizedLines, refuseWarnings, rowError, rowOf, sqlStatement, type StatementRows } from './row-checks.js';
import { BulkTable } from './bulk-load.js';
import { giveUpSession, killOnAbort, markOwned, withDeadline } from './session-guard.js';
import { SubChunkWindow, openChunk, subChunkLines, subChunks, type ChunkSource, type SubChunk, type SubChunkStart } from './sub-chunks.js';

/**
 * One chunk file into its table, split into sub-chunks, each loaded with its progress record in one
 * transaction, skipping the sub-chunks a previous run committed. Transient errors retry the
 * sub-chunk on a fresh connection.
 *
 * Integrity: with prefix hashes (or block hashes: older dumps) the file is read once and checked as
 * it streams: a block's bytes reach a sub-chunk only after its hash matched (openChunk). So no row
 * of a damaged block or after it commits; sub-chunks that lie wholly in earlier, intact blocks may
 * have committed when the load stops — authentic rows, recorded, so once the file is replaced by an
 * intact copy a rerun resumes exactly. Oldest dumps (neither): the whole file is hashed first (nothing of a
 * tampered chunk commits). A resumed uncompressed chunk starts reading at the block holding the
 * first sub-chunk still to load (its start is the recorded end of the last committed one); with
 * prefix hashes the blocks before it are read and checked first, their bytes dropped.
 */
let infileCounter = 0;

/**
 * A chunk into a table of a non-transactional engine (MyISAM, Aria: even TRANSACTIONAL=1 only makes it
 * crash-safe) cannot take a sub-chunk again after a transient error (unless duplicates are ignored or
 * replaced on a primary key): the failed statement may have left some of its rows, which no rollback
 * removes. There the chunk's rows are deleted (its key range, or the table when it is the only
 * chunk), its progress forgotten, and the chunk loaded again from its start, on a fresh connection,
 * as a resume does (data-load.ts).
 */
export async function loadChunk(ctx: LoadContext, w: TableWork, chunk: ChunkEntry, skip: number): Promise<void> {
  // a system-versioned table is only cleared whole (clearChunk), which would take the other chunks'
  // rows with it: a failure stops the load, and the rerun reloads the table (data-load.ts)
  if (retriesInPlace(ctx, w) || (clearedWhole(w.table) && w.table.chunks.length > 1)) return loadChunkOnce(ctx, w, chunk, skip);
  let from = skip;
  await retryTransient(ctx, `on ${w.db.name}.${w.table.name} chunk ${chunk.index} (a non-transactional table: its rows are deleted and the chunk loaded again)`, { database: w.db.name, table: w.table.name }, async (attempt) => {
    if (attempt > 1) {
      await clearChunk(ctx, w, chunk);
      from = 0;
    }
    await loadChunkOnce(ctx, w, chunk, from);
  });
}

/**
 * Whether a sub-chunk may run again after a transient error: in a transaction (rolled back), or where a
 * row it left is met as a duplicate and kept once (--on-duplicate ignore or replace, a primary key).
 */
export function retriesInPlace(ctx: LoadContext, w: TableWork): boolean {
  return w.transactional || (ctx.opts.restore.onDuplicate !== 'error' && w.table.key.kind === 'primary');
}

/**
 * Forgets a chunk's progress and deletes what it loaded into its table (its key range; the table when
 * it has one chunk or no key). Refused for a table that held rows before the load (--drop-table append,
 * --no-schema): its own rows in that range cannot be told from the chunk's. `through`: a later chunk
 * whose range continues `chunk`'s without a gap (the chunks between included): all of them at once.
 *
 * The progress goes first: the table does not roll back (clearChunk serves non-transactional tables
 * only), so no transaction can join the two, and a stop between them must leave a state the rerun
 * reads right. Progress forgotten and rows still there: the chunk is unfinished, cleared and
 * reloaded again. The other way round — rows deleted, progress kept — a chunk whose last COMMIT
 * succeeded but whose answer was lost (so it is being cleared after all) would be trusted as done
 * with its rows gone.
 */
export async function clearChunk(ctx: LoadContext, w: TableWork, chunk: ChunkEntry | null, through: ChunkEntry | null = chunk): Promise<void> {
  const { db, table } = w;
  refuseMerged(w, chunk);
  const whole = chunk === null || through === null || clearedWhole(table) || table.chunks.length === 1;
  const where = whole ? null : rangeCondition(table.key, chunk.lower, through.upper);
  const object = { database: db.name, table: table.name };
  const target = qualified(db.name, table.name);
  // A range Aria misreads on its index (core/engines.ts) is deleted by a scan (no index: USE INDEX (),
  // which DELETE takes in its multi-table form): through the index its first row stayed, and the reload failed on it.
  const sql = where === null ? `DELETE FROM ${target}` : keyRangesMisread(w.engine, table) ? `DELETE ${target} FROM ${target} USE INDEX () WHERE ${where}` : `DELETE FROM ${target} WHERE ${where}`;
  if (whole) await ctx.progress.forgetChunk(db.name, table.name, null);
  else for (let i = chunk.index; i <= through.index; i++) await ctx.progress.forgetChunk(db.name, table.name, i);
  const clear = async (): Promise<void> => {
    await ctx.control.exec(sql, [], object);
    if (systemVersioned(table.columns)) await deleteHistory(ctx.control, target, object);
  };
  try {
    await clear();
  } catch (e) {
    if (!crashed(e)) throw e;
    // The table is this load's (refuseMerged above): repairing it touches nothing of the user's.
    ctx.reporter.emit({ kind: 'warning', ...object, message: `the statement cut off in it left the table marked crashed (${e.message}): REPAIR TABLE, then its unfinished rows are deleted and reloaded (the verification counts every chunk after)` });
    await repair(ctx, db.name, table.name);
    await clear();
  }
}

/**
 * After a DELETE on a system-versioned table: the rows it deleted are kept as history, and the history
 * rows loaded as they were dumped stay; both go, or the reload meets them ("Duplicate entry"). MariaDB's
 * DELETE HISTORY takes no WHERE: only a table emptied whole can be cleared so. Our loads and script imports.
 */
export async function deleteHistory(control: StatementRunner, target: string, object: ErrorObject): Promise<void> {
  await control.exec(`DELETE HISTORY FROM ${target}`, [], object);
}

/**
 * A table whose unfinished chunks are cleared by emptying it (and all its chunks loaded again): one
 * without a key (no range to delete), or a system-versioned one (MariaDB's DELETE HISTORY takes no
 * WHERE: a chunk's history rows cannot be deleted alone).
 */
export function clearedWhole(table: TableEntry): boolean {
  return table.key.kind === 'none' || systemVersioned(table.columns);
}

/**
 * Errors of a MyISAM or Aria table whose index or data file is marked crashed: HA_ERR_CRASHED (126),
 * HA_ERR_WRONG_IN_RECORD (127), HA_ERR_CRASHED_ON_USAGE (145), ER_NOT_KEYFILE (1034), ER_CRASHED_ON_USAGE
 * (1194), ER_CRASHED_ON_REPAIR (1195). A statement killed mid-write can leave a table so (seen with a
 * partitioned Aria table and a LOAD DATA whose connection was killed).
 */
const CRASHED = new Set([126, 127, 145, 1034, 1194, 1195]);

function crashed(e: unknown): e is TsError {
  if (!(e instanceof TsError) || e.errno === undefined) return false;
  // ER_GET_ERRNO (1030): "Got error 126 "Index is corrupted" from storage engine"
  return CRASHED.has(e.errno) || (e.errno === 1030 && /\berror '?(126|127|145)\b/.test(e.message));
}

/** "Number of rows changed from N to M" with M ≥ N: REPAIR found rows (the cut statement's) the header did not count; none lost. */
function rowsFound(text: string): boolean {
  const m = /Number of rows changed from (\d+) to (\d+)/i.exec(text);
  return m !== null && BigInt(m[2]!) >= BigInt(m[1]!);
}

async function repair(ctx: LoadContext, db: string, table: string): Promise<void> {
  const rows = await ctx.control.query<{ Msg_type: string; Msg_text: string }>(`REPAIR TABLE ${qualified(db, table)}`, [], { database: db, table });
  // Anything but "status OK" (an error, or "Number of rows changed from N to M"): rows of chunks already
  // finished may be gone, which reloading the unfinished one would not bring back.
  const said = rows.filter((r) => !(r.Msg_type.toLowerCase() === 'status' && r.Msg_text.toUpperCase() === 'OK') && !rowsFound(r.Msg_text));
  if (said.length > 0) {
    throw new TsError({
      code: 'query',
      message: `REPAIR TABLE ${qualified(db, table)} did not simply repair it: ${said.map((r) => `${r.Msg_type}: ${r.Msg_text}`).join('; ')}`,
      object: { database: db, table },
      suggestion: `rows of its finished chunks may be lost: drop database ${db} and delete its rows from tsload_progress.runs/progress/steps, then load again`,
    });
  }
}

/** The refusal of clearChunk for a table that held rows before the load. */
export function refuseMerged(w: TableWork, chunk: ChunkEntry | null): void {
  const { db, table } = w;
  if (isMerged(db, table.name)) {
    throw new TsError({
      code: 'target-changed',
      message: `${qualified(db.name, table.name)} uses a non-transactional engine and held rows before this load: the rows a failed statement left of chunk ${chunk?.index ?? 1} cannot be told from them`,
      object: { database: db.name, table: table.name, ...(chunk ? { chunk: chunk.index, file: chunk.path } : {}) },
      suggestion: mergedTableSuggestion(db.name),
    });
  }
}

async function loadChunkOnce(ctx: LoadContext, w: TableWork, chunk: ChunkEntry, skip: number): Promise<void> {
  const started = Date.now();
  const { db, table } = w;
  const object = { database: db.name, table: table.name, chunk: chunk.index, file: chunk.path };
  if (!streamHashes(chunk)) {
    // no prefix or block hashes: the whole file is hashed before any of its rows commit
    const h = await hashFile(ctx.store, chunk.path);
    if (h.sha256 !== chunk.sha256) throw checksumError(chunk, h.sha256);
  }
  const from = resumeStart(w, chunk, skip);
  const uncompressed = compressionOf(chunk.path) === 'none';
  const csv = ctx.manifest.options.format === 'csv';
  const bulk = csv && ctx.csvMethod(table) === 'bulk' ? new BulkTable(db.name, table, ctx.opts.restore.onDuplicate, ctx.maxPacket) : null;
  let session: Session | null = null;
  let unguard: (() => void) | null = null;
  // A fresh data session, killed on the server if the load stops while it is in use. Still ours
  // before anything is loaded on it: a session opened after every connection of ours was lost (a
  // network cut) would otherwise load rows behind a loader that took over and finished — whose
  // progress rows are gone — and fail on them with a misleading "Duplicate entry" on a keyed
  // table, before the confirm that precedes each COMMIT could say what happened.
  const open = async (): Promise<Session> => {
    unguard?.();
    const failed = session as Session | null;
    session = null;
    if (failed) await giveUpSession(ctx, failed);
    const s = await openDataSession(ctx);
    session = s;
    unguard = killOnAbort(ctx, s);
    await markOwned(s);
    await ctx.lease.confirm(s, db.name);
    return s;
  };
  let rows = 0;
  let done = false;
  const window = ctx.windows.pop() ?? new SubChunkWindow();
  let source: ChunkSource | null = null;
  try {
    source = await openChunk(ctx.store, chunk, window, from?.offset ?? 0);
    const it = subChunks(source, db.limits, window, from)[Symbol.asyncIterator]();
    let cur = await it.next();
    if (cur.done && skip === 0) {
      // An empty chunk still records that it is done; like any write it may meet a deadlock.
      await retryTransient(ctx, `on ${object.database}.${object.table} chunk ${object.chunk}`, { database: object.database, table: object.table }, async (attempt) => {
        const fresh = attempt > 1;
        const s = !session || fresh ? await open() : (session as Session);
        await ctx.progress.recordSubChunk(s, { dumpId: ctx.manifest.dumpId, targetDb: db.name, table: table.name, chunk: chunk.index, sub: 0, rows: 0, last: true });
      });
    }
    while (!cur.done) {
      if (ctx.signal?.aborted) throw new TsError({ code: 'interrupted', message: 'interrupted; rerun the same command to resume', object });
      const sub = cur.value;
      if (sub.index > skip) {
        // a non-transactional table's sub-chunk is not retried in place: loadChunk reloads the chunk
        const r = await retryTransient(ctx, `on ${object.database}.${object.table} chunk ${object.chunk}`, { database: object.database, table: object.table }, async (attempt) => {
          const fresh = attempt > 1;
          let s = session as Session | null;
          if (!s || fresh) {
            s = await open();
            if (fresh && (await ctx.progress.isCommitted(s, { targetDb: db.name, table: table.name, chunk: chunk.index, sub: sub.index }))) return 0;
          }
          const on = s;
          return withDeadline(ctx, on, () => loadSub(ctx, on, w, chunk, sub, csv ? (bulk ?? 'load-data') : null, uncompressed ? sub.end : null), (seconds) => stuck(object, sub, !csv ? 'INSERT statements' : bulk ? 'bulk INSERTs' : 'LOAD DATA', seconds));
        }, retriesInPlace(ctx, w) ? undefined : 1);
        // Progress is in the dump's file bytes (the manifest's exact sizes): a compressed chunk's
        // sub-chunks are decompressed text, so their share is counted by rows.
        const bytes = uncompressed ? sub.data.length : chunk.rows > 0 ? Math.round((r * chunk.bytes) / chunk.rows) : 0;
        ctx.reporter.emit({ kind: 'progress', phase: 'data', database: db.name, table: table.name, chunk: chunk.index, rows: r, bytes });
      }
      cur = await it.next();
    }
    done = true;
  } finally {
    bulk?.dispose();
    await source?.close();
    ctx.windows.push(window);
    (unguard as (() => void) | null)?.();
    const s = session as Session | null;
    if (s && !done) await giveUpSession(ctx, s);
    else await s?.close();
  }
  w.rows += chunk.rows;
  w.bytes += chunk.bytes;
  // The whole chunk is in: its rows are the manifest's (a resumed chunk's committed sub-chunks included,
  // so totals never shrink after a resume).
  ctx.reporter.emit({ kind: 'chunk-done', phase: 'data', database: db.name, table: table.name, chunk: chunk.index, rows: chunk.rows, bytes: chunk.bytes, seconds: (Date.now() - started) / 1000 });
}

/**
 * Where a resumed chunk's read starts: just past its last committed sub-chunk, when that one's end
 * offset is recorded and the file can be entered there (uncompressed, with block hashes); else the
 * chunk is read from its start and the committed sub-chunks are skipped.
 */
function resumeStart(w: TableWork, chunk: ChunkEntry, skip: number): SubChunkStart | undefined {
  if (skip === 0 || !streamHashes(chunk) || compressionOf(chunk.path) !== 'none') return undefined;
  const p = w.db.progress.get(chunkKey(w.db.name, w.table.name, chunk.index));
  if (!p || p.maxSub !== skip || p.endOffset == null || p.endOffset > chunk.bytes) return undefined;
  return { index: skip, lines: p.rows, offset: p.endOffset };
}


/** How a CSV sub-chunk's rows are sent: LOAD DATA LOCAL, or by a table's bulk INSERT (bulk-load.ts). null: SQL statements. */
type CsvSender = 'load-data' | BulkTable | null;

/** One sub-chunk: its rows and its progress row in one transaction. Returns the rows loaded. */
async function loadSub(ctx: LoadContext, s: Session, w: TableWork, chunk: ChunkEntry, sub: SubChunk, sender: CsvSender, endOffset: number | null): Promise<number> {
  const { db, table } = w;
  const object = { database: db.name, table: table.name, chunk: chunk.index, file: chunk.path };
  const csv = sender !== null;
  let rows = 0;
  let line = sub.firstLine;
  let committing = false;
  const dup = ctx.opts.restore.onDuplicate;
  refuseOversizedLines(ctx, sub, object, csv);
  await s.exec('START TRANSACTION');
  try {
    if (sender !== null) {
      rows = await sendCsv(s, w, sender, sub.data, sub.firstLine, object, dup, sub.framed);
    } else {
      await s.exec(s.wireText(`USE ${quoteIdent(db.name)}`));
      for (const l of subChunkLines(sub)) {
        rows += await execBytes(s, sub.spaced, l, object, dup);
        await refuseWarnings(s, table, object, sqlStatement(l, line), expectedWarnings(dup), unrolled(w));
        line++;
      }
    }
    const recorded = await ctx.progress.recordSubChunk(s, { dumpId: ctx.manifest.dumpId, targetDb: db.name, table: table.name, chunk: chunk.index, sub: sub.index, rows: sub.lineCount, last: sub.last, endOffset });
    if (!recorded) {
      // an earlier attempt of this sub-chunk committed after all (lost connection during COMMIT)
      await s.exec('ROLLBACK');
      return 0;
    }
    // only while the load is still ours (load-lease.ts confirm)
    await ctx.lease.confirm(s, db.name);
    committing = true;
    await s.exec('COMMIT');
    return rows;
  } catch (e) {
    await s.exec('ROLLBACK').catch(() => undefined);
    if (e instanceof TsError && e.code === 'lock') throw e;
    // a failure that names no row (a duplicate key): find the line by loading prefixes
    const found = sender !== null && !committing && sub.lineCount > 1 && unplaced(e) ? await firstFailingLine(s, w, sender, sub, object, dup) : null;
    // a failure at COMMIT (deferred checks, bulk-insert mode) belongs to the whole transaction
    throw rowError(e, object, csv || committing ? sub.firstLine : line, committing ? sub.firstLine + sub.lineCount - 1 : null, found);
  }
}

/**
 * CSV rows (whole lines, file line `firstLine` first) into their table, their warnings refused
 * (refuseWarnings). `framed`: `data` with 4 bytes of scratch before it, for a LOAD DATA packet
 * sent without a copy (null: a copy is sent).
 */
async function sendCsv(s: Session, w: TableWork, sender: 'load-data' | BulkTable, data: Buffer, firstLine: number, object: ChunkRef, dup: OnDuplicateMode, framed: Buffer | null): Promise<number> {
  const check = (rows: StatementRows): Promise<void> => refuseWarnings(s, w.table, object, rows, expectedWarnings(dup), unrolled(w));
  if (sender !== 'load-data') return sender.insert(s, data, firstLine, object, check);
  const name = `tsload-${process.pid}-${++infileCounter}.csv`;
  const sql = s.wireText(loadDataSql(w.db.name, w.table, name, dup));
  // One packet per transaction, straight from the window (no copy): a stream of several pieces
  // can stall, as mysql2 pauses a LOCAL INFILE stream on the socket's 'pause' and resumes it
  // only on 'drain', until the server's net_read_timeout drops the connection (seen as a 30 s
  // hang, then ECONNRESET).
  const rows = framed ? await s.loadLocalFramed(sql, name, framed, object) : await s.loadLocal(sql, name, () => Readable.from([data]), object);
  await check(csvStatement(data, firstLine));
  return rows;
}

/** The table's engine when a rollback does not take back its rows (row-checks.ts refuseWarnings), else null. */
function unrolled(w: TableWork): string | null {
  return w.transactional ? null : (w.engine ?? 'non-transactional');
}

/** A sub-chunk whose transaction did not finish within --statement-timeout (it was killed). */
function stuck(object: ChunkRef, sub: SubChunk, what: string, seconds: number): TsError {
  const lines = sub.lineCount > 1 ? `lines ${sub.firstLine}-${sub.firstLine + sub.lineCount - 1}` : `line ${sub.firstLine}`;
  return new TsError({
    code: 'timeout',
    message: `the server did not finish the ${what} of ${lines} of ${object.file} within ${seconds} s; the statement was killed and its transaction rolled back`,
    object: { ...object, row: sub.firstLine },
    suggestion: 'the server makes no progress on it: check SHOW PROCESSLIST and its error log (a lock held by another session, a line it cannot parse in reasonable time, an overloaded server); lower --bytes-per-transaction or raise --statement-timeout, then rerun (it resumes where the load stopped)',
  });
}

function unplaced(e: unknown): boolean {
  return e instanceof TsError && !isTransient(e) && e.object.row === undefined && rowOf(e.message) === null;
}

/**
 * The first line of a CSV sub-chunk whose load fails: the shortest failing prefix, by bisection,
 * each prefix loaded in a transaction that is rolled back (about log2(lines) loads, on an error
 * path only). Null when the line cannot be found that way (every prefix loads: the failure needs
 * the whole transaction).
 */
async function firstFailingLine(s: Session, w: TableWork, sender: 'load-data' | BulkTable, sub: SubChunk, object: ChunkRef, dup: OnDuplicateMode): Promise<number | null> {
  const lines = dataLines(sub.data);
  const fails = async (n: number): Promise<boolean> => {
    await s.exec('START TRANSACTION');
    try {
      await sendCsv(s, w, sender, Buffer.concat(lines.slice(0, n)), sub.firstLine, object, dup, null);
      return false;
    } catch (e) {
      if (isTransient(e)) throw e;
      return true;
    } finally {
      await s.exec('ROLLBACK').catch(() => undefined);
    }
  };
  let ok = 0;
  let bad = lines.length;
  try {
    if (!(await fails(bad))) return null;
    while (bad - ok > 1) {
      const mid = (ok + bad) >> 1;
      if (await fails(mid)) bad = mid;
      else ok = mid;
    }
  } catch {
    return null; // the connection failed meanwhile: report the transaction as it is
  }
  return sub.firstLine + bad - 1;
}
