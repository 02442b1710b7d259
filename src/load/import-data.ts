/**
 * Script import, step 7: the INSERT batches of every table in parallel sessions, each batch one
 * transaction that also records its progress row (chunk = the batch's number in its table, end
 * offset = where it ends in the script), so a rerun skips exactly the batches that committed. A
 * table's deferred indexes are added as soon as its last batch is in.
 *
 * Reading: an uncompressed script is read batch by batch at its offsets from one open file
 * (committed batches are skipped, short gaps read through); a compressed one is read once from its
 * start, in order, each batch handed to the next free session. Either way a session holds one
 * batch: memory is threads × batch size. Its statements go to the socket from that buffer
 * (loadBatch, Session.execFramed).
 */
import pLimit from 'p-limit';
import { TsError } from '../core/errors.js';
import { retryTransient } from './retry.js';
import type { TableSummary } from '../core/events.js';
import { isTransient } from '../db/server-errors.js';
import type { Session } from '../db/session.js';
import { classify } from '../format/sql-classify.js';
import type { DataBatch } from '../format/script-batch.js';
import { DUPLICATE_VERBS, insertQualifier, insertVerbLength } from '../format/insert-verb.js';
import { HEAD_BYTES, SqlSplitter, type SqlStatement } from '../format/sql-splitter.js';
import { IMPORT_STEP, commitImportBatch, interrupted, openImportSession, wireIdent, wireQualified, type ImportContext, type ImportTableWork } from './import-context.js';
import { buildImportIndexes } from './import-indexes.js';
import { statementError } from './import-errors.js';
import { ScriptRanges, scriptBytes, type ScriptFile } from './import-source.js';
import { loadInfileBatch } from './mydumper-infile.js';
import { execInPlace, expectedWarnings } from './row-checks.js';
import { giveUpSession, killOnAbort, markOwned, withDeadline } from './session-guard.js';

/** Free bytes in front of a batch's bytes: the packet header and a longer verb (--on-duplicate) of its first statement. */
const ROOM = 32;

interface Fed {
  readonly w: ImportTableWork;
  readonly batch: DataBatch;
  /** ROOM free bytes, then the batch's bytes. */
  readonly bytes: Buffer;
}

const NO_BYTES = Buffer.alloc(0);

/** Every batch still to load, with its bytes, file by file in script order. */
async function* feed(ctx: ImportContext, work: readonly ImportTableWork[]): AsyncGenerator<Fed> {
  const all = work.flatMap((w) => w.todo.map((batch) => ({ w, batch }))).sort((a, b) => a.batch.file - b.batch.file || a.batch.start - b.batch.start);
  for (let i = 0; i < all.length; ) {
    if (all[i]!.batch.infile) {
      // a LOAD DATA chunk's file is streamed by its loader (mydumper-infile.ts), not read here
      yield { ...all[i]!, bytes: NO_BYTES };
      i++;
      continue;
    }
    const fileNo = all[i]!.batch.file;
    let j = i;
    while (j < all.length && all[j]!.batch.file === fileNo) j++;
    yield* feedFile(ctx.files[fileNo]!, all.slice(i, j));
    i = j;
  }
}

async function* feedFile(file: ScriptFile, all: readonly { w: ImportTableWork; batch: DataBatch }[]): AsyncGenerator<Fed> {
  if (file.compression === 'none') {
    const ranges = new ScriptRanges(file);
    try {
      for (const x of all) yield { ...x, bytes: await ranges.read(x.batch.start, x.batch.end, ROOM) };
    } finally {
      await ranges.close();
    }
    return;
  }
  let at = 0;
  let i = 0;
  // the batch being filled: its bytes go straight from the decompressed pieces into it
  let out: Buffer | null = null;
  let filled = 0;
  for await (const piece of scriptBytes(file)) {
    let p = piece;
    while (p.length > 0 && i < all.length) {
      const { batch } = all[i]!;
      if (at + p.length <= batch.start) {
        at += p.length;
        p = p.subarray(p.length);
        break;
      }
      if (at < batch.start) {
        p = p.subarray(batch.start - at);
        at = batch.start;
      }
      out ??= Buffer.allocUnsafe(ROOM + batch.end - batch.start);
      const take = Math.min(p.length, batch.end - at);
      p.copy(out, ROOM + filled, 0, take);
      filled += take;
      p = p.subarray(take);
      at += take;
      if (at === batch.end) {
        yield { ...all[i]!, bytes: out };
        out = null;
        filled = 0;
        i++;
      }
    }
    if (i >= all.length) return;
  }
  throw new TsError({ code: 'bad-dump', message: `${file.display} ends before the batch at byte ${all[i]!.batch.start} (it changed since it was planned)`, object: { file: file.display }, suggestion: 'rerun with a file that does not change during the load' });
}

