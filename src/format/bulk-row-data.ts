import type { ColumnCodec } from '../core/table-shape.js';

/** The row data of a COM_STMT_BULK_EXECUTE packet, as src/format/csv-bulk.ts writes it: its types, shared by both row loops. */
export type BulkCodec = ColumnCodec;

export interface BulkRows {
  /** Bytes of src converted (whole rows): the next call starts at from + consumed. */
  readonly consumed: number;
  /** Bytes written to out from outAt. */
  readonly written: number;
  readonly rows: number;
}

export interface CsvBulkConverter {
  /**
   * Converts the whole rows of src[from, to) (it stops at the last LF before `to`) into bulk row
   * data at out[outAt, outEnd), stopping before the first row that does not fit (0 rows if the first
   * does not: the caller gives a bigger out). Throws CsvBulkError on malformed input; rows before
   * the bad one may have been written to out.
   */
  convert(src: Buffer, from: number, to: number, out: Buffer, outAt: number, outEnd: number): BulkRows;
  /** Returns held resources (a WebAssembly instance) for reuse; the converter is unusable after. */
  dispose(): void;
}

/** Column kinds of the row loop (the same numbers in assembly/csv-bulk.ts). */
export const TEXT = 0;
export const STRING = 1;
export const INDEX = 2;
export const HEX = 3;
const KIND_OF: Record<BulkCodec, number> = { text: TEXT, number: STRING, float: STRING, index: INDEX, hex: HEX };

export function bulkKinds(codecs: readonly BulkCodec[]): Uint8Array {
  return Uint8Array.from(codecs.map((c) => KIND_OF[c]));
}

/** Indicator bytes of a bound parameter in a bulk row. */
export const BULK_VALUE = 0;
export const BULK_NULL = 1;

/** Bytes of a length-encoded integer for n. */
export function lenencSize(n: number): number {
  return n < 251 ? 1 : n < 0x10000 ? 3 : n < 0x1000000 ? 4 : 9;
}

/** Writes n as a length-encoded integer at o; returns the end. */
export function putLenenc(out: Buffer, o: number, n: number): number {
  if (n < 251) {
    out[o] = n;
    return o + 1;
  }
  if (n < 0x10000) {
    out[o] = 0xfc;
    out[o + 1] = n & 0xff;
    out[o + 2] = n >>> 8;
    return o + 3;
  }
  if (n < 0x1000000) {
    out[o] = 0xfd;
    out[o + 1] = n & 0xff;
    out[o + 2] = (n >>> 8) & 0xff;
    out[o + 3] = n >>> 16;
    return o + 4;
  }
  out[o] = 0xfe;
  out.writeUInt32LE(n >>> 0, o + 1);
  out.writeUInt32LE(Math.floor(n / 0x100000000), o + 5);
  return o + 9;
}

/**
 * The most bytes a row of `rowBytes` CSV bytes (LF excluded) with `columns` fields converts to:
 * each field has at least its separator byte and grows by at most 8 (indicator and a 9-byte
 * length for a number; 9 bytes for a 1-digit index).
 */
export function rowBound(rowBytes: number, columns: number): number {
  return rowBytes + 1 + 9 * columns;
}
