/**
 * The shape of a table as both sides see it: columns and how their bytes are written, the key used
 * for chunking and how its values become SQL literals, and the kinds of schema objects. The
 * catalog (db/) builds these from information_schema; the manifest (format/) records them.
 */

/**
 * How a column's bytes are written: `text` quoted with escapes, `number` as the server's text
 * unquoted, `float` like number but read as `col + 0e0` (full precision), `hex` unquoted hex,
 * `index` an ENUM's index / a SET's bit mask, read as `col + 0` and written like a number (the text
 * of ENUM/SET values is ambiguous: the invalid value and a '' member print the same, and so do
 * members equal under the column's collation).
 */
export const COLUMN_CODECS = ['text', 'number', 'float', 'hex', 'index'] as const;
export type ColumnCodec = (typeof COLUMN_CODECS)[number];

/** How a key value is turned back into a SQL literal for a range predicate. */
export const KEY_LITERALS = ['number', 'string', 'binary', 'temporal', 'enum'] as const;
export type KeyLiteral = (typeof KEY_LITERALS)[number];

export interface ColumnSpec {
  readonly name: string;
  readonly dataType: string;
  readonly columnType: string;
  readonly charset: string | null;
  readonly nullable: boolean;
  readonly generated: boolean;
  readonly invisible: boolean;
  /** Present in data files (false for generated columns). */
  readonly dumped: boolean;
  readonly codec: ColumnCodec;
  /**
   * A system-versioned table's period column (MariaDB; implicit `row_start`/`row_end` included):
   * such a table is dumped and checked with all its history (FOR SYSTEM_TIME ALL) and loaded with
   * these columns written as they were (system_versioning_insert_history).
   */
  readonly systemTime?: 'start' | 'end';
}

/** Whether a table is system-versioned (MariaDB): it has period columns (see ColumnSpec.systemTime). */
export function systemVersioned(columns: readonly Pick<ColumnSpec, 'systemTime'>[]): boolean {
  return columns.some((c) => c.systemTime !== undefined);
}

/** What a table is read as: with all its history rows when it is system-versioned (see ColumnSpec.systemTime). */
export function historyClause(columns: readonly Pick<ColumnSpec, 'systemTime'>[]): string {
  return systemVersioned(columns) ? ' FOR SYSTEM_TIME ALL' : '';
}

export interface KeyColumn {
  readonly name: string;
  readonly literal: KeyLiteral;
  readonly charset: string | null;
}

export const KEY_KINDS = ['primary', 'unique', 'none'] as const;
export type KeyKind = (typeof KEY_KINDS)[number];

export interface ChunkKey {
  readonly kind: KeyKind;
  readonly index: string | null;
  readonly columns: readonly KeyColumn[];
}

/** A key tuple bound. string/binary values are hex of the raw bytes; others are their text. */
export type KeyBound = readonly string[];


export interface ObjectContext {
  readonly sqlMode: string;
  readonly characterSetClient: string;
  readonly collationConnection: string;
  readonly databaseCollation: string;
  readonly timeZone?: string;
}

export const OBJECT_KINDS = ['view', 'trigger', 'procedure', 'function', 'event', 'sequence'] as const;
export type ObjectKind = (typeof OBJECT_KINDS)[number];