/**
 * The server accepted a statement with warnings (a value it changed on the way in: the file's own
 * sql_mode is not strict, as `mariadb < file` runs it). Said, not fatal — the first few in full,
 * then only how many more.
 */
const WARNINGS_SHOWN = 10;
const warned = new WeakMap<ImportContext, number>();

/** 1906: a value given for a generated column is ignored — mysqldump writes them all; nothing changes. */
const HARMLESS = new Set([1906]);

async function reportWarnings(ctx: ImportContext, s: Session, where: string): Promise<void> {
  const shown = warned.get(ctx) ?? 0;
  if (shown >= WARNINGS_SHOWN) return;
  const expected = expectedWarnings(ctx.opts.restore.onDuplicate);
  const list = (await s.warnings(20)).filter((w) => !HARMLESS.has(w.code) && !expected.includes(w.code)).slice(0, 3);
  if (list.length === 0) return;
  const n = shown + 1;
  warned.set(ctx, n);
  const text = list.map((w) => `${w.code}: ${w.message}`).join('; ');
  ctx.reporter.emit({ kind: 'warning', message: `${where}: the server changed values on the way in (${text})${n === WARNINGS_SHOWN ? '; further statements with warnings are not shown' : ''}` });
}

/** The database each data session is in (USE): a session's batches are mostly of one database. */
const sessionDb = new WeakMap<Session, string>();

const isBlank = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

/** Where a statement of a batch is, and its first bytes. */
type Span = Pick<SqlStatement, 'bodyStart' | 'end' | 'line' | 'head'>;

/**
 * The batch's statements: where the plan put them (a short batch), else split again from its
 * bytes — exactly the ones planned, or the file changed.
 */
function statementsOf(ctx: ImportContext, f: Fed): Span[] {
  const { w, batch, bytes } = f;
  if (batch.spans) {
    const out: Span[] = [];
    for (let k = 0; k < batch.spans.length; k += 3) {
      const bodyStart = batch.spans[k]!;
      const end = batch.spans[k + 1]!;
      const from = ROOM + bodyStart - batch.start;
      out.push({ bodyStart, end, line: batch.spans[k + 2]!, head: bytes.toString('latin1', from, Math.min(ROOM + end - batch.start, from + HEAD_BYTES)) });
    }
    return out;
  }
  const fileName = ctx.files[batch.file]!.display;
  const splitter = new SqlSplitter({ startOffset: batch.start, startLine: batch.line, delimiter: batch.delimiter, sqlMode: batch.noBackslashEscapes ? 'NO_BACKSLASH_ESCAPES' : '', keep: () => false });
  const statements = [...splitter.push(bytes.subarray(ROOM)), ...splitter.finish()];
  if (statements.length !== batch.statements || statements.some((st) => !st.terminated)) {
    throw new TsError({ code: 'bad-dump', message: `${fileName} changed since it was planned: the batch of ${w.table.name} at line ${batch.line} holds ${statements.length} statements, not ${batch.statements}`, object: { database: w.target.name, table: w.table.name, file: fileName }, suggestion: 'rerun with a file that does not change during the load' });
  }
  return statements;
}

/**
 * The statement bytes[from, end) with every CR LF read as LF (as the mysql / mariadb client reads a
 * file, unless --binary-mode), after ROOM free bytes; null when it holds no CR LF (sent as it lies).
 */
