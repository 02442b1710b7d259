/** A growable byte buffer for encoders: one allocation reused across rows, drained in batches. */
export class ByteSink {
  buf: Buffer;
  len = 0;

  constructor(initial = 1 << 20) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  /** Makes room for `extra` more bytes at `len` (callers then write `buf` directly). */
  ensure(extra: number): void {
    const need = this.len + extra;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }

  /** Hands out the bytes written so far (the buffer itself, no copy) and starts a fresh one. */
  take(): Buffer {
    const out = this.buf.subarray(0, this.len);
    this.buf = Buffer.allocUnsafe(this.buf.length);
    this.len = 0;
    return out;
  }
}

/** Escape table: for each byte, 0 = copy as is, otherwise the letter to write after a backslash. */
export function escapeTable(pairs: Record<number, string>): Uint8Array {
  const t = new Uint8Array(256);
  for (const [byte, letter] of Object.entries(pairs)) t[Number(byte)] = letter.charCodeAt(0);
  return t;
}
