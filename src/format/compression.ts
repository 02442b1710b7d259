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
  createZstdCompress?: (options?: { params?: Record<number, number> }) => Duplex;
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

const COMPRESSORS: Record<Compression, (() => Duplex) | null> = {
  none: null,
  gzip: () => zlib.createGzip({ level: 6 }),
  zstd: () => {
    if (!z.createZstdCompress) throw noZstd();
    return z.createZstdCompress();
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

/** A compressing transform for `c`, or null for none. */
export function compressor(c: Compression): Duplex | null {
  return COMPRESSORS[c]?.() ?? null;
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
