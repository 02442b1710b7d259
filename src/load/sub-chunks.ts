import { Readable } from 'node:stream';
import { TsError } from '../core/errors.js';
import { VerifiedSource, streamHashes, verifiedStart } from '../format/block-hashes.js';
import { compressionOf, decompressor } from '../format/compression.js';
import type { ChunkEntry } from '../format/manifest.js';
import { DIRECT_BLOCK, alignUp, alignedBuffer } from '../storage/aligned-buffer.js';
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
  /**
   * `data` with the 4 bytes before it in the window (scratch space, whatever they hold): a LOAD
   * DATA LOCAL packet header is written there, so the rows go to the socket without a copy.
   */
  readonly framed: Buffer;
  /**
   * `data` with the FRAME_HEADROOM bytes before it in the window (scratch space: a previous
   * sub-chunk's bytes or stale ones). A SQL statement is sent from here (execBytes): its COM_QUERY
   * header and command bytes, and a longer --on-duplicate verb, are written over the bytes in
   * front of it for the time of the send, then put back.
   */
  readonly spaced: Buffer;
  /** The longest line: its length and 1-based line number (checked against max_allowed_packet). */
  readonly longest: { readonly bytes: number; readonly line: number };
  /** The chunk's final sub-chunk. Known without reading the next sub-chunk ahead (memory). */
  readonly last: boolean;
  /** Offset in the (decompressed) file just past this sub-chunk: where the next one starts. */
  readonly end: number;
}

/** Where a read that skips committed sub-chunks starts: just past sub-chunk `index`, which ended at `offset`, after `lines` lines. */
export interface SubChunkStart {
  readonly index: number;
  readonly lines: number;
  readonly offset: number;
}

/**
 * Where a chunk's (decompressed) bytes come from: reads into a caller's buffer, 0 at the end. With
 * `wholeBlocks`, each read takes a whole block of that size in place (VerifiedSource without buffers).
 */
export type ChunkSource = ByteSource & { readonly wholeBlocks?: number | undefined };

/**
 * The decompressed bytes of a stored chunk file (by its extension) from `offset` on. With prefix
 * (or, older dumps, block) hashes in the manifest the stored bytes pass through a VerifiedSource:
 * each block is released only once its hash matched, so what the caller gets is checked while the
 * file streams once; without (oldest dumps) the caller must have hashed the whole file first.
 * `offset` (uncompressed chunks with those hashes only) starts the read at the block holding it
 * (prefixes: after reading and checking the blocks before it).
 */
export async function openChunk(store: DumpStore, chunk: ChunkEntry, window: SubChunkWindow, offset = 0): Promise<ChunkSource> {
  const decompress = decompressor(compressionOf(chunk.path));
  const hashes = streamHashes(chunk);
  if (offset > 0 && (decompress || !hashes)) throw new TsError({ code: 'internal', message: `${chunk.path}: a read from byte ${offset} needs an uncompressed chunk with prefix or block hashes` });
  let raw: ByteSource;
  if (hashes) {
    const first = Math.floor(offset / hashes.hashes.bytes);
    // whole blocks into aligned memory: past the page cache where the store can (prefixes: from
    // byte 0, the blocks before `first` are read and checked first)
    const stored = await store.open(chunk.path, verifiedStart(chunk, first), { direct: true });
    // uncompressed: each block read and checked in the window itself (subChunks drops what precedes `offset`)
    if (!decompress) return new VerifiedSource(stored, chunk, first, 0, null);
    raw = new VerifiedSource(stored, chunk, first, 0, window.blockBuffers(hashes.hashes.bytes));
  } else {
    raw = await store.open(chunk.path);
  }
  // Uncompressed (older dumps): read straight into the window, no Buffer per read.
  if (!decompress) return raw;
  // pipe() does not pass the stored side's errors on (a block whose hash differs, a read that failed
  // after its retries): unforwarded, one was an uncaught 'error' event that ended the process
  const stored = Readable.from(readPieces(raw, 256 * 1024, { reuse: false }), { objectMode: false });
  stored.on('error', (e) => decompress.destroy(e));
  return streamSource(stored.pipe(decompress) as unknown as AsyncIterable<Buffer>, () => stored.destroy());
}

/**
 * A ChunkSource over a stream of Buffers (decompressors; tests), copying into the caller's buffer;
 * `release` frees what feeds the stream (its file or object read) when the source is closed early.
 */
export function streamSource(stream: AsyncIterable<Buffer>, release?: () => void): ChunkSource {
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
      release?.();
    },
  };
}

/** A reader's memory, reusable from one chunk to the next (one per running chunk). */
export class SubChunkWindow {
  buf: Buffer = Buffer.alloc(0);
  /** Whether `buf` is page-aligned memory (alignedBuffer). */
  aligned = false;
  private blocks: [Buffer, Buffer] | null = null;

