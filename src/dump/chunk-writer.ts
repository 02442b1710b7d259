import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { TsError } from '../core/errors.js';
import { qualified } from '../core/ident.js';
import { historyClause } from '../core/table-shape.js';
import { binaryLayout, binaryReadable } from '../db/binary-layout.js';
import { selectExpr } from '../db/catalog.js';
import { explainDbError } from '../db/server-errors.js';
import type { Session } from '../db/session.js';
import { BLOCK_BYTES, StreamHasher } from '../format/block-hashes.js';
import { compressor } from '../format/compression.js';
import { checksumSql } from '../format/content-checksum.js';
import type { LongestLine } from '../format/longest-line.js';
import { rangeCondition } from '../format/key-range.js';
import { createRowEncoder } from '../format/row-encoders.js';
import type { DumpStore, PendingFile } from '../storage/dump-store.js';
import type { ChunkResult, ChunkTask } from './chunk-task.js';

/**
 * Bytes per take from the encoder, taken within a batch (a socket batch is ≈ 1 MiB of rows): the
 * encoder's 1 MiB buffer then holds what is pending plus one call's output (≤ 256 KiB of packets
 * in, wasm-row-encoder.ts) and never grows. Taking only after whole batches let it grow to 2 MiB,
 * as did the spare it reuses: 2 MiB more per snapshot session.
 */
const FLUSH_BYTES = 512 * 1024;
const PROGRESS_EVERY_MS = 500;

export function selectSql(task: ChunkTask): string {
  const exprs = task.columns.filter((c) => c.dumped).map(selectExpr);
  const where = chunkWhere(task);
  return `SELECT ${exprs.join(', ')} FROM ${qualified(task.database, task.table)}${historyClause(task.columns)}${where ? ` WHERE ${where}` : ''}`;
}

export function chunkWhere(task: Pick<ChunkTask, 'key' | 'lower' | 'upper' | 'where'>): string | null {
  const range = rangeCondition(task.key, task.lower, task.upper);
  const parts = [range, task.where ? `(${task.where})` : null].filter((p): p is string => p !== null);
  return parts.length ? parts.join(' AND ') : null;
}

/** The last stage of a compressed chunk's pipeline: every piece into the pending file. */
function into(out: PendingFile): (source: AsyncIterable<Buffer>) => Promise<void> {
  return async (source) => {
    for await (const b of source) await out.append(b);
  };
}

/**
 * Writes one chunk: streams the rows of its key range off the snapshot session, encodes,
 * compresses, hashes and writes them to a pending file of the store, which becomes visible only
 * when complete (committed). Backpressure runs from the store through the pipeline to the socket;
 * on failure nothing of the chunk stays behind.
 */
export async function writeChunk(
  session: Session,
  store: DumpStore,
  task: ChunkTask,
  onProgress: (rows: number, bytes: number) => void,
  signal?: AbortSignal,
): Promise<ChunkResult> {
  const object = { database: task.database, table: task.table, chunk: task.index, file: task.file };
  const encoder = createRowEncoder(task.format, { table: task.table, columns: task.columns, statementSize: task.statementSize });
  let rows = 0;
  let reported = 0;
  let reportedRows = 0;
  let dataBytes = 0;
  let lastReport = Date.now();
  let longestLine: LongestLine = { bytes: 0, line: 0 };

  async function* encoded(): AsyncGenerator<Buffer> {
    const sql = selectSql(task);
    const batches = encoder.readsBinaryRows && binaryReadable(task.columns, task.where)
      ? session.binaryRowBatches(sql, binaryLayout, (layout) => encoder.useBinaryRows(layout), signal)
      : session.wireRowBatches(sql, signal);
    for await (const batch of batches) {
      // the batch's rows stay valid until the next batch is asked for, so a take may yield mid-batch
      for (let i = 0; i < batch.length; ) {
        i = encoder.pushRows(batch, i, FLUSH_BYTES);
        if (encoder.pending < FLUSH_BYTES) continue;
        const b = encoder.take();
        reported += b.length;
        dataBytes += b.length;
        yield b;
      }
      rows += batch.length;
      const now = Date.now();
      if (now - lastReport >= PROGRESS_EVERY_MS) {
        onProgress(rows - reportedRows, reported);
        reportedRows = rows;
        reported = 0;
        lastReport = now;
      }
    }
    encoder.finish();
    if (encoder.pending > 0) {
      const b = encoder.take();
      reported += b.length;
      dataBytes += b.length;
      yield b;
    }
    // before dispose(), which may hand the encoder's memory to the next chunk
    longestLine = encoder.longestLine();
    onProgress(rows - reportedRows, reported);
  }

  // the whole file's sha256 (tsdump verify, older loaders) and its prefix hashes (a loader checks
  // blocks while it streams the file once: format/block-hashes.ts), in one SHA-256 pass: each prefix
  // hash is the whole file's hash's state at a block end
  const hasher = new StreamHasher(BLOCK_BYTES, 'prefixes');
  let bytes = 0;
  const count = (b: Buffer): void => {
    hasher.update(b);
    bytes += b.length;
  };
  async function* hashed(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const b of source) {
      count(b);
      yield b;
    }
  }

  const out = await store.create(task.file);
  try {
    const compress = compressor(task.compression, task.compressLevel);
    if (compress) {
      // Each encoded buffer goes back to the encoder once the compressor has consumed it (its
      // write callback), instead of a fresh 1 MiB per take(): memory that would otherwise wait
      // for a full collection.
      const drained = pipeline(compress, hashed, into(out), { signal });
      try {
        for await (const b of encoded()) {
          if (!compress.write(b, (err) => err || encoder.recycle(b))) await once(compress, 'drain', { signal });
        }
        compress.end();
      } catch (e) {
        compress.destroy(e as Error);
        await drained.catch(() => undefined);
        throw e;
      }
      await drained;
    } else {
      // The store copies each buffer (into its own staging memory), so it goes back to the encoder at once.
      for await (const b of encoded()) {
        count(b);
        await out.append(b);
        encoder.recycle(b);
      }
    }
    await out.commit();
  } catch (e) {
    await out.abort().catch(() => undefined);
    if (e instanceof TsError) throw e.withObject(object);
    throw explainDbError(e, object, 'reading rows failed');
  } finally {
    encoder.dispose();
  }

  let checksum: string | undefined;
  if (task.checksum) {
    const r = await session.query<{ n: string; s: string }>(checksumSql(task.database, task.table, task.columns, chunkWhere(task)), [], object);
    checksum = `${r[0]?.n ?? '0'}:${r[0]?.s ?? '0'}`;
  }
  const hashes = hasher.finish();
  return { rows, bytes, dataBytes, sha256: hashes.sha256, prefixes: hashes.list, longestLine, ...(checksum !== undefined ? { checksum } : {}) };
}
