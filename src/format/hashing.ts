import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

const READ_BYTES = 1 << 20;

/**
 * sha256 and size of a file, read in 1 MiB pieces into one buffer reused for the whole file:
 * memory stays flat whatever the file size, and hashing a dump allocates nothing per read (a
 * fresh Buffer per read made the garbage collector run every few tens of megabytes).
 */
export async function hashFile(file: string): Promise<{ sha256: string; bytes: number }> {
  const h = createHash('sha256');
  const buf = Buffer.allocUnsafe(READ_BYTES);
  let bytes = 0;
  const fh = await open(file, 'r');
  try {
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, READ_BYTES, null);
      if (bytesRead === 0) break;
      h.update(buf.subarray(0, bytesRead));
      bytes += bytesRead;
    }
  } finally {
    await fh.close();
  }
  return { sha256: h.digest('hex'), bytes };
}
