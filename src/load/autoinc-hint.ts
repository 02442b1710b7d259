import { qualified } from '../core/ident.js';
import type { DataFormat, DatabaseEntry } from '../format/manifest.js';

/**
 * InnoDB's AUTO-INC lock and LOAD DATA. With innodb_autoinc_lock_mode 0 or 1 (1 is MariaDB's
 * default; MySQL 8 defaults to 2), a LOAD DATA into a table with an AUTO_INCREMENT column takes
 * the table's AUTO-INC lock at its first row and holds it until the statement ends, even when
 * every row brings its own value: two sessions loading chunks of that table run one statement at
 * a time (the other waits in "setting auto-inc lock"). Measured on the bench's `orders` at -t 2:
 * about one server core busy instead of two (docs/PERFORMANCE.md §3f). Only a restart with
 * innodb_autoinc_lock_mode=2 lifts it, which the loader does not do: it says so, once, naming the
 * tables, when the load is one that would wait (CSV data, several sessions, a table with more
 * than one chunk to load).
 */
export interface AutoincHintInput {
  /** @@GLOBAL.innodb_autoinc_lock_mode, or null when the server has none (no InnoDB). */
  readonly lockMode: number | null;
  readonly format: DataFormat;
  readonly threads: number;
  readonly targets: readonly { readonly name: string; readonly source: DatabaseEntry }[];
}

export function autoincLockHint(input: AutoincHintInput): string | null {
  const { lockMode } = input;
  if (lockMode === null || lockMode >= 2 || input.threads < 2) return null;
  // mode 1 locks only bulk statements (LOAD DATA); mode 0 every INSERT as well
  if (lockMode === 1 && input.format !== 'csv') return null;
  const tables = input.targets.flatMap((t) => t.source.tables.filter((tb) => tb.autoIncrement !== null && tb.chunks.length > 1).map((tb) => ({ name: qualified(t.name, tb.name), bytes: tb.bytes })));
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
