import type { Totals } from '../core/events.js';
import type { ColumnSpec } from '../core/table-shape.js';
import type { CatalogTable } from '../db/catalog.js';

/**
 * The dump's totals before it is done: rows and bytes of data files (before compression), per table.
 *
 * Before a table's first chunk: the catalog's row estimate times a row's size in the data files,
 * measured on a sample of its rows (row-sample.ts), else estimated from its column types. InnoDB's
 * DATA_LENGTH is no measure of it: it counts binary values (an INT is 4 bytes, a DATETIME 5, as text
 * up to 11 and 21) and page overhead, and is stale after bulk loads (the demo said 18 MiB for 38 MiB).
 * Then corrected as chunks finish: the table's measured bytes per row times its rows left, exact
 * once it is done. Pure (no clock, no I/O): the dumper feeds it and emits the totals.
 */

/** InnoDB per-row overhead inside AVG_ROW_LENGTH (record header, transaction id, roll pointer, page fill). */
const INNODB_ROW_OVERHEAD = 20;

interface Width {
  /** Bytes InnoDB stores for a value (null: variable, part of the row's remaining length). */
  readonly stored: number | null;
  /** Bytes of a value in a data file (for variable ones: per stored byte). */
  readonly text: number;
}

const FIXED: Record<string, Width> = {
  // integers: typical values, not the widest (ids and counters are far from the type's limit)
  tinyint: { stored: 1, text: 2 },
  smallint: { stored: 2, text: 3 },
  mediumint: { stored: 3, text: 5 },
  int: { stored: 4, text: 6 },
  integer: { stored: 4, text: 6 },
  bigint: { stored: 8, text: 8 },
  year: { stored: 1, text: 4 },
  float: { stored: 4, text: 11 },
  double: { stored: 8, text: 17 },
  real: { stored: 8, text: 17 },
  date: { stored: 3, text: 12 },
  time: { stored: 3, text: 10 },
  datetime: { stored: 5, text: 21 },
  timestamp: { stored: 4, text: 21 },
  enum: { stored: 1, text: 1 },
  set: { stored: 1, text: 1 },
};

function widthOf(c: ColumnSpec): Width {
  const t = c.dataType.toLowerCase();
  const fixed = FIXED[t];
  if (fixed) return fixed;
  if (t === 'decimal' || t === 'numeric') {
    const m = /\((\d+)(?:,(\d+))?\)/.exec(c.columnType);
    const p = m ? Number(m[1]) : 10;
    return { stored: Math.ceil(p / 2.25), text: Math.ceil(p * 0.6) + 1 };
  }
  if (t === 'bit') {
    const m = /\((\d+)\)/.exec(c.columnType);
    const n = Math.ceil((m ? Number(m[1]) : 1) / 8);
    return { stored: n, text: 2 * n };
  }
  // Variable: CHAR/VARCHAR/TEXT/JSON as their bytes, binary ones as hex.
  return { stored: null, text: c.codec === 'hex' ? 2 : 1 };
}

/** Estimated bytes of one row in a data file (CSV: separators, quotes and the newline included). */
export function rowTextEstimate(table: Pick<CatalogTable, 'columns' | 'avgRowLength'>, format: 'csv' | 'sql'): number {
  const cols = table.columns.filter((c) => c.dumped);
  if (cols.length === 0) return 0;
  let fixedStored = 0;
  let fixedText = 0;
  const variable: Width[] = [];
  for (const c of cols) {
    const w = widthOf(c);
    if (w.stored === null) variable.push(w);
    else {
      fixedStored += w.stored;
      fixedText += w.text;
    }
  }
  // What is left of the stored row belongs to the variable columns (a length byte each, quotes in the file).
  const varStored = Math.max(0, table.avgRowLength - INNODB_ROW_OVERHEAD - fixedStored - variable.length);
  const perByte = variable.length > 0 ? variable.reduce((a, w) => a + w.text, 0) / variable.length : 0;
  const varText = varStored * perByte + 2 * variable.length;
  const framing = cols.length + (format === 'sql' ? 3 : 0);
  return Math.max(1, Math.round(fixedText + varText + framing));
}

interface TableEstimate {
  readonly estimatedRows: number;
  readonly rowBytes: number;
  doneRows: number;
  doneBytes: number;
  finished: boolean;
}

export class DumpEstimate {
  private readonly tables = new Map<CatalogTable, TableEstimate>();

  /** `sampled`: measured bytes per row of some tables (row-sample.ts); the others by their column types. */
  constructor(tables: readonly CatalogTable[], format: 'csv' | 'sql', sampled: ReadonlyMap<CatalogTable, number> = new Map()) {
    for (const t of tables) this.tables.set(t, { estimatedRows: Math.max(0, t.rowsEstimate), rowBytes: sampled.get(t) ?? rowTextEstimate(t, format), doneRows: 0, doneBytes: 0, finished: false });
  }

  chunkDone(table: CatalogTable, rows: number, bytes: number): void {
    const e = this.tables.get(table);
    if (!e) return;
    e.doneRows += rows;
    e.doneBytes += bytes;
  }

  tableDone(table: CatalogTable): void {
    const e = this.tables.get(table);
    if (e) e.finished = true;
  }

  /** Every table finished: the totals are what was written. */
  get exact(): boolean {
    return [...this.tables.values()].every((e) => e.finished);
  }

  totals(): Totals {
    let rows = 0;
    let bytes = 0;
    for (const e of this.tables.values()) {
      if (e.finished) {
        rows += e.doneRows;
        bytes += e.doneBytes;
        continue;
      }
      // The row estimate may be low (stale statistics): never below what is done plus a little.
      const r = Math.max(e.estimatedRows, e.doneRows);
      const perRow = e.doneRows > 0 ? e.doneBytes / e.doneRows : e.rowBytes;
      rows += r;
      bytes += Math.round(e.doneBytes + (r - e.doneRows) * perRow);
    }
    return { tables: this.tables.size, chunks: 0, rows, bytes };
  }
}
