import type { Reporter } from '../core/events.js';
import type { Session } from '../db/session.js';
import { formatBytes } from '../core/sizes.js';
import { fitsPacket, packetToFit } from '../format/longest-line.js';
import type { ChunkEntry, Manifest } from '../format/manifest.js';
import { innodbDefaultRowFormat } from '../db/innodb-row-format.js';
import type { TableData } from './data-dump.js';
import type { DumpOptions } from './dump-options.js';

/** The source's max_allowed_packet (0 when it says none). */
export async function maxAllowedPacket(control: Session): Promise<number> {
  return Number((await control.scalar('SELECT @@GLOBAL.max_allowed_packet')) ?? 0) || 0;
}

/**
 * An INSERT longer than max_allowed_packet cannot be loaded anywhere that has the same setting:
 * SQL-format statements are kept below the source's value `max` (a warning says so).
 */
export function capStatementSize(opts: DumpOptions, max: number, reporter: Reporter): DumpOptions {
  if (opts.format !== 'sql') return opts;
  const cap = max - 4096;
  if (max <= 0 || opts.statementSize <= cap) return opts;
  reporter.emit({ kind: 'warning', message: `--statement-size ${opts.statementSize} is more than the server's max_allowed_packet (${max}): INSERT statements are kept to ${cap} bytes so they can be loaded` });
  return Object.freeze({ ...opts, statementSize: cap });
}

/**
 * A row whose line (its CSV line, or its INSERT statement: escaping and hex make it longer than the
 * row) is longer than the source's max_allowed_packet `max` cannot be loaded into a server with the
 * same setting; tsload refuses it before loading. Said at dump time, per table, naming the chunk,
 * the line and the setting the restore needs, so it is not found on the day of the restore.
 */
export function warnLongLines(data: TableData, max: number, reporter: Reporter): void {
  if (max <= 0) return;
  for (const [table, { chunks }] of data) {
    let worst: ChunkEntry | undefined;
    for (const c of chunks) if (c && (c.longestLine?.bytes ?? 0) > (worst?.longestLine?.bytes ?? 0)) worst = c;
    const ll = worst?.longestLine;
    if (!worst || !ll || fitsPacket(ll.bytes, max)) continue;
    reporter.emit({
      kind: 'warning',
      database: table.database,
      table: table.name,
      message: `chunk ${worst.index} (${worst.path}): line ${ll.line} is ${formatBytes(ll.bytes)}, more than this server's max_allowed_packet (${formatBytes(max)}), so a server with the same setting cannot load it: restore into one with SET GLOBAL max_allowed_packet = ${packetToFit(ll.bytes)}; (and in its config file)`,
    });
  }
}

/**
 * The source's modes, the time zone the control session prints definitions in (DUMP_CONTROL: UTC),
 * and the row format its InnoDB tables get when their definition names none (SHOW CREATE TABLE then
 * prints none; MySQL before 5.7 and MariaDB before 10.2 have no such variable).
 */
export async function readSessionContext(control: Session): Promise<Manifest['session']> {
  const r = await control.query<{ m: string; z: string; dz: string }>('SELECT @@SESSION.sql_mode AS m, @@GLOBAL.time_zone AS z, @@SESSION.time_zone AS dz');
  const rowFormat = await innodbDefaultRowFormat(control);
  return { sqlMode: r[0]?.m ?? '', timeZone: r[0]?.z ?? 'SYSTEM', definitionsTimeZone: r[0]?.dz ?? '+00:00', ...(rowFormat !== null ? { innodbDefaultRowFormat: rowFormat } : {}) };
}
