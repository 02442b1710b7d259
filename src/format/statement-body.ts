import { HEAD_BYTES, isBlank } from './sql-statement.js';

/**
 * What the SQL splitter (sql-splitter.ts) keeps of the statement it is reading, as its bytes come
 * in pieces: always the head (the first HEAD_BYTES bytes), and the whole text only when `keep`,
 * asked once with the head, wants it — an INSERT of a 100 GB file is never held.
 */
export class StatementBody {
  private headParts: Buffer[] = [];
  private headLen = 0;
  private keepDecided: boolean | null = null;
  private textParts: Buffer[] = [];

  constructor(private readonly keep: ((head: string) => boolean) | undefined) {}

  /** The next bytes of the statement (copied: `piece` may be a view of a buffer reused later). */
  add(piece: Buffer): void {
    if (this.headLen < HEAD_BYTES) {
      const h = piece.subarray(0, HEAD_BYTES - this.headLen);
      this.headParts.push(Buffer.from(h));
      this.headLen += h.length;
      if (this.keepDecided === null && this.headLen >= HEAD_BYTES) this.decide();
    }
    if (this.keepDecided !== false) this.textParts.push(Buffer.from(piece));
  }

  get head(): string {
    return Buffer.concat(this.headParts).toString('latin1');
  }

  /** The statement's text without its last `past` bytes (the delimiter and what was added after it) and trailing blanks; null when not kept. */
  text(past: number): Buffer | null {
    if (this.keepDecided === null) this.decide();
    if (!this.keepDecided) return null;
    const whole = Buffer.concat(this.textParts);
    let e = whole.length - past;
    if (e > whole.length) e = whole.length;
    while (e > 0 && isBlank(whole[e - 1]!)) e--;
    return whole.subarray(0, e);
  }

  reset(): void {
    this.headParts = [];
    this.headLen = 0;
    this.keepDecided = null;
    this.textParts = [];
  }

  private decide(): void {
    this.keepDecided = this.keep ? this.keep(this.head) : false;
    if (!this.keepDecided) this.textParts = [];
  }
}
