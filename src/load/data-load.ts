import pLimit from 'p-limit';
import { TsError } from '../core/errors.js';
import type { TableSummary } from '../core/events.js';
import { qualified } from '../core/ident.js';
import { systemVersioned } from '../core/table-shape.js';
import { clearChunk, clearedWhole, loadChunk, refuseMerged, retriesInPlace } from './chunk-load.js';
import { analyzeTable } from './analyze-step.js';
import { buildIndexes } from './index-steps.js';
import type { LoadContext, TableWork } from './load-context.js';
import { STEP, adjacentRuns, chunksToLoad, tableState } from './resume-state.js';
import { rollsBack } from '../core/engines.js';

/**
 * Step 7: chunks in parallel, largest tables first, each as sized transactions that also record
 * their progress; a table's deferred indexes are built as soon as its last chunk is in (then its
 * statistics, with --analyze).
 */
async function prepareResume(ctx: LoadContext, w: TableWork): Promise<void> {
  const { db, table } = w;
  if (ctx.opts.restore.noData) return; // --no-data: nothing to load (todo stays empty)
  const engine = await ctx.control.scalar('SELECT ENGINE FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [db.name, table.name]);
  w.engine = engine;
  w.transactional = rollsBack(engine);
  const state = tableState(db.name, table, db);
  const incomplete = state.chunks.filter((c) => c.state !== 'done').map((c) => c.chunk);
  // a chunk a failed statement may have left rows of is reloaded from its start (chunk-load.ts)
  if (!retriesInPlace(ctx, w) && db.resumed && incomplete.length > 0) {
    refuseMerged(w, incomplete[0]!);
    const object = { database: db.name, table: table.name };
    if (clearedWhole(table) || table.chunks.length === 1) {
      const why = table.key.kind === 'none' ? 'has no key' : systemVersioned(table.columns) ? 'is system-versioned (its history rows cannot be deleted by key range)' : 'is one chunk';
      ctx.reporter.emit({ kind: 'warning', message: `${qualified(db.name, table.name)} uses the non-transactional engine ${engine} and ${why}: reloading the whole table`, ...object });
      await clearChunk(ctx, w, null);
      w.todo = table.chunks.map((chunk) => ({ chunk, skip: 0 }));
      w.remaining = w.todo.length;
      return;
    }
    ctx.reporter.emit({ kind: 'warning', message: `${qualified(db.name, table.name)} uses the non-transactional engine ${engine}: deleting the key range of ${incomplete.length} unfinished chunk(s) before reloading them`, ...object });
    // one DELETE per run of adjacent chunks, not one per chunk: where it is a scan (a range Aria
    // misreads, chunk-load.ts; a UNIQUE chunk key whose index is deferred) the table is read once a run
    for (const [first, last] of adjacentRuns(table.chunks, incomplete)) await clearChunk(ctx, w, first, last);
    w.todo = incomplete.map((chunk) => ({ chunk, skip: 0 }));
  } else {
    w.todo = chunksToLoad(state);
  }
  w.remaining = w.todo.length;
  for (const c of state.chunks) {
    if (c.state === 'done') {
      w.rows += c.chunk.rows;
      w.bytes += c.chunk.bytes;
    }
  }
}

export async function loadData(outer: LoadContext, work: TableWork[]): Promise<TableSummary[]> {
  const started = Date.now();
  // The first failure anywhere (a chunk, an index build) stops the rest: queued work does not
  // start, running chunks stop at their next sub-chunk (what committed is recorded: a rerun resumes).
  const stop = new AbortController();
  const ctx: LoadContext = { ...outer, signal: outer.signal ? AbortSignal.any([outer.signal, stop.signal]) : stop.signal };
  const order = [...work].sort((a, b) => b.table.bytes - a.table.bytes || b.table.rows - a.table.rows);
  for (const w of order) await prepareResume(ctx, w);
  const total = { tables: work.length, chunks: order.reduce((n, w) => n + w.todo.length, 0), rows: order.reduce((n, w) => n + w.table.rows, 0), bytes: order.reduce((n, w) => n + w.table.bytes, 0) };
  ctx.reporter.emit({ kind: 'phase-start', phase: 'data', total, exact: true });
  // The index builds still to do, measured in their tables' bytes: the run's ETA counts them.
  const indexed = order.filter((w) => w.split.indexes.length > 0 && !w.db.steps.has(STEP.indexes(w.table.name)));
  if (indexed.length > 0) ctx.reporter.emit({ kind: 'totals', phase: 'indexes', total: { tables: indexed.length, chunks: 0, rows: indexed.reduce((n, w) => n + w.table.rows, 0), bytes: indexed.reduce((n, w) => n + w.table.bytes, 0) }, exact: true });
  const doneChunks = order.reduce((n, w) => n + w.table.chunks.length - w.todo.length, 0);
  if (doneChunks > 0) ctx.reporter.emit({ kind: 'resumed', phase: 'data', chunks: doneChunks, rows: order.reduce((n, w) => n + w.rows, 0), bytes: order.reduce((n, w) => n + w.bytes, 0) });

  const data = pLimit(Math.max(1, ctx.opts.threads));
  const indexes = pLimit(Math.max(1, Math.ceil(ctx.opts.threads / 2)));
  const summaries: TableSummary[] = [];
  const jobs: Promise<void>[] = [];
  let failure: unknown;
  const fail = (e: unknown): void => {
    failure ??= e;
    stop.abort();
  };
  /** Every job settles without rejecting: a failure is kept in `failure`, never left unhandled. */
  const guarded = (body: () => Promise<void>) => async (): Promise<void> => {
    if (failure || ctx.signal?.aborted) return;
    try {
      await body();
    } catch (e) {
      fail(e);
    }
  };
  // A table's time runs from its first chunk's start (not from its CREATE or its wait in the queue).
  const firstWork = new Map<TableWork, number>();
  const tableDone = (w: TableWork): void => {
    const seconds = (Date.now() - (firstWork.get(w) ?? Date.now())) / 1000;
    summaries.push({ database: w.db.name, table: w.table.name, rows: w.rows, bytes: w.bytes, seconds });
    ctx.reporter.emit({ kind: 'table-done', phase: 'data', database: w.db.name, table: w.table.name, rows: w.rows, bytes: w.bytes, seconds });
    jobs.push(
      indexes(
        guarded(async () => {
          await buildIndexes(ctx, w);
          await analyzeTable(ctx, w);
        }),
      ),
    );
  };
  for (const w of order) {
    if (w.todo.length === 0) {
      tableDone(w);
      continue;
    }
    for (const item of w.todo) {
      jobs.push(
        data(
          guarded(async () => {
            if (!firstWork.has(w)) firstWork.set(w, Date.now());
            await loadChunk(ctx, w, item.chunk, item.skip);
            if (--w.remaining === 0) tableDone(w);
          }),
        ),
      );
    }
  }
  // index jobs are added while data jobs run: wait until no job is left
  for (let settled = 0; settled < jobs.length; ) {
    const n = jobs.length;
    await Promise.all(jobs.slice(settled, n));
    settled = n;
  }
  // stopped by a signal, the chunks fail on their killed sessions: the stop is what to report
  if (outer.signal?.aborted) throw new TsError({ code: 'interrupted', message: 'interrupted; rerun the same command to resume' });
  if (failure) throw failure;
  ctx.reporter.emit({ kind: 'phase-done', phase: 'data', seconds: (Date.now() - started) / 1000 });
  return summaries;
}
