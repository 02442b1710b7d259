import { encodeWireRow, type WireBatch } from '../core/wire-row.js';
import { ByteSink } from './byte-sink.js';
import type { RowEncoder } from './row-encoder.js';

/**
 * What every row encoder shares: the file buffer and its hand-out/reuse, rows given as fields, and
 * batches as a loop over pushWire. A subclass only turns wire rows into its format's bytes.
 */
export abstract class SinkEncoder implements RowEncoder {
  protected readonly sink = new ByteSink();

  abstract pushWire(buf: Buffer, start: number, end: number): void;

  pushRows(rows: WireBatch): void {
    const { buffers, starts, ends } = rows;
    for (let i = 0; i < rows.length; i++) this.pushWire(buffers[i]!, starts[i]!, ends[i]!);
  }

  push(row: readonly (Buffer | null)[]): void {
    const wire = encodeWireRow(row);
    this.pushWire(wire, 0, wire.length);
  }

  get pending(): number {
    return this.sink.len;
  }

  take(): Buffer {
    return this.sink.take();
  }

  recycle(taken: Buffer): void {
    this.sink.recycle(taken);
  }

  finish(): void {}

  dispose(): void {}
}
