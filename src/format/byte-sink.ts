/** A growable byte buffer for encoders: one allocation reused across rows, drained in batches. */
export class ByteSink {
  buf: Buffer;
  len = 0;

  constructor(initial = 1 << 20) {
    this.buf = Buffer.allocUnsafe(initial);
  }

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

  bytes(src: Buffer, start = 0, end = src.length): void {
    const n = end - start;
    this.ensure(n);
    const out = this.buf;
    let o = this.len;
    // Short values (most fields) copy faster in a loop than through Buffer#copy's native call.
    if (n < 64) for (let i = start; i < end; i++) out[o++] = src[i]!;
    else o += src.copy(out, o, start, end);
    this.len = o;
  }

  ascii(text: string): void {
    this.ensure(text.length * 3);
    this.len += this.buf.write(text, this.len, 'utf8');
  }

  hex(src: Buffer, start = 0, end = src.length): void {
    this.ensure((end - start) * 2);
    this.len += this.buf.write(src.toString('hex', start, end), this.len, 'latin1');
  }

  /** Copies `src`, putting a backslash before each byte whose entry in `escapes` is non-zero. */
  escaped(src: Buffer, escapes: Uint8Array, start = 0, end = src.length): void {
    // Most values need no escape: find the first byte that does; copy a clean value in one go.
    let i = start;
    while (i < end && escapes[src[i]!] === 0) i++;
    if (i === end) {
      this.bytes(src, start, end);
      return;
    }
    this.ensure((end - start) * 2);
    const out = this.buf;
    let o = this.len;
    for (let j = start; j < i; j++) out[o++] = src[j]!;
    for (; i < end; i++) {
      const b = src[i]!;
      const e = escapes[b]!;
      if (e === 0) out[o++] = b;
      else {
        out[o++] = 0x5c;
        out[o++] = e;
      }
    }
    this.len = o;
  }

  /** Hands out the bytes written so far (a copy) and starts over. */
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
