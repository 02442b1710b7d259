import { qualified } from '../core/ident.js';
import type { DataFormat, DatabaseEntry, TableEntry } from '../format/manifest.js';
import type { CsvMethod } from './insert-method.js';

/**
 * InnoDB's AUTO-INC lock and LOAD DATA. With innodb_autoinc_lock_mode 0 or 1 (1 is MariaDB's
 * default; MySQL 8 defaults to 2), a LOAD DATA into a table with an AUTO_INCREMENT column takes
 * the table's AUTO-INC lock at its first row and holds it until the statement ends, even when
 * every row brings its own value: two sessions loading chunks of that table run one statement at
 * a time (the other waits in "setting auto-inc lock"). Measured on the bench's `orders` at -t 2:
 * about one server core busy instead of two (docs/PERFORMANCE.md §3f). Only a restart with
 * innodb_autoinc_lock_mode=2 lifts it, which the loader does not do: it says so, once, naming the
 * tables, when the load is one that would wait (CSV data sent by LOAD DATA, or any INSERT under
 * mode 0; several sessions; a table with more than one chunk to load). Under mode 1 on MariaDB,
 * --insert-method auto sends such tables' rows by bulk INSERT instead (insert-method.ts).
 */
export interface AutoincHintInput {
  /** @@GLOBAL.innodb_autoinc_lock_mode, or null when the server has none (no InnoDB). */
  readonly lockMode: number | null;
  readonly format: DataFormat;
  readonly threads: number;
  readonly targets: readonly { readonly name: string; readonly source: DatabaseEntry }[];
  /** How each table's CSV rows are sent: MariaDB's bulk INSERT takes only the AUTO-INC mutex under mode 1. */
  readonly method: (table: TableEntry) => CsvMethod;
  /** --engine: every table is created with this engine instead of its own (only InnoDB's are named). */
  readonly engine?: string | null;
}

export function autoincLockHint(input: AutoincHintInput): string | null {
  const { lockMode } = input;
  if (lockMode === null || lockMode >= 2 || input.threads < 2) return null;
  // mode 1 locks only bulk statements (LOAD DATA); mode 0 every INSERT as well
  if (lockMode === 1 && input.format !== 'csv') return null;
  // the AUTO-INC lock is InnoDB's (a MyISAM or Aria table waits on its table lock whatever the mode)
  const innodb = (tb: TableEntry): boolean => (input.engine ?? tb.engine ?? 'InnoDB').toLowerCase() === 'innodb';
  const waits = (tb: TableEntry): boolean => tb.autoIncrement !== null && tb.chunks.length > 1 && innodb(tb) && (lockMode === 0 || input.method(tb) === 'load-data');
  const tables = input.targets.flatMap((t) => t.source.tables.filter(waits).map((tb) => ({ name: qualified(t.name, tb.name), bytes: tb.bytes })));
  if (tables.length === 0) return null;
  const names = tables
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 3)
    .map((t) => t.name)
    .join(', ');
  const more = tables.length > 3 ? ` and ${tables.length - 3} more` : '';
  return (
    `innodb_autoinc_lock_mode=${lockMode}: ${names}${more} ha${tables.length === 1 ? 's' : 've'} an AUTO_INCREMENT column, so its chunks load one statement at a time ` +
    `(each ${lockMode === 1 ? 'LOAD DATA' : 'INSERT'} holds the table's AUTO-INC lock until it ends); innodb_autoinc_lock_mode=2 in the server's configuration ` +
    `(a restart; safe with binlog_format=ROW) lets them load in parallel`
  );
}
