import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import type { Duplex } from 'node:stream';
import { TsError, sysCodeOf } from '../core/errors.js';
import { qualified, quoteIdent } from '../core/ident.js';
import { explainDbError } from '../db/server-errors.js';
import type { Session } from '../db/session.js';
import { checksumSql } from '../format/content-checksum.js';
import { rangeCondition } from '../format/key-range.js';
import type { Compression } from '../format/manifest.js';
import { createRowEncoder } from '../format/row-encoders.js';
import { ChunkFile } from './chunk-file.js';
import type { ChunkResult, ChunkTask } from './chunk-task.js';

const FLUSH_BYTES = 1 << 20;
const PROGRESS_EVERY_MS = 500;

const COMPRESSORS: Record<Compression, (() => Duplex) | null> = {
  none: null,
  gzip: () => zlib.createGzip({ level: 6 }),
  zstd: () => {
    const z = zlib as unknown as { createZstdCompress?: () => Duplex };
    if (!z.createZstdCompress) throw new TsError({ code: 'usage', message: 'zstd compression needs Node.js 22.15 or newer', suggestion: 'use -c gzip' });
    return z.createZstdCompress();
  },
};

/**
 * Writes buffers to a new file in order (see ChunkFile: O_DIRECT where possible), then fsyncs it.
 * Each buffer is copied into the file's staging memory, so it goes back to its encoder (`done`) at
 * once to be filled again.
 */
async function writePlain(path: string, source: AsyncIterable<Buffer>, each: (b: Buffer) => void, done: (b: Buffer) => void): Promise<void> {
  const file = await ChunkFile.create(path);
  try {
    for await (const b of source) {
      each(b);
      await file.append(b);
      done(b);
    }
    await file.finish();
  } finally {
    await file.close();
  }
}

export function selectSql(task: ChunkTask): string {
  const exprs = task.columns.filter((c) => c.dumped).map((c) => (c.codec === 'float' ? `(${quoteIdent(c.name)} + 0e0)` : quoteIdent(c.name)));
  const where = chunkWhere(task);
  return `SELECT ${exprs.join(', ')} FROM ${qualified(task.database, task.table)}${where ? ` WHERE ${where}` : ''}`;
}

export function chunkWhere(task: Pick<ChunkTask, 'key' | 'lower' | 'upper' | 'where'>): string | null {
  const range = rangeCondition(task.key, task.lower, task.upper);
  const parts = [range, task.where ? `(${task.where})` : null].filter((p): p is string => p !== null);
  return parts.length ? parts.join(' AND ') : null;
}

/**
 * Writes one chunk: streams the rows of its key range off the snapshot session, encodes, compresses,
 * hashes and writes them to `<file>.partial`, fsyncs and renames. Backpressure runs from the disk
 * through the pipeline to the socket. On failure the partial file is removed.
 */
export async function writeChunk(
  session: Session,
  task: ChunkTask,
  onProgress: (rows: number, bytes: number) => void,
  signal?: AbortSignal,
): Promise<ChunkResult> {
  const object = { database: task.database, table: task.table, chunk: task.index, file: task.file };
  const full = path.join(task.dumpDir, task.file);
  const partial = `${full}.partial`;
  await mkdir(path.dirname(full), { recursive: true });
  const encoder = createRowEncoder(task.format, { table: task.table, columns: task.columns, statementSize: task.statementSize });
  let rows = 0;
  let reported = 0;
  let reportedRows = 0;
  let lastReport = Date.now();

  async function* encoded(): AsyncGenerator<Buffer> {
    for await (const batch of session.wireRowBatches(selectSql(task), signal)) {
      encoder.pushRows(batch);
      rows += batch.length;
      if (encoder.pending >= FLUSH_BYTES) {
        const b = encoder.take();
        reported += b.length;
        yield b;
        const now = Date.now();
        if (now - lastReport >= PROGRESS_EVERY_MS) {
          onProgress(rows - reportedRows, reported);
          reportedRows = rows;
          reported = 0;
          lastReport = now;
        }
      }
    }
    encoder.finish();
    if (encoder.pending > 0) {
      const b = encoder.take();
      reported += b.length;
      yield b;
    }
    onProgress(rows - reportedRows, reported);
  }

  const hash = createHash('sha256');
  let bytes = 0;
  const count = (b: Buffer): void => {
    hash.update(b);
    bytes += b.length;
  };
  async function* hashed(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const b of source) {
      count(b);
      yield b;
    }
  }

  try {
    const compress = COMPRESSORS[task.compression];
    if (compress) {
      await pipeline(encoded, compress(), hashed, createWriteStream(partial, { highWaterMark: 1 << 20 }), { signal });
      const fh = await open(partial, 'r');
      await fh.sync();
      await fh.close();
    } else await writePlain(partial, encoded(), count, (b) => encoder.recycle(b));
    await rename(partial, full);
  } catch (e) {
    await unlink(partial).catch(() => undefined);
    if (e instanceof TsError) throw e.withObject(object);
    const code = sysCodeOf(e);
    if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'EFBIG') {
      throw new TsError({ code: 'disk-full', message: `cannot write the dump: ${code === 'EFBIG' ? 'file size limit reached' : 'disk full'}`, object, suggestion: 'free space on the output disk (or use -c gzip) and run the dump again', cause: e });
    }
    if (code && /^E[A-Z]+$/.test(code)) {
      throw new TsError({ code: 'io', message: `cannot write the dump file: ${(e as Error).message}`, object, suggestion: 'check the output directory permissions and disk', cause: e });
    }
    throw explainDbError(e, object, 'reading rows failed');
  } finally {
    encoder.dispose();
  }

  let checksum: string | undefined;
  if (task.checksum) {
    const r = await session.query<{ n: string; s: string }>(checksumSql(task.database, task.table, task.columns, chunkWhere(task)), [], object);
    checksum = `${r[0]?.n ?? '0'}:${r[0]?.s ?? '0'}`;
  }
  return { rows, bytes, sha256: hash.digest('hex'), ...(checksum !== undefined ? { checksum } : {}) };
}
