import type { Reporter } from '../core/events.js';
import type { Session } from '../db/session.js';
import type { Manifest } from '../format/manifest.js';
import { innodbDefaultRowFormat } from '../db/innodb-row-format.js';
import type { DumpOptions } from './dump-options.js';

/**
 * An INSERT longer than max_allowed_packet cannot be loaded anywhere that has the same setting:
 * SQL-format statements are kept below the source's value (a warning says so).
 */
export async function capStatementSize(control: Session, opts: DumpOptions, reporter: Reporter): Promise<DumpOptions> {
  if (opts.format !== 'sql') return opts;
  const max = Number((await control.scalar('SELECT @@GLOBAL.max_allowed_packet')) ?? 0);
  const cap = max - 4096;
  if (max <= 0 || opts.statementSize <= cap) return opts;
  reporter.emit({ kind: 'warning', message: `--statement-size ${opts.statementSize} is more than the server's max_allowed_packet (${max}): INSERT statements are kept to ${cap} bytes so they can be loaded` });
  return Object.freeze({ ...opts, statementSize: cap });
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
