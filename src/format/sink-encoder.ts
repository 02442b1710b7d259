import { encodeWireRow, type WireBatch } from '../core/wire-row.js';
import { ByteSink } from './byte-sink.js';
import { LongestLineTracker, type LongestLine } from './longest-line.js';
import type { RowEncoder } from './row-encoder.js';

/**
 * File buffers of disposed encoders, reused by the next encoder in this thread. A chunk's encoder
 * would otherwise leave its 1-4 MiB of buffers to the garbage collector: they live as long as the
 * chunk, so only a full collection frees them, and V8 starts one when an isolate's external memory
 * has grown by 64 MiB. A sink's own buffers are never in anyone else's hands (what take() handed out
 * is no longer the sink's; what recycle() gave back has been consumed), so it is reusable however
 * its chunk ended.
 */
const idleSinks: ByteSink[] = [];

/**
 * What every row encoder shares: the file buffer and its hand-out/reuse, rows given as fields, and
 * batches as a loop over pushWire. A subclass only turns wire rows into its format's bytes.
 */
export abstract class SinkEncoder implements RowEncoder {
  protected readonly sink = idleSinks.pop() ?? new ByteSink();
  private sinkReturned = false;
  /** Finds the lines in the bytes taken; null when the subclass counts them as it writes them. */
  private readonly lines: LongestLineTracker | null;

  constructor(scanLines = true) {
    this.lines = scanLines ? new LongestLineTracker() : null;
  }

  abstract pushWire(buf: Buffer, start: number, end: number): void;

  /** The JavaScript row loops read text-protocol rows only. */
  get readsBinaryRows(): boolean {
    return false;
  }

  useBinaryRows(layout: Uint8Array | null): void {
    if (layout !== null) throw new Error('this row encoder reads text-protocol rows only');
  }

  pushRows(rows: WireBatch, from = 0, until = Infinity): number {
    const { buffers, starts, ends } = rows;
    let i = from;
    while (i < rows.length && this.sink.len < until) {
      this.pushWire(buffers[i]!, starts[i]!, ends[i]!);
      i++;
    }
    return i;
  }

  push(row: readonly (Buffer | null)[]): void {
    const wire = encodeWireRow(row);
    this.pushWire(wire, 0, wire.length);
  }

  get pending(): number {
    return this.sink.len;
  }

  take(): Buffer {
    const b = this.sink.take();
    this.lines?.update(b);
    return b;
  }

  longestLine(): LongestLine {
    return this.lines!.finish();
  }

  recycle(taken: Buffer): void {
    this.sink.recycle(taken);
  }

  finish(): void {}

  /** Gives the file buffer back to this thread's pool; the encoder is not used afterwards. */
  dispose(): void {
    if (this.sinkReturned) return;
    this.sinkReturned = true;
    this.sink.clear();
    idleSinks.push(this.sink);
  }
}
