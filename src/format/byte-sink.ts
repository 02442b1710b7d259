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

  bytes(src: Buffer): void {
    this.ensure(src.length);
    src.copy(this.buf, this.len);
    this.len += src.length;
  }

  ascii(text: string): void {
    this.ensure(text.length * 3);
    this.len += this.buf.write(text, this.len, 'utf8');
  }

  hex(src: Buffer): void {
    this.ensure(src.length * 2);
    this.len += this.buf.write(src.toString('hex'), this.len, 'latin1');
  }

  /** Copies `src`, putting a backslash before each byte whose entry in `escapes` is non-zero. */
  escaped(src: Buffer, escapes: Uint8Array): void {
    this.ensure(src.length * 2);
    const out = this.buf;
    let o = this.len;
    let start = 0;
    for (let i = 0; i < src.length; i++) {
      const e = escapes[src[i]!]!;
      if (e !== 0) {
        if (i > start) o += src.copy(out, o, start, i);
        out[o++] = 0x5c;
        out[o++] = e;
        start = i + 1;
      }
    }
    if (start < src.length) o += src.copy(out, o, start, src.length);
    this.len = o;
  }

  /** Hands out the bytes written so far (a copy) and starts over. */
  take(): Buffer {
    const out = Buffer.from(this.buf.subarray(0, this.len));
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
