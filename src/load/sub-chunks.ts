import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { TsError } from '../core/errors.js';

/**
 * Splits a chunk file into sub-chunks (one transaction each) at line boundaries. In both data
 * formats a raw LF only ever ends a row (CSV) or a statement (SQL), so a line is a unit.
 *
 * Determinism contract: for the same file bytes and the same limits, the sequence of sub-chunks is
 * always the same — the resume protocol records sub-chunk numbers and relies on it. A sub-chunk
 * holds at least one line and, beyond that, at most `rows` lines and at most `bytes` bytes.
 */
export interface SubChunkLimits {
  readonly rows: number;
  readonly bytes: number;
}

export interface SubChunk {
  /** 1-based position in the chunk. */
  readonly index: number;
  /** 1-based line number (in the decompressed file) of the first line. */
  readonly firstLine: number;
  /** How many lines (rows in CSV, statements in SQL). */
  readonly lineCount: number;
  /**
   * The sub-chunk's bytes: complete lines, each ending with LF (the last line of a file may lack
   * it), as slices of the reads — no object per line (a chunk holds millions of lines).
   */
  readonly pieces: readonly Buffer[];
  readonly bytes: number;
  /** The longest line: its length and 1-based line number (checked against max_allowed_packet). */
  readonly longest: { readonly bytes: number; readonly line: number };
  /** The chunk's final sub-chunk. Known without reading the next sub-chunk ahead (memory). */
  readonly last: boolean;
}

/** The lines of a sub-chunk, one Buffer each (for SQL, where each line is a statement to run). */
export function* subChunkLines(sub: SubChunk): Generator<Buffer> {
  const all = sub.pieces.length === 1 ? sub.pieces[0]! : Buffer.concat(sub.pieces as Buffer[], sub.bytes);
  let pos = 0;
  while (pos < all.length) {
    const nl = all.indexOf(0x0a, pos);
    const end = nl < 0 ? all.length : nl + 1;
    yield all.subarray(pos, end);
    pos = end;
  }
}

/** The decompressed bytes of a chunk file, by its extension. */
export function openChunk(file: string): Readable {
  const raw = createReadStream(file, { highWaterMark: 256 * 1024 });
  if (file.endsWith('.gz')) return raw.pipe(zlib.createGunzip());
  if (file.endsWith('.zst')) {
    const make = (zlib as unknown as { createZstdDecompress?: () => NodeJS.ReadWriteStream }).createZstdDecompress;
    if (!make) throw new TsError({ code: 'bad-dump', message: `${file} is zstd-compressed and this Node.js has no zstd`, object: { file }, suggestion: 'use Node.js 22.15 or later, or dump with -c gzip' });
    return raw.pipe(make()) as unknown as Readable;
  }
  return raw;
}

export async function* subChunks(source: AsyncIterable<Buffer>, limits: SubChunkLimits): AsyncGenerator<SubChunk> {
  // The current sub-chunk: complete lines in `pieces` (plus bytes [segStart, pos) of the current read)
  let pieces: Buffer[] = [];
  let bytes = 0;
  let count = 0;
  let longest = { bytes: 0, line: 0 };
  let firstLine = 1;
  let index = 0;
  let lineNo = 0;
  // the start of a line that continues in the next read
  let tail: Buffer[] = [];
  let tailBytes = 0;

  const cut = (last: boolean): SubChunk => {
    index++;
    const sub = { index, firstLine, lineCount: count, pieces, bytes, longest, last };
    pieces = [];
    bytes = 0;
    count = 0;
    longest = { bytes: 0, line: 0 };
    return sub;
  };
  /** Accounts one complete line of `len` bytes; true when it must start a new sub-chunk first. */
  const full = (len: number): boolean => count > 0 && (count >= limits.rows || bytes + len > limits.bytes);
  const add = (len: number): void => {
    lineNo++;
    if (count === 0) firstLine = lineNo;
    count++;
    bytes += len;
    if (len > longest.bytes) longest = { bytes: len, line: lineNo };
    if (tail.length > 0) {
      for (const t of tail) pieces.push(t);
      tail = [];
      tailBytes = 0;
    }
  };

  for await (const chunk of source) {
    const buf = chunk as Buffer;
    let segStart = 0;
    let pos = 0;
    for (;;) {
      const nl = buf.indexOf(0x0a, pos);
      if (nl < 0) break;
      const len = tailBytes + nl + 1 - pos;
      if (full(len)) {
        // `line` starts the next sub-chunk, so this one is not the last.
        if (pos > segStart) pieces.push(buf.subarray(segStart, pos));
        segStart = pos;
        yield cut(false);
      }
      add(len);
      pos = nl + 1;
    }
    if (pos > segStart) pieces.push(buf.subarray(segStart, pos));
    if (pos < buf.length) {
      tail.push(buf.subarray(pos));
      tailBytes += buf.length - pos;
    }
  }
  if (tailBytes > 0) {
    if (full(tailBytes)) yield cut(false);
    add(tailBytes);
  }
  if (count > 0) yield cut(true);
}
