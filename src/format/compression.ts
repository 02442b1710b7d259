/**
 * File compression of data chunks: the stream transforms and the file extensions, in one place for
 * both sides. zstd is in node:zlib from Node.js 22.15 on; where it is missing, asking for it is a
 * clear error rather than a crash.
 */
import type { Duplex } from 'node:stream';
import zlib from 'node:zlib';
import { TsError } from '../core/errors.js';
import type { Compression } from './manifest.js';

interface ZstdZlib {
  createZstdCompress?: (options?: { chunkSize?: number; params?: Record<number, number> }) => Duplex;
  createZstdDecompress?: () => Duplex;
  constants: Record<string, number>;
}
const z = zlib as unknown as ZstdZlib;

export const COMPRESSION_EXTENSIONS: Record<Compression, string> = { none: '', gzip: '.gz', zstd: '.zst' };

/** Whether this runtime can write and read `c`. */
export function compressionAvailable(c: Compression): boolean {
  return c !== 'zstd' || (typeof z.createZstdCompress === 'function' && typeof z.createZstdDecompress === 'function');
}

function noZstd(): TsError {
  return new TsError({ code: 'usage', message: `zstd needs Node.js 22.15 or newer (this is ${process.version})`, suggestion: 'run tsdump/tsload with a newer Node.js (make brings one), or use -c gzip' });
}

/**
 * Compression levels a dump may ask for, and the default of each method. Level 1 for both: on the
 * bench data (bench/gen.sh) zlib level 1 compresses 2.2x faster than level 6 for 11 % more bytes,
 * and zstd level 1 2.4x faster than level 3 for no more bytes (4 % fewer there); a dump of a 2-core
 * host shares the cores with the server, so each CPU second saved is one the server gets. Higher
 * levels are there for dumps that are kept long or sent far (`--compress-level`).
 */
export const COMPRESSION_LEVELS: Record<Exclude<Compression, 'none'>, { readonly min: number; readonly max: number; readonly default: number }> = {
  gzip: { min: 1, max: 9, default: 1 },
  zstd: { min: 1, max: 19, default: 1 },
};

/**
 * Bytes of compressed output per piece the compressor hands on. Node's default (16 KiB) makes every
 * 1 MiB the encoder writes go back and forth between the thread pool and the worker's event loop
 * 20-60 times; 256 KiB cut client CPU by 5-15 % on bench_s (larger pieces gained nothing more and
 * cost memory: each is a fresh buffer).
 */
const OUTPUT_PIECE = 256 * 1024;

const COMPRESSORS: Record<Compression, ((level: number) => Duplex) | null> = {
  none: null,
  gzip: (level) => zlib.createGzip({ level, chunkSize: OUTPUT_PIECE }),
  zstd: (level) => {
    if (!z.createZstdCompress) throw noZstd();
    return z.createZstdCompress({ chunkSize: OUTPUT_PIECE, params: { [z.constants.ZSTD_c_compressionLevel!]: level } });
  },
};

const DECOMPRESSORS: Record<Compression, (() => Duplex) | null> = {
  none: null,
  gzip: () => zlib.createGunzip(),
  zstd: () => {
    if (!z.createZstdDecompress) throw noZstd();
    return z.createZstdDecompress();
  },
};

/** A compressing transform for `c` at `level` (default: the method's), or null for none. */
export function compressor(c: Compression, level: number | null = null): Duplex | null {
  if (c === 'none') return null;
  return COMPRESSORS[c]?.(level ?? COMPRESSION_LEVELS[c].default) ?? null;
}

/** A decompressing transform for `c`, or null for none. */
export function decompressor(c: Compression): Duplex | null {
  return DECOMPRESSORS[c]?.() ?? null;
}

/** The compression of a data file, from its name. */
export function compressionOf(file: string): Compression {
  if (file.endsWith(COMPRESSION_EXTENSIONS.gzip)) return 'gzip';
  if (file.endsWith(COMPRESSION_EXTENSIONS.zstd)) return 'zstd';
  return 'none';
}

/** The first bytes of each compressed format a SQL file may come in (those tsload reads, and others). */
const MAGIC = [
  ['gzip', [0x1f, 0x8b]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['bzip2', [0x42, 0x5a, 0x68]],
  ['lz4', [0x04, 0x22, 0x4d, 0x18]],
  ['zip', [0x50, 0x4b, 0x03, 0x04]],
  ['7z', [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]],
] as const;

export type MagicFormat = (typeof MAGIC)[number][0];

/** The compressed format a file's first bytes say it is in; null: none of them (plain text, or damaged). */
export function compressionByMagic(first: Buffer): MagicFormat | null {
  // a skippable frame (magic 0x184D2A50-5F, then its length) before the data: pzstd writes one first
  if (first.length >= 8 && (first[0]! & 0xf0) === 0x50 && first[1] === 0x2a && first[2] === 0x4d && first[3] === 0x18) {
    const next = 8 + first.readUInt32LE(4);
    return next + 4 <= first.length ? compressionByMagic(first.subarray(next)) : 'zstd';
  }
  return MAGIC.find(([, m]) => m.every((b, i) => first[i] === b))?.[0] ?? null;
}
