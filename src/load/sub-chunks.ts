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
  /** Complete lines, each ending with LF (the last line of a file may lack it). */
  readonly lines: readonly Buffer[];
  readonly bytes: number;
  /** The chunk's final sub-chunk. Known without reading the next sub-chunk ahead (memory). */
  readonly last: boolean;
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
  let lines: Buffer[] = [];
  let bytes = 0;
  let index = 0;
  let lineNo = 0;
  let firstLine = 1;
  let partial: Buffer[] = [];

  const take = function* (line: Buffer): Generator<SubChunk> {
    lineNo++;
    if (lines.length > 0 && (lines.length >= limits.rows || bytes + line.length > limits.bytes)) {
      index++;
      // `line` starts the next sub-chunk, so this one is not the last.
      yield { index, firstLine, lines, bytes, last: false };
      lines = [];
      bytes = 0;
    }
    if (lines.length === 0) firstLine = lineNo;
    lines.push(line);
    bytes += line.length;
  };

  for await (const chunk of source) {
    const buf = chunk as Buffer;
    let pos = 0;
    for (;;) {
      const nl = buf.indexOf(0x0a, pos);
      if (nl < 0) {
        if (pos < buf.length) partial.push(buf.subarray(pos));
        break;
      }
      let line = buf.subarray(pos, nl + 1);
      if (partial.length > 0) {
        line = Buffer.concat([...partial, line]);
        partial = [];
      }
      yield* take(line);
      pos = nl + 1;
    }
  }
  if (partial.length > 0) yield* take(Buffer.concat(partial));
  if (lines.length > 0) {
    index++;
    yield { index, firstLine, lines, bytes, last: true };
  }
}
