import { TsError } from '../core/errors.js';
import type { Reporter } from '../core/events.js';
import { keyRangesMisread } from '../core/engines.js';
import type { CatalogTable } from '../db/catalog.js';
import type { Session } from '../db/session.js';
import { COMPRESSION_EXTENSIONS } from '../format/compression.js';
import type { ChunkEntry } from '../format/manifest.js';
import { chunkFile } from '../format/naming.js';
import { DATA_EXTENSIONS } from '../format/row-encoders.js';
import { planTable, rowsPerChunk, type PlannedChunk } from './chunk-planner.js';
import { DumpEstimate } from './dump-estimate.js';
import type { DumpOptions } from './dump-options.js';
import { WorkerLeases, type DumpWorker } from './worker-pool.js';

export type TableData = Map<CatalogTable, { chunks: ChunkEntry[]; seconds: number }>;

/** Tables dumped before all others while the snapshot's global lock is held, and how to release it once they are written. */
export interface LockedFirst {
  readonly tables: readonly CatalogTable[];
  release(): Promise<void>;
}

/**
 * Step 7: chunks planned per table on the planner's snapshot session (while workers write earlier
 * tables), largest tables first (the `locked` ones before all others); each chunk written by a worker
 * on its own snapshot session. A failed worker session cannot rejoin the snapshot: the dump stops,
 * naming the chunk.
 */
export async function dumpData(
  planner: Session,
  workers: DumpWorker[],
  tables: CatalogTable[],
  opts: DumpOptions,
  reporter: Reporter,
  signal?: AbortSignal,
  estimate: DumpEstimate = new DumpEstimate(tables, opts.format),
  locked?: LockedFirst,
): Promise<TableData> {
  const started = Date.now();
  const first = new Set(locked?.tables ?? []);
  const order = [...tables].sort((a, b) => Number(first.has(b)) - Number(first.has(a)) || b.dataLength - a.dataLength || b.rowsEstimate - a.rowsEstimate);
  // The lock goes once every locked-first table is planned and all their chunks are written.
  let lockedPlanned = 0;
  let lockedLeft = 0;
  const lockedProgress = (planned: number, written: number): void => {
    lockedPlanned += planned;
    lockedLeft += written;
    if (!locked || lockedPlanned < first.size || lockedLeft > 0) return;
    void locked.release().then(
      () => reporter.emit({ kind: 'info', message: `global lock released: the ${first.size} non-transactional table(s) are dumped (${((Date.now() - started) / 1000).toFixed(1)}s)` }),
      (e: unknown) => fail(e),
    );
  };
  reporter.emit({ kind: 'phase-start', phase: 'data', total: estimate.totals(), exact: false });
  let failure: unknown;
  const leases = new WorkerLeases(workers);
  const fail = (e: unknown): void => {
    failure ??= e;
    leases.close();
  };
  const onAbort = (): void => {
    // a reason of ours says why (output.ts: the output was taken from this run); the user's says nothing
    fail(signal?.reason instanceof TsError ? signal.reason : new TsError({ code: 'interrupted', message: 'dump interrupted; no manifest was written', suggestion: 'run the dump again (with --overwrite into the same directory)' }));
    // stopped, not killed: a thread ended under an upload it has begun would leave it stored and billed
    for (const w of workers) void w.stop();
  };
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  const results: TableData = new Map();
  const running: Promise<void>[] = [];
  for (const table of order) {
    if (failure || signal?.aborted) break;
    if (keyRangesMisread(table.engine, table) && table.rowsEstimate > rowsPerChunk(table, opts)) reporter.emit({ kind: 'warning', database: table.database, table: table.name, message: "Aria misreads ranges of a CHAR key in ucs2/utf32 (a MariaDB bug: `k >= 'b'` misses 'b'), so this table is dumped as one chunk, by a scan; an InnoDB table, or a VARCHAR key, is chunked as usual" });
    // Planning runs on the planner's snapshot session while workers write earlier tables.
    const plan: PlannedChunk[] = await planTable(planner, table, opts).catch((e: unknown) => {
      throw e instanceof TsError ? e.withObject({ database: table.database, table: table.name }) : e;
    });
    const entries: ChunkEntry[] = new Array(plan.length);
    // A table's time runs from its first chunk's start, not from when it was queued.
    let tableStart: number | null = null;
    let left = plan.length;
    const record = { chunks: entries, seconds: 0 };
    results.set(table, record);
    const where = opts.where.find((w) => w.table.database === table.database && w.table.table === table.name)?.condition ?? null;
    if (first.has(table)) lockedProgress(1, plan.length);
    plan.forEach((chunk, i) => {
      const index = i + 1;
      const file = chunkFile(table.database, table.name, index, DATA_EXTENSIONS[opts.format] + COMPRESSION_EXTENSIONS[opts.compression]);
      running.push(
        (async () => {
          const worker = await leases.acquire();
          if (!worker || failure || signal?.aborted) return;
          const t0 = Date.now();
          tableStart ??= t0;
          try {
            reporter.emit({ kind: 'chunk-start', phase: 'data', database: table.database, table: table.name, chunk: index });
            const r = await worker.chunk(
              { database: table.database, table: table.name, index, columns: table.columns, key: table.key, lower: chunk.lower, upper: chunk.upper, where, store: opts.output, file, format: opts.format, compression: opts.compression, compressLevel: opts.compressLevel, statementSize: opts.statementSize, checksum: opts.checksum },
              (rows, bytes) => reporter.emit({ kind: 'progress', phase: 'data', database: table.database, table: table.name, chunk: index, rows, bytes }),
            );
            entries[i] = { index, path: file, bytes: r.bytes, sha256: r.sha256, rows: r.rows, lower: chunk.lower, upper: chunk.upper, ...(r.checksum !== undefined ? { checksum: r.checksum } : {}), prefixes: r.prefixes, longestLine: r.longestLine };
            reporter.emit({ kind: 'chunk-done', phase: 'data', database: table.database, table: table.name, chunk: index, rows: r.rows, bytes: r.bytes, dataBytes: r.dataBytes, seconds: (Date.now() - t0) / 1000 });
            estimate.chunkDone(table, r.rows, r.dataBytes);
            if (--left === 0) estimate.tableDone(table);
            reporter.emit({ kind: 'totals', phase: 'data', total: estimate.totals(), exact: estimate.exact });
            if (left === 0) {
              record.seconds = (Date.now() - (tableStart ?? t0)) / 1000;
              reporter.emit({ kind: 'table-done', phase: 'data', database: table.database, table: table.name, rows: sum(entries.map((e) => e.rows)), bytes: sum(entries.map((e) => e.bytes)), seconds: record.seconds });
            }
            leases.release(worker);
            if (first.has(table)) lockedProgress(0, -1);
          } catch (e) {
            // The worker's session is gone (it cannot rejoin the snapshot): never give it more work.
            fail(e instanceof TsError ? e.withObject({ database: table.database, table: table.name, chunk: index, file }) : e);
          }
        })(),
      );
    });
  }
  await Promise.all(running);
  signal?.removeEventListener('abort', onAbort);
  if (failure) throw failure;
  reporter.emit({ kind: 'phase-done', phase: 'data', seconds: (Date.now() - started) / 1000 });
  return results;
}

function sum(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}