function lfOnly(bytes: Buffer, from: number, end: number): Buffer | null {
  let cr = bytes.indexOf('\r\n', from, 'latin1');
  if (cr < 0 || cr >= end) return null;
  const out = Buffer.allocUnsafe(ROOM + end - from);
  let n = ROOM;
  let at = from;
  while (cr >= 0 && cr < end) {
    n += bytes.copy(out, n, at, cr);
    at = cr + 1;
    cr = bytes.indexOf('\r\n', at, 'latin1');
  }
  n += bytes.copy(out, n, at, end);
  return out.subarray(0, n);
}

/**
 * The qualified INSERT bytes[from, end) naming database `target` instead (in `charset`, the
 * session's character_set_client), after ROOM free bytes;
 * null when it names it already, 'unreadable' when the qualifier is not where insertQualifier reads it.
 */
function requalified(bytes: Buffer, from: number, end: number, target: string, charset: string): Buffer | 'unreadable' | null {
  const q = insertQualifier(bytes, from, end);
  if (q === null) return 'unreadable';
  const name = Buffer.from(wireIdent(target, charset), 'latin1');
  if (bytes.subarray(q.from, q.to).equals(name)) return null;
  return Buffer.concat([Buffer.alloc(ROOM), bytes.subarray(from, q.from), name, bytes.subarray(q.to, end)]);
}

/**
 * One batch: its INSERT statements and its progress row in one transaction. Returns the rows
 * inserted. Each statement is sent from the batch's buffer as it is (Session.execFramed), its
 * verb swapped in place for --on-duplicate ignore / replace; the bytes in front of it that the
 * packet header and a longer verb take are the previous statement's, sent already, and are put
 * back after it, so a retry reads the batch unchanged.
 */
