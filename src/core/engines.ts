import type { ColumnSpec } from './table-shape.js';

/**
 * Engines whose transactions roll back and read from a snapshot: a failed statement leaves nothing, and
 * START TRANSACTION WITH CONSISTENT SNAPSHOT covers their tables. MyISAM, Aria, MEMORY and the like do
 * neither.
 */
const TRANSACTIONAL = new Set(['innodb', 'rocksdb', 'tokudb', 'ndbcluster']);

/** Whether a table's engine (information_schema.TABLES.ENGINE; null: a view or unknown, taken as transactional) rolls back. */
export function rollsBack(engine: string | null): boolean {
  return engine === null || TRANSACTIONAL.has(engine.toLowerCase());
}

/** Character sets whose CHAR key columns Aria misreads in range and equality lookups (see below). */
const ARIA_MISREAD_CHARSETS = new Set(['ucs2', 'utf32']);

/**
 * MariaDB's Aria engine (10.11.19 here; InnoDB and MyISAM are right) answers lookups on an index over a
 * CHAR column in ucs2 or utf32 wrongly: with 'a', 'b', 'c' stored, `k >= 'b'` finds only 'c' and `k = 'b'`
 * nothing, while a scan finds both. So a key range on such a key is only read right by a scan: tsdump
 * reads such a table whole, and tsload, when the table it loads into is Aria (--engine Aria, or the
 * source's engine), counts it whole and deletes a chunk's range by a scan. `engine`: the engine of the
 * table the ranges are read on (information_schema.TABLES.ENGINE).
 */
export function keyRangesMisread(engine: string | null, table: { readonly columns: readonly Pick<ColumnSpec, 'name' | 'dataType' | 'charset'>[]; readonly key: { readonly columns: readonly { readonly name: string }[] } }): boolean {
  if ((engine ?? '').toLowerCase() !== 'aria') return false;
  return table.key.columns.some((k) => {
    const c = table.columns.find((x) => x.name === k.name);
    return c !== undefined && c.dataType.toLowerCase() === 'char' && ARIA_MISREAD_CHARSETS.has((c.charset ?? '').toLowerCase());
  });
}