  setBuffer(buf: Buffer, aligned: boolean): void {
    this.buf = buf;
    this.aligned = aligned;
  }

  /** Two aligned buffers of at least `bytes` for a VerifiedSource (one verified block read ahead of the other). */
  blockBuffers(bytes: number): [Buffer, Buffer] {
    if (!this.blocks || this.blocks[0].length < bytes) this.blocks = [alignedBuffer(bytes), alignedBuffer(bytes)];
    return this.blocks;
  }
}

const READ_BYTES = 1 << 20;
/**
 * Bytes kept free before a sub-chunk's first byte (SubChunk.spaced): at least a statement's
 * packet header and command bytes (Session.execFramed, 8) with room for the longest verb swap of
 * --on-duplicate (INSERT IGNORE INTO for INSERT INTO, 7 more): STATEMENT_HEADROOM in row-checks.ts.
 */
export const FRAME_HEADROOM = 16;
/** The LOAD DATA LOCAL packet header in front of SubChunk.framed. */
const FILE_HEADER = 4;

/**
 * The open sub-chunk of a scan: where it starts, the lines it has taken and its longest. Plain
 * fields, not variables of the generator: the per-line loop (takeLines) runs on locals in an
 * ordinary function, which V8 optimises; in the generator with closures over its variables the
 * same loop cost 5 times the Buffer.indexOf it makes (≈ 300 ns a line).
 */
class OpenSub {
  /** First byte of the sub-chunk in the window. */
  start = 0;
  /** First byte of the next line. */
  pos = 0;
  count = 0;
  /** Lines before `pos` in the file. */
  lineNo = 0;
  firstLine = 1;
  longBytes = 0;
  longLine = 0;
}

/**
 * Takes the complete lines of `view` from `o.pos` into the open sub-chunk while they fit (a
 * sub-chunk takes at least one line, beyond that at most `rows` lines and `bytes` bytes). True when
 * the next line does not fit (cut before it), false when `view` holds no complete line more.
 */
function takeLines(view: Buffer, o: OpenSub, rows: number, bytes: number): boolean {
  const limit = o.start + bytes; // a line fits while it ends at or before this
  let pos = o.pos;
  let count = o.count;
  let lineNo = o.lineNo;
  let longBytes = o.longBytes;
  let longLine = o.longLine;
  let full = false;
  for (;;) {
    const nl = view.indexOf(0x0a, pos);
    if (nl < 0) break;
    if (count > 0 && (count >= rows || nl + 1 > limit)) {
      full = true;
      break;
    }
    lineNo++;
    if (count === 0) o.firstLine = lineNo;
    count++;
    if (nl + 1 - pos > longBytes) {
      longBytes = nl + 1 - pos;
      longLine = lineNo;
    }
    pos = nl + 1;
  }
  o.pos = pos;
  o.count = count;
  o.lineNo = lineNo;
  o.longBytes = longBytes;
  o.longLine = longLine;
  return full;
}

/**
 * Blocks of room beyond a sub-chunk and the block it ends in, when reads take whole blocks into
 * the window (memory: the window is `limits.bytes` + (1 + this) blocks + 8 KiB). None: a block
 * is then read ahead while a sub-chunk is out only where the room happens to be there (sub-chunks
 * much smaller than a block). Measured at the defaults (SCALE=0.25, -t 2, 5 pairs of runs): one
 * block of room (+4 MiB per running chunk) left the time spent waiting for reads (≈ 13 ms per
 * sub-chunk: an O_DIRECT block read and its sha256) and the wall time where they were, as the
 * room is there for every other sub-chunk only; peak RSS 126-129 MiB with it, 118-121 without.
 */
const READ_AHEAD_BLOCKS = 0;

/**
 * Reads a chunk into a window and hands out each sub-chunk as a view of it: no Buffer per read or
 * per line, no copy to join a transaction. Two ways to fill it:
 * - a source with `wholeBlocks` (a VerifiedSource without buffers: uncompressed chunks with block
 *   hashes) reads and checks each block in place, at a page-aligned offset of an aligned window (so
 *   a local store reads it past the page cache): no copy at all. The source starts at the block
 *   holding `from.offset`. What is left after a cut moves to the front only when the next block
 *   has no room; while a sub-chunk is out, the next block is read ahead where there is room.
 * - any other source is read in pieces of READ_BYTES after what is left, which moves to the front
 *   before each read (the window is about `limits.bytes` plus one read).
 * Either way the window grows only for a line longer than it.
 */
