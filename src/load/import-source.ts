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
import { readPieces, type DumpStore } from '../storage/dump-store.js';

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

/** Every byte of the script, decompressed, in pieces (each its own buffer). */
export async function* scriptBytes(f: ScriptFile): AsyncGenerator<Buffer> {
  const source = await f.store.open(f.path);
  const raw = Readable.from(readPieces(source, PIECE, { reuse: false }));
  const d = decompressor(f.compression);
  if (!d) {
    for await (const b of raw) yield b as Buffer;
    return;
  }
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

/** A decompression error that means the compressed stream stops early or is damaged. */
export function truncatedStream(e: unknown, f: ScriptFile): TsError | null {
  const code = sysCodeOf(e) ?? '';
  if (e instanceof TsError || (!/^(Z_|ZSTD_|ERR_ZSTD|ERR_ZLIB)/.test(code) && !/unexpected end of file|incorrect header|invalid/i.test((e as Error)?.message ?? ''))) return null;
  return new TsError({ code: 'bad-dump', message: `the ${f.compression} stream ends early or is damaged (${(e as Error).message})`, object: { file: f.display }, suggestion: 'the file was cut short (a full disk or an interrupted copy while it was written): use a complete copy, or pass --force to load the tables that are complete', cause: e });
}

/** Bytes [start, end) of an uncompressed script. */
export async function readRange(f: ScriptFile, start: number, end: number): Promise<Buffer> {
  const out = Buffer.allocUnsafe(end - start);
  const source = await f.store.open(f.path, start);
  try {
    let at = 0;
    while (at < out.length) {
      const n = await source.read(out, at, out.length - at);
      if (n === 0) throw new TsError({ code: 'bad-dump', message: `${f.display} is shorter than when it was planned (ends at ${start + at}, expected at least ${end})`, object: { file: f.display }, suggestion: 'the file changed during the load: rerun with a file that does not change' });
      at += n;
    }
  } finally {
    await source.close();
  }
  return out;
}
