import { qualified, quoteIdent } from '../core/ident.js';
import { historyClause } from '../core/table-shape.js';
import type { ColumnSpec } from './manifest.js';

/**
 * Order-independent content checksum of a set of rows, computed by the server: COUNT(*) and the sum
 * of a 64-bit slice of each row's MD5 (duplicates count; NULL differs from every value). Computed the
 * same way on the source in the dump's snapshot and on the target after a load, it names the chunk
 * whose content differs. Result text: "<count>:<sum>".
 */
const COLUMN_EXPR: Record<ColumnSpec['codec'], (q: string) => string> = {
  text: (q) => `HEX(${q})`,
  hex: (q) => `HEX(${q})`,
  number: (q) => `${q}`,
  float: (q) => `(${q} + 0e0)`,
  index: (q) => `(${q} + 0)`,
};

export function checksumSql(database: string, table: string, columns: readonly ColumnSpec[], where: string | null): string {
  const parts = columns.map((c) => `IFNULL(${COLUMN_EXPR[c.codec](quoteIdent(c.name))}, '-')`);
  const row = parts.length === 1 ? parts[0]! : `CONCAT_WS('|', ${parts.join(', ')})`;
  return `SELECT COUNT(*) AS n, COALESCE(SUM(CAST(CONV(SUBSTRING(MD5(${row}), 1, 16), 16, 10) AS DECIMAL(20,0))), 0) AS s FROM ${qualified(database, table)}${historyClause(columns)}${where ? ` WHERE ${where}` : ''}`;
}
