import type { Readable } from 'node:stream';
import { TsError } from '../core/errors.js';
import type { ByteSource } from './dump-store.js';
import { isTransientRead } from './s3-errors.js';

/** One GET of an object from `offset` on: its body, and the range the server says it sent. */
export interface RangedBody {
  readonly body: Readable;
  /** The first byte of the body in the object (checked: a server that ignores Range is refused). */
  readonly start: number;
  /** One past the last byte of the body. */
  readonly end: number;
  /** ETag of the object read, so a re-opened read gets the same object or fails. */
  readonly etag: string | undefined;
}

export type OpenRange = (offset: number, etag: string | undefined) => Promise<RangedBody | null>;

/** Reads of one broken body tried again from where it stopped, without progress in between. */
const BODY_RETRIES = 5;
const BODY_RETRY_BASE_MS = 200;

/**
 * A ByteSource over an object: one streaming GET from the offset, copied into the caller's buffer
 * as it arrives (the socket is paused while nobody reads: backpressure). When the body breaks off
 * (a reset, a premature end) the read goes on with a new ranged GET from the current position,
 * pinned to the same object by If-Match, with backoff — the SDK itself retries only whole
 * requests. Learned from TiDB's s3ObjectReader, which reopens at its position the same way.
 */
export class ObjectReader implements ByteSource {
  private it: AsyncIterator<Buffer> | null = null;
  private current: RangedBody | null = null;
  private rest: Buffer = Buffer.alloc(0);
  private position: number;
  private end = 0;
  private etag: string | undefined;
  private failures = 0;

  private constructor(
    private readonly openRange: OpenRange,
    private readonly file: string,
    offset: number,
  ) {
    this.position = offset;
  }

  /** Opens `file` at `offset`; an offset at the end gives an empty source. */
  static async open(openRange: OpenRange, file: string, offset: number): Promise<ObjectReader> {
    const r = new ObjectReader(openRange, file, offset);
    await r.reopen();
    return r;
  }

  private async reopen(): Promise<void> {
    this.current?.body.destroy();
    const got = await this.openRange(this.position, this.etag);
    this.current = got;
    if (!got) {
      this.end = this.position;
      this.it = null;
      return;
    }
    if (got.start !== this.position) {
      got.body.destroy();
      throw new TsError({
        code: 'io',
        message: `reading ${this.file}: asked for bytes from ${this.position}, the server sent them from ${got.start}`,
        object: { file: this.file },
        suggestion: 'the S3-compatible server does not support ranged reads (Range requests); use one that does',
      });
    }
    this.end = got.end;
    this.etag ??= got.etag;
    this.it = got.body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }

  async read(into: Buffer, offset: number, length: number): Promise<number> {
    while (this.rest.length === 0) {
      if (!this.it) return 0;
      if (this.position >= this.end) {
        // all of it arrived: let the response end so its connection goes back to the pool
        await this.it.next().catch(() => undefined);
        this.it = null;
        return 0;
      }
      let next: IteratorResult<Buffer>;
      try {
        next = await this.it.next();
        if (next.done) throw Object.assign(new Error(`premature end of the response at byte ${this.position} of ${this.end}`), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
      } catch (e) {
        if (!isTransientRead(e) || this.failures >= BODY_RETRIES) throw e;
        this.failures++;
        await new Promise((r) => setTimeout(r, BODY_RETRY_BASE_MS * 2 ** (this.failures - 1)));
        await this.reopen();
        continue;
      }
      this.rest = next.value;
      this.failures = 0;
    }
    const n = this.rest.copy(into, offset, 0, Math.min(length, this.rest.length));
    this.rest = this.rest.subarray(n);
    this.position += n;
    return n;
  }

  async close(): Promise<void> {
    this.rest = Buffer.alloc(0);
    this.it = null;
    this.current?.body.destroy();
    this.current = null;
  }
}
