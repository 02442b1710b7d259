import { qualified } from '../core/ident.js';
import type { DatabaseEntry, TableEntry } from '../format/manifest.js';

/**
 * How the rows of a CSV chunk reach the server (--insert-method):
 * - `load-data`: LOAD DATA LOCAL INFILE of the chunk's bytes (needs local_infile = ON on the target);
 * - `bulk`: MariaDB's array-bound INSERT (COM_STMT_BULK_EXECUTE, db/bulk-insert.ts): the rows
 *   converted to the binary protocol by the loader (format/csv-bulk.ts), no SQL text, no LOCAL INFILE;
 * - `auto` (the default): `bulk` where the server offers it and LOAD DATA would be worse: on a
 *   table with an AUTO_INCREMENT column under innodb_autoinc_lock_mode=1 (LOAD DATA would hold the
 *   table's AUTO-INC lock to its end, so its chunks could only load one at a time), and everywhere
 *   when local_infile is OFF; `load-data` elsewhere. Never `bulk` where the rows would be logged with
 *   binlog_format=STATEMENT: MariaDB refuses bulk operations there (error 4033, "Only row based
 *   replication supported for bulk operations") — after the tables before it had loaded.
 */
export const INSERT_METHODS = ['auto', 'load-data', 'bulk'] as const;
export type InsertMethod = (typeof INSERT_METHODS)[number];
export type CsvMethod = Exclude<InsertMethod, 'auto'>;

export interface InsertMethodFacts {
  /** The server takes COM_STMT_BULK_EXECUTE (MariaDB ≥ 10.5, negotiated in the handshake). */
  readonly bulkOperations: boolean;
  readonly localInfile: boolean;
  /** @@GLOBAL.innodb_autoinc_lock_mode (null: no such variable). */
  readonly autoincLockMode: number | null;
  /** The loader's rows would be binary-logged as statements (log_bin, sql_log_bin and binlog_format=STATEMENT). */
  readonly statementBinlog: boolean;
}

/** The server takes bulk INSERTs of the loader's rows. */
export function bulkUsable(facts: InsertMethodFacts): boolean {
  return facts.bulkOperations && !facts.statementBinlog;
}

export function csvMethodFor(option: InsertMethod, facts: InsertMethodFacts, table: Pick<TableEntry, 'autoIncrement'>): CsvMethod {
  if (option !== 'auto') return option;
  if (!bulkUsable(facts)) return 'load-data';
  if (!facts.localInfile) return 'bulk';
  return facts.autoincLockMode === 1 && table.autoIncrement !== null ? 'bulk' : 'load-data';
}

/** Whether some CSV chunk of these tables would need LOAD DATA LOCAL (so local_infile must be ON). */
export function needsLocalInfile(option: InsertMethod, facts: InsertMethodFacts): boolean {
  // with local_infile OFF, auto sends every table by bulk INSERT where the server has it
  return option === 'load-data' || (option === 'auto' && !bulkUsable(facts));
}

/**
 * The line that says how the rows go, when some go by bulk INSERT (null: all by LOAD DATA, the
 * long-standing way, said by nothing): the bulk tables (up to 3, largest first) and how many are left.
 */
export function insertMethodLine(targets: readonly { readonly name: string; readonly source: DatabaseEntry }[], method: (t: TableEntry) => CsvMethod): string | null {
  const tables = targets.flatMap((t) => t.source.tables.filter((tb) => tb.rows > 0).map((tb) => ({ name: qualified(t.name, tb.name), bytes: tb.bytes, bulk: method(tb) === 'bulk' })));
  const bulk = tables.filter((t) => t.bulk).sort((a, b) => b.bytes - a.bytes);
  if (bulk.length === 0) return null;
  const names = bulk.slice(0, 3).map((t) => t.name).join(', ') + (bulk.length > 3 ? ` and ${bulk.length - 3} more` : '');
  const rest = tables.length - bulk.length;
  return `rows sent by bulk INSERT (COM_STMT_BULK_EXECUTE) into ${names}${rest > 0 ? `; by LOAD DATA LOCAL into the other ${rest} table${rest === 1 ? '' : 's'}` : ''} (--insert-method)`;
}
