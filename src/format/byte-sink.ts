/**
 * A growable byte buffer for encoders: one allocation reused across rows, drained in batches.
 * Its buffers never come from Node's shared pool (allocUnsafeSlow), so one given back by recycle()
 * is this sink's alone to reuse.
 */
export class ByteSink {
  buf: Buffer;
  len = 0;
  /** A buffer handed out by take() and given back by recycle(): the next take() reuses it. */
  private spare: Buffer | null = null;

  constructor(initial = 1 << 20) {
    this.buf = Buffer.allocUnsafeSlow(initial);
  }

  /** Makes room for `extra` more bytes at `len` (callers then write `buf` directly). */
  ensure(extra: number): void {
    const need = this.len + extra;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafeSlow(size);
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
    this.buf = this.spare !== null && this.spare.length >= this.buf.length ? this.spare : Buffer.allocUnsafeSlow(this.buf.length);
    this.spare = null;
    this.len = 0;
    return out;
  }

  /** Drops what was written and not taken (a sink reused by another encoder). */
  clear(): void {
    this.len = 0;
  }

  /**
   * Gives back a buffer from take() once nobody reads it any more (written to disk), so the next
   * take() reuses its memory instead of allocating: a dump would otherwise allocate (and the
   * garbage collector free) a megabyte per flush.
   */
  recycle(taken: Buffer): void {
    if (taken.byteOffset === 0 && taken.buffer.byteLength >= this.buf.length) this.spare = Buffer.from(taken.buffer, 0, taken.buffer.byteLength);
  }
}

/** Escape table: for each byte, 0 = copy as is, otherwise the letter to write after a backslash. */
export function escapeTable(pairs: Record<number, string>): Uint8Array {
  const t = new Uint8Array(256);
  for (const [byte, letter] of Object.entries(pairs)) t[Number(byte)] = letter.charCodeAt(0);
  return t;
}
