import type { Reporter } from '../core/events.js';
import { formatBytes } from '../core/sizes.js';
import type { CatalogTable } from '../db/catalog.js';
import type { Flavor } from '../db/flavor.js';
import type { Session } from '../db/session.js';
import { sampleRowBytes } from './row-sample.js';

/** File bytes past the statistics' account that are never a sign of staleness (extents reserved ahead). */
const SLACK_BYTES = 32 * 1024 * 1024;
/** A row estimate this many times below what the file holds (at the sampled row size) is stale. */
const ROWS_SLACK = 4;

/**
 * InnoDB's TABLE_ROWS and DATA_LENGTH are its statistics. With STATS_AUTO_RECALC=0 (or
 * innodb_stats_auto_recalc=OFF), or after a restart that came before the background recalculation,
 * they stay what the last calculation found: a table filled since reads as 1 row in 16 KiB, and the planner would dump a 500 GB table as one chunk (one session,
 * one file, one transaction to resume from). The tablespace's file size is the file's own: where it
 * holds far more than the statistics account for (data, indexes and free space), a sample of its rows
 * says what the file holds: a row count far below that is stale, and the table's estimate is taken from
 * the file size, with a warning naming the table; a row count that fits (a table just filled, whose
 * sizes InnoDB has not recalculated yet, while it counts the rows as they come) only gets the sampled
 * row length.
 *
 * Best effort: only file-per-table tablespaces whose names need no filename encoding (letters,
 * digits, `_`), and only where the account may read the tablespace view (PROCESS on MariaDB).
 */
export async function withStoredSizes(session: Session, flavor: Flavor, tables: readonly CatalogTable[], format: 'csv' | 'sql', reporter: Reporter): Promise<CatalogTable[]> {
  const out = [...tables];
  const stored = await fileSizes(session, flavor, [...new Set(tables.filter(plainInnodb).map((t) => t.database))]);
  for (let i = 0; i < out.length; i++) {
    const t = out[i]!;
    const bytes = stored.get(`${t.database}/${t.name}`);
    if (!plainInnodb(t) || bytes === undefined || bytes <= 4 * t.dataLength + SLACK_BYTES) continue;
    const accounted = await accountedBytes(session, t);
    if (accounted === null || bytes <= 2 * accounted + SLACK_BYTES) continue;
    const rowBytes = (await sampleRowBytes(session, [t], format)).get(t);
    if (!rowBytes) continue;
    const rows = Math.ceil(bytes / rowBytes);
    const avgRowLength = Math.max(1, Math.round(rowBytes));
    if (t.rowsEstimate * ROWS_SLACK >= rows) {
      // The row count is current (InnoDB counts inserts as they happen), only the sizes wait for the next
      // recalculation (a table just filled): rows per chunk from the sample, no warning.
      out[i] = { ...t, avgRowLength, dataLength: Math.max(t.dataLength, t.rowsEstimate * avgRowLength) };
      continue;
    }
    reporter.emit({
      kind: 'warning',
      database: t.database,
      table: t.name,
      message: `information_schema puts this table at ~${t.rowsEstimate} rows in ${formatBytes(accounted)} (data, indexes and free space), but its tablespace file holds ${formatBytes(bytes)}: InnoDB's statistics are stale (not recalculated since the table grew: STATS_AUTO_RECALC=0, innodb_stats_auto_recalc=OFF, or a restart before the background recalculation ran); chunks are planned for up to ~${rows} rows of ~${Math.round(rowBytes)} bytes. ANALYZE TABLE on the source refreshes the statistics`,
    });
    out[i] = { ...t, rowsEstimate: rows, avgRowLength, dataLength: bytes };
  }
  return out;
}

function plainInnodb(t: CatalogTable): boolean {
  return (t.engine ?? '').toLowerCase() === 'innodb' && PLAIN.test(t.database) && PLAIN.test(t.name);
}

/** Names a tablespace carries unencoded (others are written as @XXXX sequences). */
const PLAIN = /^[A-Za-z0-9_]+$/;

/** Bytes of each table's tablespace files (partitions summed) by `db/table`, in one query; empty when not readable. */
async function fileSizes(session: Session, flavor: Flavor, databases: readonly string[]): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  if (databases.length === 0) return sizes;
  const rows = await session
    .query<{ NAME: string; FILE_SIZE: string | null }>(`SELECT NAME, FILE_SIZE FROM ${flavor.innodbSpacesView} WHERE SUBSTRING_INDEX(NAME, '/', 1) IN (${databases.map(() => '?').join(', ')})`, databases)
    .catch(() => []);
  for (const r of rows) {
    const table = r.NAME.split(/#p#/i)[0]!;
    sizes.set(table, (sizes.get(table) ?? 0) + Number(r.FILE_SIZE ?? 0));
  }
  return sizes;
}

/** DATA_LENGTH + INDEX_LENGTH + DATA_FREE: what the statistics (and the free extents) account for. */
async function accountedBytes(session: Session, t: CatalogTable): Promise<number | null> {
  const rows = await session
    .query<{ n: string | null }>('SELECT DATA_LENGTH + INDEX_LENGTH + DATA_FREE AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [t.database, t.name])
    .catch(() => []);
  return rows[0]?.n != null ? Number(rows[0].n) : null;
}