export async function* subChunks(source: ChunkSource, limits: SubChunkLimits, window = new SubChunkWindow(), from: SubChunkStart = { index: 0, lines: 0, offset: 0 }): AsyncGenerator<SubChunk> {
  const H = FRAME_HEADROOM;
  const wb = source.wholeBlocks;
  // whole blocks: the data starts at an aligned D (headroom before it), reads land at aligned offsets
  const D = wb ? DIRECT_BLOCK : H;
  const capacity = wb ? D + alignUp(limits.bytes) + (1 + READ_AHEAD_BLOCKS) * wb + DIRECT_BLOCK : H + limits.bytes + READ_BYTES;
  if (window.buf.length < capacity || (wb && !window.aligned)) window.setBuffer(wb ? alignedBuffer(capacity) : Buffer.allocUnsafe(capacity), !!wb);
  let buf = window.buf;
  let index = from.index;
  const o = new OpenSub();
  o.lineNo = from.lines;
  // the first bytes of the first block (a resume that starts mid-block) are not this read's
  const skip = wb ? from.offset % wb : 0;
  let base = from.offset - skip - D; // file offset of buf[0]
  o.start = o.pos = D + skip;
  let view = buf.subarray(0, D); // the bytes read so far (from D on): indexOf must not see stale bytes beyond
  let eof = false;
  let ahead: Promise<number> | null = null;
  if (wb) {
    const n = await source.read(buf, D, wb);
    if (n === 0) eof = true;
    view = buf.subarray(0, D + n);
  }

  const cut = (last: boolean): SubChunk => {
    index++;
    const sub = { index, firstLine: o.firstLine, lineCount: o.count, data: buf.subarray(o.start, o.pos), framed: buf.subarray(o.start - FILE_HEADER, o.pos), spaced: buf.subarray(o.start - H, o.pos), longest: { bytes: o.longBytes, line: o.longLine }, last, end: base + o.pos };
    o.start = o.pos;
    o.count = 0;
    o.longBytes = 0;
    o.longLine = 0;
    // while it is out, the next block into free room after what was read (never where it lies)
    const end = view.length;
    if (wb && !eof && !ahead && end % DIRECT_BLOCK === 0 && buf.length - end >= wb) {
      ahead = source.read(buf, end, wb);
      ahead.catch(() => undefined); // reported where it is awaited
    }
    return sub;
  };

  try {
    for (;;) {
      if (takeLines(view, o, limits.rows, limits.bytes)) {
        yield cut(false);
        continue;
      }
      // a partial line that runs past the byte limit cannot join: the cut comes before it (as it would once it is complete)
      if (o.count > 0 && view.length - o.start > limits.bytes) {
        yield cut(false);
        continue;
      }
      if (eof) break;
      let end = view.length;
      let n: number;
      if (ahead) {
        n = await ahead;
        ahead = null;
      } else if (wb) {
        // the next block at an aligned offset with room for it: move what is left only if needed
        if (end % DIRECT_BLOCK !== 0 || buf.length - end < wb) {
          const keep = end - o.start;
          const to = alignUp(H + keep) - keep;
          if (to !== o.start) {
            buf.copyWithin(to, o.start, end);
            const shift = o.start - to;
            base += shift;
            o.pos -= shift;
            o.start = to;
            end = to + keep;
          }
          if (buf.length - end < wb) buf = grow(window, buf, end, Math.max(2 * buf.length, end + wb), true);
        }
        n = await source.read(buf, end, wb);
      } else {
        // keep [start, end) at the front (after the headroom) and read more
        if (o.start > H) {
          const shift = o.start - H;
          base += shift;
          buf.copyWithin(H, o.start, end);
          o.pos -= shift;
          end -= shift;
          o.start = H;
        }
        if (end === buf.length) buf = grow(window, buf, end, 2 * buf.length, false);
        n = await source.read(buf, end, Math.min(READ_BYTES, buf.length - end));
      }
      if (n === 0) eof = true;
      view = buf.subarray(0, end + n);
    }
    if (o.pos < view.length) {
      // a last line without LF
      const len = view.length - o.pos;
      if (o.count > 0 && (o.count >= limits.rows || o.pos + len - o.start > limits.bytes)) yield cut(false);
      o.lineNo++;
      if (o.count === 0) o.firstLine = o.lineNo;
      o.count++;
      if (len > o.longBytes) {
        o.longBytes = len;
        o.longLine = o.lineNo;
      }
      o.pos += len;
    }
    if (o.count > 0) yield cut(true);
  } finally {
    // a read ahead still landing in the window: done before the window can serve another chunk
    await (ahead as Promise<number> | null)?.catch(() => undefined);
  }
}

/** A bigger window holding the first `end` bytes of `buf`. */
function grow(window: SubChunkWindow, buf: Buffer, end: number, bytes: number, aligned: boolean): Buffer {
  const bigger = aligned ? alignedBuffer(bytes) : Buffer.allocUnsafe(bytes);
  buf.copy(bigger, 0, 0, end);
  window.setBuffer(bigger, aligned);
  return bigger;
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
