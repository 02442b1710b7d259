import { describe, expect, it } from 'vitest';
import type { ColumnSpec } from '../../src/core/table-shape.js';
import type { CatalogTable } from '../../src/db/catalog.js';
import { DumpEstimate, rowTextEstimate } from '../../src/dump/dump-estimate.js';

const col = (name: string, dataType: string, columnType: string, codec: ColumnSpec['codec'] = 'text'): ColumnSpec => ({ name, dataType, columnType, charset: codec === 'text' ? 'utf8mb4' : null, nullable: false, generated: false, invisible: false, dumped: true, codec });

function table(name: string, rowsEstimate: number, avgRowLength: number, columns: ColumnSpec[]): CatalogTable {
  return { database: 'db', name, engine: 'InnoDB', rowsEstimate, avgRowLength, dataLength: rowsEstimate * avgRowLength, autoIncrement: null, columns, key: { kind: 'primary', index: 'PRIMARY', columns: [] } };
}

// The demo's orders table: a row of 8-byte and 5-byte binary values is far longer as text.
const orders = table('orders', 300_000, 52, [
  col('id', 'bigint', 'bigint(20)', 'number'),
  col('customer_id', 'int', 'int(10) unsigned', 'number'),
  col('status', 'enum', "enum('new','paid')", 'index'),
  col('total', 'decimal', 'decimal(12,2)', 'number'),
  col('created_at', 'datetime', 'datetime'),
  col('note', 'text', 'text'),
]);

describe('dump estimates', () => {
  it('a row as text is longer than InnoDB stores it (numbers and dates as digits, quotes, separators)', () => {
    const est = rowTextEstimate(orders, 'csv');
    expect(est).toBeGreaterThan(orders.avgRowLength);
    // bigint 8 + int 6 + enum 1 + decimal 9 + datetime 21 + note (52-20-29-1 stored, +2 quotes) + 6 separators
    expect(est).toBeGreaterThanOrEqual(50);
    expect(est).toBeLessThanOrEqual(60);
    expect(rowTextEstimate(orders, 'sql')).toBeGreaterThan(est);
  });

  it('binary values count twice (hex)', () => {
    const blob = table('b', 10, 1020, [col('id', 'int', 'int(11)', 'number'), col('data', 'blob', 'blob', 'hex')]);
    expect(rowTextEstimate(blob, 'csv')).toBeGreaterThan(1800);
  });

  it('is corrected as chunks finish, exact once every table is done, never below what is done', () => {
    const small = table('small', 10, 40, [col('id', 'int', 'int(11)', 'number')]);
    const e = new DumpEstimate([orders, small], 'csv');
    const first = e.totals();
    expect(first.rows).toBe(300_010);
    expect(e.exact).toBe(false);
    // the first chunk measured 100 bytes a row: the rest of the table is estimated at that
    e.chunkDone(orders, 100_000, 10_000_000);
    const t = e.totals();
    expect(t.bytes).toBeGreaterThan(30_000_000 - 1);
    // stale statistics: more rows than estimated
    e.chunkDone(small, 25, 250);
    e.tableDone(small);
    expect(e.totals().rows).toBe(300_025);
    e.chunkDone(orders, 200_000, 20_000_000);
    e.tableDone(orders);
    expect(e.exact).toBe(true);
    expect(e.totals()).toEqual({ tables: 2, chunks: 0, rows: 300_025, bytes: 30_000_250 });
  });
});

describe('row samples', () => {
  it('measures values as the data files write them, from both ends of the key', async () => {
    const { sampleSql } = await import('../../src/dump/row-sample.js');
    const keyed = { ...orders, key: { kind: 'primary' as const, index: 'PRIMARY', columns: [{ name: 'id', literal: 'number' as const, charset: null }] } };
    const asc = sampleSql(keyed, 'csv', 'ASC')!;
    expect(asc).toContain('IFNULL(LENGTH(`note`) + 2, 2)');
    expect(asc).toContain('IFNULL(LENGTH(`status` + 0), 2)');
    expect(asc).toMatch(/\+ 6 AS n FROM `db`\.`orders` ORDER BY `id` ASC LIMIT 500\) s$/);
    expect(sampleSql(keyed, 'csv', 'DESC')).toContain('ORDER BY `id` DESC');
    expect(sampleSql(orders, 'sql', 'ASC')).toContain('+ 9 AS n');
  });
});
