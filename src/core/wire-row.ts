/**
 * A text-protocol row packet's payload: one length-encoded string per column, 0xfb for NULL.
 * Length prefixes: < 0xfb the length itself; 0xfc + 2 bytes; 0xfd + 3 bytes; 0xfe + 8 bytes
 * (little-endian). This is what the server sends for each row of a SELECT and what the dump's
 * encoders read (src/format/).
 */

/** The text-protocol encoding of a row: length-encoded strings, 0xfb for NULL. */
export function encodeWireRow(row: readonly (Buffer | null)[]): Buffer {
  const parts: Buffer[] = [];
  for (const v of row) {
    if (v === null) {
      parts.push(Buffer.from([0xfb]));
      continue;
    }
    const n = v.length;
    if (n < 0xfb) parts.push(Buffer.from([n]));
    else if (n < 0x10000) parts.push(Buffer.from([0xfc, n & 0xff, n >> 8]));
    else if (n < 0x1000000) parts.push(Buffer.from([0xfd, n & 0xff, (n >> 8) & 0xff, n >> 16]));
    else {
      const h = Buffer.alloc(9);
      h[0] = 0xfe;
      h.writeUInt32LE(n % 0x100000000, 1);
      h.writeUInt32LE(Math.floor(n / 0x100000000), 5);
      parts.push(h);
    }
    parts.push(v);
  }
  return Buffer.concat(parts);
}

/** A batch of wire rows: row i (i < length) is bytes [starts[i], ends[i]) of buffers[i]. */
export interface WireBatch {
  readonly length: number;
  readonly buffers: readonly Buffer[];
  readonly starts: ArrayLike<number>;
  readonly ends: ArrayLike<number>;
}
