/**
 * The contract between the chunk writer and the data formats: a RowEncoder turns rows into the bytes
 * of one data file; a Dialect is the data that drives the shared row loop for one format. The
 * implementations are in row-encoders.ts (JavaScript) and wasm-row-encoder.ts (WebAssembly).
 */
import type { WireBatch } from '../core/wire-row.js';
import type { LongestLine } from './longest-line.js';
import type { ColumnSpec } from './manifest.js';

/** A raw row: one Buffer per dumped column (the bytes the server sent), null for SQL NULL. */
export type RawRow = readonly (Buffer | null)[];


/**
 * Turns raw rows into the bytes of one data file. The chunk writer owns files, counting, hashing and
 * compression; an encoder only knows its format. Encoders are built once per chunk, so per-column
 * decisions are made up front and the row loop has no format or type switches.
 */
export interface RowEncoder {
  /** Appends one row. */
  push(row: RawRow): void;
  /** Appends one row given as a text-protocol row packet payload: bytes [start, end) of `buf`. */
  pushWire(buf: Buffer, start: number, end: number): void;
  /**
   * Appends the rows of a batch from row `from` on, stopping once `pending` has reached `until` bytes
   * (the writer takes them and calls again from the returned row); returns the first row not
   * appended, rows.length when the batch is done. Defaults: the whole batch.
   */
  pushRows(rows: WireBatch, from?: number, until?: number): number;
  /** Whether useBinaryRows can switch it to binary-protocol rows (db/binary-layout.ts). */
  readonly readsBinaryRows: boolean;
  /** The rows pushed from now on are binary-protocol rows read by this layout, or text rows again (null). */
  useBinaryRows(layout: Uint8Array | null): void;
  /** Bytes buffered and not yet taken. */
  readonly pending: number;
  /** Takes the buffered bytes (call when pending is large, and once at the end after finish()). */
  take(): Buffer;
  /** Gives back a buffer from take() that is no longer read (written out): its memory is reused. */
  recycle(taken: Buffer): void;
  /** Ends the file (closes an open statement). */
  finish(): void;
  /** The longest line of the bytes taken so far (call after finish() and the last take()). */
  longestLine(): LongestLine;
  /** The encoder will not be used again: its memory may serve the next one. */
  dispose(): void;
}

export interface EncoderSpec {
  readonly table: string;
  readonly columns: readonly ColumnSpec[];
  /** SQL format: the longest statement to write, in bytes (one row may exceed it alone). */
  readonly statementSize: number;
}

/**
 * How one format writes values. The row loop (writeWireRow) is shared by the formats and driven by
 * this data, so the hot loop is a single monomorphic function with no format switch.
 */
export interface Dialect {
  /** Multi-row INSERT statements (SQL) rather than one line per row (CSV). */
  readonly sql: boolean;
  /** Byte that encloses text values. */
  readonly quote: number;
  /** Per byte: 0 = copy, otherwise the letter written after a backslash. */
  readonly escapes: Uint8Array;
  /** Bytes written for SQL NULL. */
  readonly nul: Buffer;
  /** Bytes written before a non-empty hex value ('' for CSV, 0x for SQL). */
  readonly hexPrefix: Buffer;
  /** Bytes written for an empty hex value. */
  readonly emptyHex: Buffer;
}

/** Where the row loop runs: WebAssembly (SIMD, 3-4x faster) when it is available, else JavaScript. */
export const ENCODER_ENGINES = ['wasm', 'js'] as const;
export type EncoderEngine = (typeof ENCODER_ENGINES)[number];

