import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { PendingFile } from './dump-store.js';

/**
 * Part size of multipart uploads. Memory per file being written: the parts in flight (QUEUE), the
 * one being gathered, and two pieces — about 3 × 8 MiB + 2 MiB, whatever the file's size; a file
 * smaller than a part is one PutObject. S3 allows 10,000 parts, so one object (one chunk file) can
 * reach 78 GiB.
 */
export const PART_BYTES = 8 * 1024 * 1024;
/** Parts uploaded at once per file. */
const QUEUE = 2;
/** Appends are copied into pieces of this size before they go to the uploader. */
const PIECE_BYTES = 1024 * 1024;

export interface UploadTarget {
  readonly client: S3Client;
  readonly bucket: string;
  readonly key: string;
}

/**
 * A file written to S3 as it is produced: appended bytes are copied into 1 MiB pieces that stream
 * into lib-storage's Upload, which cuts them into parts and uploads QUEUE at a time (each part
 * request retried by the SDK on throttling, 5xx and resets). Backpressure: an append waits while
 * the uploader is behind. The object appears only when the upload completes (CompleteMultipartUpload
 * or the single PutObject) — that is commit(); abort() ends the body with an error, so lib-storage
 * sends AbortMultipartUpload and nothing becomes visible.
 */
export class ObjectUpload implements PendingFile {
  private readonly body = new PassThrough({ highWaterMark: PIECE_BYTES });
  private readonly done: Promise<unknown>;
  private failure: unknown = null;
  private piece = Buffer.allocUnsafe(PIECE_BYTES);
  private filled = 0;
  private state: 'open' | 'committed' | 'aborted' = 'open';

  constructor(
    target: UploadTarget,
    /** Turns an SDK failure into the store's error for this file. */
    private readonly explain: (e: unknown) => Promise<Error>,
  ) {
    const upload = new Upload({ client: target.client, params: { Bucket: target.bucket, Key: target.key, Body: this.body }, partSize: PART_BYTES, queueSize: QUEUE, leavePartsOnError: false });
    this.done = upload.done();
    this.done.catch((e: unknown) => {
      this.failure ??= e;
    });
  }

  async append(b: Buffer): Promise<void> {
    for (let from = 0; from < b.length; ) {
      const n = Math.min(b.length - from, PIECE_BYTES - this.filled);
      b.copy(this.piece, this.filled, from, from + n);
      this.filled += n;
      from += n;
      if (this.filled === PIECE_BYTES) await this.push();
    }
  }

  /** Hands the full piece to the uploader (it keeps it: a new one is taken) and waits if it is behind. */
  private async push(): Promise<void> {
    await this.check();
    const piece = this.filled === PIECE_BYTES ? this.piece : this.piece.subarray(0, this.filled);
    this.piece = Buffer.allocUnsafe(PIECE_BYTES);
    this.filled = 0;
    if (!this.body.write(piece)) {
      await Promise.race([once(this.body, 'drain').catch(() => undefined), this.done.then(() => undefined, () => undefined)]);
      await this.check();
    }
  }

  private async check(): Promise<void> {
    if (this.failure !== null) throw await this.explain(this.failure);
  }

  async commit(): Promise<void> {
    if (this.filled > 0) await this.push();
    this.body.end();
    try {
      await this.done;
    } catch (e) {
      throw await this.explain(e);
    }
    this.state = 'committed';
  }

  async abort(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'aborted';
    this.body.destroy(new Error('upload aborted'));
    // lib-storage aborts the multipart upload once its part requests have settled
    await this.done.catch(() => undefined);
  }
}
