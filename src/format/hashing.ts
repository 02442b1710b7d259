import { createHash } from 'node:crypto';
import { readPieces, type DumpStore } from '../storage/dump-store.js';

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * sha256 and size of a stored file, read in 1 MiB pieces into one buffer reused for the whole file:
 * memory stays flat whatever the file size, and hashing a dump allocates nothing per read (a
 * fresh Buffer per read made the garbage collector run every few tens of megabytes).
 */
export async function hashFile(store: DumpStore, file: string): Promise<{ sha256: string; bytes: number }> {
  const h = createHash('sha256');
  let bytes = 0;
  for await (const piece of readPieces(await store.open(file))) {
    h.update(piece);
    bytes += piece.length;
  }
  return { sha256: h.digest('hex'), bytes };
}
