/**
 * Which tables a dump reads through the binary protocol (a prepared statement's COM_STMT_EXECUTE
 * result), and how the encoder reads such a result's rows.
 *
 * Why: the text protocol makes the server write every integer and temporal value as text
 * (`int10_to_str`, the datetime formatting: about half of a dump's server CPU is turning values into
 * text); the binary protocol sends them as their bytes. The encoder (assembly/binary-values.ts) then
 * writes each such value exactly as the text protocol would have sent it, so the data files are the
 * same bytes either way. DECIMAL, strings, BLOBs, BIT, ENUM, SET, JSON and GEOMETRY are
 * length-encoded strings in both protocols.
 *
 * FLOAT and DOUBLE keep a table on the text protocol: the server's shortest text for a double is its
 * own algorithm, not reproduced here. So do YEAR(2) (binary: the four-digit year, text: two digits),
 * types this list does not know, and a --where condition with a `?` (a placeholder once prepared).
 */
import type { ColumnSpec } from '../core/table-shape.js';

const BINARY_READABLE_TYPES = new Set([
  'tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint', 'decimal', 'numeric',
  'date', 'datetime', 'timestamp', 'time',
  'char', 'varchar', 'binary', 'varbinary', 'tinytext', 'text', 'mediumtext', 'longtext', 'tinyblob', 'blob', 'mediumblob', 'longblob',
  'enum', 'set', 'bit', 'json',
  'geometry', 'point', 'linestring', 'polygon', 'multipoint', 'multilinestring', 'multipolygon', 'geometrycollection', 'geomcollection',
  'uuid', 'inet4', 'inet6',
]);

function binaryReadableColumn(c: Pick<ColumnSpec, 'dataType' | 'columnType' | 'codec'>): boolean {
  const t = c.dataType.toLowerCase();
  if (t === 'year') return /^year(\(4\))?$/i.test(c.columnType);
  return c.codec !== 'float' && BINARY_READABLE_TYPES.has(t);
}

/** Whether a chunk of these columns, with this --where condition, can be read through the binary protocol. */
export function binaryReadable(columns: readonly Pick<ColumnSpec, 'dataType' | 'columnType' | 'codec' | 'dumped'>[], where: string | null): boolean {
  if (where !== null && where.includes('?')) return false;
  return columns.every((c) => !c.dumped || binaryReadableColumn(c));
}

/** The slice of a result column's definition (mysql2's ColumnDefinition) the layout is made of. */
export interface ResultColumn {
  readonly name: string;
  readonly columnType: number;
  readonly flags: number;
  readonly decimals: number;
  readonly columnLength: number;
}

// protocol column types (include/mysql_com.h enum_field_types) and flags
const UNSIGNED_FLAG = 0x20;
const ZEROFILL_FLAG = 0x40;
/** Integer types: [wire kind signed, wire kind unsigned] (assembly/binary-values.ts W_*). */
const INTEGER_KINDS: Record<number, readonly [number, number]> = {
  1: [1, 2], // TINY
  2: [3, 4], // SHORT
  13: [3, 4], // YEAR: two bytes
  3: [5, 6], // LONG
  9: [5, 6], // INT24: four bytes
  8: [7, 8], // LONGLONG
};
const TEMPORAL_KINDS: Record<number, number> = { 10: 9, 7: 10, 12: 10, 11: 11 }; // DATE, TIMESTAMP, DATETIME, TIME
/** Sent as length-encoded strings in the binary protocol too. */
const STRING_TYPES = new Set([0, 6, 15, 16, 245, 246, 247, 248, 249, 250, 251, 252, 253, 254, 255]);

/**
 * The encoder's layout of a binary result: 4 bytes per column (wire kind, zero-fill width,
 * fractional digits, 0), or null when a column's type is one the encoder cannot write as the text
 * protocol would (binaryReadable keeps such tables on the text protocol; the result's own columns
 * decide, e.g. MySQL 8 computes an ENUM's `(col + 0)` as a DOUBLE where MariaDB has an integer).
 */
export function binaryLayout(columns: readonly ResultColumn[]): Uint8Array | null {
  const layout = new Uint8Array(4 * columns.length);
  for (const [i, c] of columns.entries()) {
    const ints = INTEGER_KINDS[c.columnType];
    const temporal = TEMPORAL_KINDS[c.columnType];
    if (ints !== undefined) {
      layout[4 * i] = ints[c.flags & UNSIGNED_FLAG ? 1 : 0];
      layout[4 * i + 1] = c.flags & ZEROFILL_FLAG ? Math.min(c.columnLength, 255) : 0;
    } else if (temporal !== undefined && c.decimals <= 6) {
      layout[4 * i] = temporal;
      layout[4 * i + 2] = c.decimals;
    } else if (!STRING_TYPES.has(c.columnType)) {
      return null;
    }
  }
  return layout;
}

/** The most text bytes a value of each layout column can take beyond its binary bytes (quotes included). */
export function layoutExpansion(layout: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < layout.length; i += 4) if (layout[i] !== 0) n += Math.max(layout[i + 1]!, 28) + 2;
  return n;
}
