import { Readable } from 'node:stream';
import { compressionOf, decompressor } from '../format/compression.js';
import { readPieces, type ByteSource, type DumpStore } from '../storage/dump-store.js';

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
   * it). A view of the reader's window: valid until the next sub-chunk is requested.
   */
  readonly data: Buffer;
  /** The longest line: its length and 1-based line number (checked against max_allowed_packet). */
  readonly longest: { readonly bytes: number; readonly line: number };
  /** The chunk's final sub-chunk. Known without reading the next sub-chunk ahead (memory). */
  readonly last: boolean;
}

/** Where a chunk's (decompressed) bytes come from: reads into a caller's buffer, 0 at the end. */
export type ChunkSource = ByteSource;

/** The decompressed bytes of a stored chunk file, by its extension. */
export async function openChunk(store: DumpStore, file: string): Promise<ChunkSource> {
  const decompress = decompressor(compressionOf(file));
  const raw = await store.open(file);
  // Uncompressed: read straight into the window, no Buffer per read.
  if (!decompress) return raw;
  return streamSource(Readable.from(readPieces(raw, 256 * 1024, { reuse: false }), { objectMode: false }).pipe(decompress) as unknown as AsyncIterable<Buffer>);
}

/** A ChunkSource over a stream of Buffers (decompressors; tests), copying into the caller's buffer. */
export function streamSource(stream: AsyncIterable<Buffer>): ChunkSource {
  const it = stream[Symbol.asyncIterator]();
  let rest: Buffer = Buffer.alloc(0);
  return {
    async read(into, offset, length) {
      while (rest.length === 0) {
        const next = await it.next();
        if (next.done) return 0;
        rest = next.value;
      }
      const n = rest.copy(into, offset, 0, Math.min(length, rest.length));
      rest = rest.subarray(n);
      return n;
    },
    async close() {
      await it.return?.();
    },
  };
}

/** A reader's memory, reusable from one chunk to the next (one per running chunk). */
export class SubChunkWindow {
  buf: Buffer = Buffer.alloc(0);
}

const READ_BYTES = 1 << 20;

/**
 * Reads a chunk into a window (about `limits.bytes` plus one read, more only for a longer line)
 * and hands out each sub-chunk as a view of it: no Buffer per read or per line, no copy to join a
 * transaction. What is left after a cut moves to the front of the window for the next one.
 */
export async function* subChunks(source: ChunkSource, limits: SubChunkLimits, window = new SubChunkWindow()): AsyncGenerator<SubChunk> {
  if (window.buf.length < limits.bytes + READ_BYTES) window.buf = Buffer.allocUnsafe(limits.bytes + READ_BYTES);
  let buf = window.buf;
  let view = buf.subarray(0, 0); // the bytes read so far: indexOf must not see stale bytes beyond
  let start = 0; // first byte of the current sub-chunk
  let pos = 0; // first byte of the next line
  let eof = false;
  let index = 0;
  let lineNo = 0;
  let count = 0;
  let firstLine = 1;
  let longest = { bytes: 0, line: 0 };

  const cut = (last: boolean): SubChunk => {
    index++;
    const sub = { index, firstLine, lineCount: count, data: buf.subarray(start, pos), longest, last };
    start = pos;
    count = 0;
    longest = { bytes: 0, line: 0 };
    return sub;
  };
  /** A line of `len` bytes at pos must start a new sub-chunk. */
  const full = (len: number): boolean => count > 0 && (count >= limits.rows || pos + len - start > limits.bytes);
  const add = (len: number): void => {
    lineNo++;
    if (count === 0) firstLine = lineNo;
    count++;
    if (len > longest.bytes) longest = { bytes: len, line: lineNo };
    pos += len;
  };

  for (;;) {
    const nl = view.indexOf(0x0a, pos);
    if (nl >= 0) {
      const len = nl + 1 - pos;
      if (full(len)) yield cut(false);
      add(len);
      continue;
    }
    if (eof) break;
    // No complete line after pos: keep [start, end) at the front, grow only for a line longer than
    // the window, and read more.
    let end = view.length;
    if (start > 0) {
      buf.copyWithin(0, start, end);
      pos -= start;
      end -= start;
      start = 0;
    }
    if (end === buf.length) {
      const bigger = Buffer.allocUnsafe(2 * buf.length);
      buf.copy(bigger, 0, 0, end);
      buf = window.buf = bigger;
    }
    const n = await source.read(buf, end, Math.min(READ_BYTES, buf.length - end));
    if (n === 0) eof = true;
    view = buf.subarray(0, end + n);
  }
  if (pos < view.length) {
    // a last line without LF
    const len = view.length - pos;
    if (full(len)) yield cut(false);
    add(len);
  }
  if (count > 0) yield cut(true);
}

/** The lines of a sub-chunk, one Buffer each (for SQL, where each line is a statement to run). */
export function* subChunkLines(sub: SubChunk): Generator<Buffer> {
  const data = sub.data;
  let pos = 0;
  while (pos < data.length) {
    const nl = data.indexOf(0x0a, pos);
    const end = nl < 0 ? data.length : nl + 1;
    yield data.subarray(pos, end);
    pos = end;
  }
}
