import { qualified, quoteIdent } from '../core/ident.js';
import { historyClause, type ColumnCodec } from '../core/table-shape.js';
import type { CatalogTable } from '../db/catalog.js';
import type { Session } from '../db/session.js';

/**
 * A quick measure of a table's rows as they will be written: the average length of the values as the
 * data files hold them, over the first and the last SAMPLE_ROWS rows in key order (both ends, so
 * growing ids and newer, longer rows are both seen), read on the dump's snapshot before the data.
 * Only the largest SAMPLED_TABLES tables are sampled; the others keep the estimate from their
 * column types (dump-estimate.ts). A failing sample is no error: the estimate stays what it was.
 */
const SAMPLE_ROWS = 500;
const SAMPLED_TABLES = 100;

/** Bytes of one value in a data file, as SQL over the column (NULL is written as \N). */
const VALUE_LENGTH: Record<ColumnCodec, (c: string) => string> = {
  text: (c) => `IFNULL(LENGTH(${c}) + 2, 2)`,
  number: (c) => `IFNULL(LENGTH(${c}), 2)`,
  float: (c) => `IFNULL(LENGTH(${c} + 0e0), 2)`,
  hex: (c) => `IFNULL(2 * LENGTH(${c}), 2)`,
  index: (c) => `IFNULL(LENGTH(${c} + 0), 2)`,
};

export function sampleSql(table: CatalogTable, format: 'csv' | 'sql', direction: 'ASC' | 'DESC'): string | null {
  const cols = table.columns.filter((c) => c.dumped);
  if (cols.length === 0) return null;
  const framing = cols.length + (format === 'sql' ? 3 : 0);
  const length = `${cols.map((c) => VALUE_LENGTH[c.codec](quoteIdent(c.name))).join(' + ')} + ${framing}`;
  const order = table.key.columns.length > 0 ? ` ORDER BY ${table.key.columns.map((k) => `${quoteIdent(k.name)} ${direction}`).join(', ')}` : '';
  return `SELECT AVG(n) AS n, COUNT(*) AS c FROM (SELECT ${length} AS n FROM ${qualified(table.database, table.name)}${historyClause(table.columns)}${order} LIMIT ${SAMPLE_ROWS}) s`;
}

/** Average bytes per row of the sampled tables (tables without rows or with a failed sample are left out). */
export async function sampleRowBytes(session: Session, tables: readonly CatalogTable[], format: 'csv' | 'sql'): Promise<Map<CatalogTable, number>> {
  const out = new Map<CatalogTable, number>();
  const largest = [...tables].sort((a, b) => b.dataLength - a.dataLength).slice(0, SAMPLED_TABLES);
  for (const t of largest) {
    const directions: ('ASC' | 'DESC')[] = t.key.columns.length > 0 ? ['ASC', 'DESC'] : ['ASC'];
    let sum = 0;
    let rows = 0;
    for (const d of directions) {
      const sql = sampleSql(t, format, d);
      if (!sql) continue;
      const r = await session.query<{ n: string | null; c: string | null }>(sql, [], { database: t.database, table: t.name }).catch(() => []);
      const n = Number(r[0]?.n ?? 0);
      const c = Number(r[0]?.c ?? 0);
      sum += n * c;
      rows += c;
    }
    if (rows > 0) out.set(t, sum / rows);
  }
  return out;
}
