/**
 * The bytes of another tool's SQL script (a mysqldump file, a mydumper file), decompressed: whole
 * (the planning pass), from an offset, or one byte range. Offsets are of the decompressed bytes;
 * a compressed script can only be read from its start, so a range of one is reached by reading
 * through (the data phase reads a compressed script once, in order: see import-data.ts).
 */
import { Readable } from 'node:stream';
import { TsError, sysCodeOf } from '../core/errors.js';
import { compressionOf, decompressor } from '../format/compression.js';
import type { Compression } from '../format/manifest.js';
import { readPieces, type ByteSource, type DumpStore } from '../storage/dump-store.js';

export interface ScriptFile {
  readonly store: DumpStore;
  /** Path inside the store. */
  readonly path: string;
  readonly compression: Compression;
  /** For messages: the path as the user knows it. */
  readonly display: string;
}

export function scriptFile(store: DumpStore, path: string, display: string): ScriptFile {
  return { store, path, compression: compressionOf(path), display };
}

const PIECE = 1 << 20;

/**
 * Every byte of the script, decompressed, in pieces. Those of an uncompressed script are views of
 * one buffer, each valid until the next is asked for (the planning pass copies what it keeps);
 * those of a compressed one are each their own buffer.
 */
export async function* scriptBytes(f: ScriptFile): AsyncGenerator<Buffer> {
  const source = await f.store.open(f.path);
  const d = decompressor(f.compression);
  if (!d) {
    yield* readPieces(source, PIECE);
    return;
  }
  const raw = Readable.from(readPieces(source, PIECE, { reuse: false }));
  raw.on('error', (e) => d.destroy(e));
  raw.pipe(d);
  try {
    for await (const b of d) yield b as Buffer;
  } catch (e) {
    throw truncatedStream(e, f) ?? e;
  } finally {
    raw.destroy();
    d.destroy();
  }
}

/**
 * A decompression error that means the compressed stream stops early or is damaged. Its errno is
 * zlib's / zstd's, not the server's: not shown as a server error.
 */
export function truncatedStream(e: unknown, f: ScriptFile): TsError | null {
  const code = sysCodeOf(e) ?? '';
  if (e instanceof TsError || (!/^(Z_|ZSTD_|ERR_ZSTD|ERR_ZLIB)/.test(code) && !/unexpected end of file|incorrect header|invalid/i.test((e as Error)?.message ?? ''))) return null;
  return new TsError({ code: 'bad-dump', message: `the ${f.compression} stream ends early or is damaged (${(e as Error).message})`, object: { file: f.display }, suggestion: 'the file was cut short (a full disk or an interrupted copy while it was written): use a complete copy, or pass --force to load the tables that are complete', cause: e, errno: 0 });
}

/** A gap this short between two ranges is read through; a longer one (committed batches) is skipped by reopening. */
const READ_THROUGH = 4 << 20;

/**
 * Byte ranges of an uncompressed script in increasing order, from one open file: each range is
 * read into a buffer of its own, after `room` bytes left free in front for the caller (a packet
 * header: see Session.execFramed).
 */
export class ScriptRanges {
  private source: ByteSource | null = null;
  /** Offset of the source's next byte. */
  private at = 0;

  constructor(private readonly f: ScriptFile) {}

  async read(start: number, end: number, room: number): Promise<Buffer> {
    const out = Buffer.allocUnsafe(room + end - start);
    if (!this.source || start < this.at || start - this.at > READ_THROUGH) {
      await this.close();
      this.source = await this.f.store.open(this.f.path, start);
      this.at = start;
    }
    // a short gap (the statements between two tables' data) is read into the buffer and overwritten
    while (this.at < start) this.at += await this.fill(out, 0, Math.min(out.length, start - this.at), start);
    let at = room;
    while (at < out.length) at += await this.fill(out, at, out.length - at, end);
    this.at = end;
    return out;
  }

  async close(): Promise<void> {
    const s = this.source;
    this.source = null;
    await s?.close();
  }

  private async fill(out: Buffer, at: number, length: number, expected: number): Promise<number> {
    const n = await this.source!.read(out, at, length);
    if (n === 0) throw new TsError({ code: 'bad-dump', message: `${this.f.display} is shorter than when it was planned (ends before ${expected})`, object: { file: this.f.display }, suggestion: 'the file changed during the load: rerun with a file that does not change' });
    return n;
  }
}