async function loadBatch(ctx: ImportContext, s: Session, f: Fed): Promise<number> {
  const { w, batch, bytes } = f;
  const fileName = ctx.files[batch.file]!.display;
  const db = w.target.name;
  const table = w.table.name;
  const object = { database: db, table };
  const dup = ctx.opts.restore.onDuplicate;
  const verb = dup === 'error' ? null : DUPLICATE_VERBS[dup];
  const statements = statementsOf(ctx, f);
  let rows = 0;
  const state = { committing: false };
  // mysqldump's INSERTs name the table alone: they go to the database the session is in
  if (sessionDb.get(s) !== db) {
    await s.exec(`USE ${wireIdent(db, ctx.charset)}`);
    sessionDb.set(s, db);
  }
  await s.exec('START TRANSACTION');
  try {
    for (const st of statements) {
      const what = classify(st.head);
      if (what.kind !== 'insert' || what.table !== table) throw new TsError({ code: 'bad-dump', message: `${fileName} changed since it was planned: line ${st.line} is not an INSERT into ${table}`, object: { ...object, file: fileName } });
      const from = ROOM + st.bodyStart - batch.start;
      let end = ROOM + st.end - batch.start - batch.delimiter.length;
      if (bytes.toString('latin1', end, end + batch.delimiter.length) !== batch.delimiter) throw new TsError({ code: 'bad-dump', message: `${fileName} changed since it was planned: the statement at line ${st.line} does not end where it did`, object: { ...object, file: fileName }, suggestion: 'rerun with a file that does not change during the load' });
      while (end > from && isBlank(bytes[end - 1]!)) end--;
      if (end - from + 64 > ctx.maxPacket) {
        throw new TsError({ code: 'packet-too-large', message: `the statement at line ${st.line} (byte ${st.bodyStart}) of ${fileName} is ${end - from} bytes, more than the target's max_allowed_packet (${ctx.maxPacket})`, object: { ...object, file: fileName }, suggestion: `raise it on the target: SET GLOBAL max_allowed_packet = ${Math.min(1 << 30, 2 ** Math.ceil(Math.log2(end - from + 1024)))}` });
      }
      // `src`.`t` (DBeaver's, phpMyAdmin's INSERTs): the plan made sure the qualifier is the table's source database
      const renamed = what.database === null || what.database === db ? null : requalified(bytes, from, end, db, ctx.charset);
      if (renamed === 'unreadable') throw new TsError({ code: 'bad-dump', message: `the INSERT at line ${st.line} of ${fileName} names database ${what.database} where tsload cannot rewrite it to the target ${db} (${JSON.stringify(bytes.toString('latin1', from, Math.min(end, from + 60)))})`, object: { ...object, file: fileName }, suggestion: 'edit the statement to start with INSERT INTO `db`.`table`, or leave the database out of it' });
      const [buf, at, stop] = renamed ? [renamed, ROOM, renamed.length] : [bytes, from, end];
      const verbLength = verb ? insertVerbLength(buf, at, stop) : 0;
      if (verb && verbLength === 0) {
        throw new TsError({ code: 'bad-dump', message: `--on-duplicate ${dup}: the INSERT at line ${st.line} of ${fileName} (${db}.${table}) does not start with a verb tsload can change (${JSON.stringify(bytes.toString('latin1', from, Math.min(end, from + 40)))})`, object: { ...object, file: fileName }, suggestion: 'load the file without --on-duplicate, or edit the statement to start with INSERT INTO' });
      }
      // a file saved with Windows line endings: the client reads CR LF as LF, in string literals too
      const unix = lfOnly(buf, at, stop);
      try {
        rows += await (unix ? execInPlace(s, unix, ROOM, unix.length, verb, verbLength, object) : execInPlace(s, buf, at, stop, verb, verbLength, object));
      } catch (e) {
        if (isTransient(e)) throw e;
        throw statementError(e, { file: fileName, line: st.line, offset: st.bodyStart, database: db, table }, `${verb ? verb.toString('latin1') : ''}${bytes.toString('latin1', from + verbLength, Math.min(end, from + verbLength - (verb?.length ?? 0) + 200))}`);
      }
      if (s.lastWarningCount > 0) await reportWarnings(ctx, s, `${fileName} line ${st.line} (${db}.${table})`);
    }
    // REPLACE counts a replaced row twice (deleted, inserted), ON DUPLICATE KEY UPDATE an updated one: the rows written are the file's
    if (dup === 'replace' || w.table.updatesOnDuplicate === true) rows = batch.rows;
    return await commitImportBatch(ctx, s, f.w, batch, rows, state);
  } catch (e) {
    if (!state.committing) await s.exec('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

export async function loadImportData(outer: ImportContext, work: ImportTableWork[]): Promise<TableSummary[]> {
  // The first failure anywhere (a batch, an index build) stops the rest, as a signal does: the
  // sessions in use are killed, queued work does not start (what committed is recorded).
  const stop = new AbortController();
  const ctx: ImportContext = { ...outer, signal: outer.signal ? AbortSignal.any([outer.signal, stop.signal]) : stop.signal };
  const started = Date.now();
  const total = { tables: work.length, chunks: work.reduce((n, w) => n + w.table.batches.length, 0), rows: work.reduce((n, w) => n + w.table.rows, 0), bytes: work.reduce((n, w) => n + w.table.bytes, 0) };
  ctx.reporter.emit({ kind: 'phase-start', phase: 'data', total });
  const doneBatches = work.reduce((n, w) => n + w.table.batches.length - w.todo.length, 0);
  if (doneBatches > 0) ctx.reporter.emit({ kind: 'resumed', phase: 'data', chunks: doneBatches, rows: work.reduce((n, w) => n + w.rows, 0), bytes: work.reduce((n, w) => n + w.bytes, 0) });
  const indexes = pLimit(Math.max(1, Math.ceil(ctx.opts.threads / 2)));
  const indexJobs: Promise<void>[] = [];
  const summaries: TableSummary[] = [];
  let failure: unknown;
  const fail = (e: unknown): void => {
    failure ??= e;
    stop.abort();
  };
  const tableDone = (w: ImportTableWork): void => {
    const seconds = (Date.now() - w.started) / 1000;
    summaries.push({ database: w.target.name, table: w.table.name, rows: w.rows, bytes: w.bytes, seconds });
    ctx.reporter.emit({ kind: 'table-done', phase: 'data', database: w.target.name, table: w.table.name, rows: w.rows, bytes: w.bytes, seconds });
    indexJobs.push(
      indexes(async () => {
        if (failure || ctx.signal?.aborted) return;
        await buildImportIndexes(ctx, w).catch(fail);
      }),
    );
  };
  for (const w of work) if (w.remaining === 0) tableDone(w);
  const batches = feed(ctx, work);
  const inOrder = ctx.opts.restore.onDuplicate !== 'error';
  const turns = new Map<ImportTableWork, Promise<void>>();
  const worker = async (): Promise<void> => {
    let session: Session | null = null;
    // the session in use is killed on the server when the load stops (session-guard.ts)
    let unguard = (): void => undefined;
    try {
      for (;;) {
        if (failure || ctx.signal?.aborted) return;
        const next = await batches.next();
        if (next.done) return;
        const f = next.value;
        const { w, batch } = f;
        // --on-duplicate: which of two rows with one key stays is the file's order (ignore keeps the
        // first, replace the last), so a table's batches run one after the other; so do those of a
        // table whose ids the server gives (AUTO_INCREMENT left out of the INSERT): the client's ids;
        // and of one whose INSERTs update on a duplicate key: the update of the last row of a key stays
        let turnDone = (): void => undefined;
        if (inOrder || w.table.serverIds === true || w.table.updatesOnDuplicate === true) {
          const before = turns.get(w);
          turns.set(w, new Promise<void>((resolve) => (turnDone = resolve)));
          await before;
          if (failure || ctx.signal?.aborted) {
            turnDone();
            return;
          }
        }
        const rows = await retryTransient(ctx, `on ${w.target.name}.${w.table.name} line ${batch.line}`, { database: w.target.name, table: w.table.name }, async (attempt) => {
          const fresh = attempt > 1;
          if (!session || fresh) {
            unguard();
            const failed = session;
            session = null;
            if (failed) await giveUpSession(ctx, failed);
            session = await openImportSession(ctx, 'data');
            unguard = killOnAbort(ctx, session);
            await markOwned(session);
            if (fresh) {
              // a lost connection may have been every connection of ours: still ours before anything
              // is read or loaded (another loader that took over and finished left no progress row)
              await ctx.lease.confirm(session, w.target.name);
              if (await ctx.progress.isCommitted(session, { targetDb: w.target.name, table: w.table.name, chunk: batch.index, sub: 0 })) return batch.rows;
            }
          }
          const on = session;
          return withDeadline(ctx, on, () => (batch.infile ? loadInfileBatch(ctx, on, w, batch, (x, where) => reportWarnings(ctx, x, where)) : loadBatch(ctx, on, f)), (seconds) => stuck(ctx, f, seconds));
        }, w.transactional ? undefined : 1)
          // a failed batch stops the load before the table's next batch may start
          .catch((e: unknown) => {
            failure ??= e;
            throw e;
          })
          .finally(turnDone);
        w.rows += rows;
        w.bytes += batch.end - batch.start;
        ctx.reporter.emit({ kind: 'progress', phase: 'data', database: w.target.name, table: w.table.name, chunk: batch.index + 1, rows, bytes: batch.end - batch.start });
        if (--w.remaining === 0) tableDone(w);
      }
    } catch (e) {
      fail(e);
      const s = session as Session | null;
      session = null;
      if (s) await giveUpSession(ctx, s);
    } finally {
      unguard();
      const s = session as Session | null;
      await s?.close().catch(() => undefined);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, ctx.opts.threads) }, worker));
  await batches.return(undefined);
  await Promise.all(indexJobs);
  // stopped by a signal, the batches fail on their killed sessions: the stop is what to report
  if (outer.signal?.aborted) throw interrupted();
  if (failure) throw failure;
  ctx.reporter.emit({ kind: 'phase-done', phase: 'data', seconds: (Date.now() - started) / 1000 });
  return summaries;
}

/** A batch whose transaction did not finish within --statement-timeout (it was killed). */
function stuck(ctx: ImportContext, f: Fed, seconds: number): TsError {
  const file = ctx.files[f.batch.file]!.display;
  return new TsError({
    code: 'timeout',
    message: `the server did not finish the INSERT statements of ${f.w.target.name}.${f.w.table.name} at line ${f.batch.line} of ${file} within ${seconds} s; the statement was killed and its transaction rolled back`,
    object: { database: f.w.target.name, table: f.w.table.name, file, row: f.batch.line },
    suggestion: 'the server makes no progress on it: check SHOW PROCESSLIST and its error log (a lock held by another session, an overloaded server); lower --bytes-per-transaction or raise --statement-timeout, then rerun (it resumes where the load stopped)',
  });
}
