/**
 * A table's AUTO_INCREMENT counter put back after the ALTERs of a load: our own dumps' (step 10,
 * object-steps.ts) and a script import's deferred keys (import-indexes.ts), where the CREATE TABLE of
 * the file set the counter and the deferred ADD KEY recomputed it.
 */
import { qualified } from '../core/ident.js';
import type { FlavorKind } from '../db/flavor.js';
import type { Session } from '../db/session.js';
import type { StatementRunner } from './control-session.js';
import type { RetryContext } from './retry.js';
import type { GuardContext } from './session-guard.js';
import { onGuardedSession } from './session-guard.js';

export interface CounterContext extends GuardContext, RetryContext {
  readonly control: Pick<StatementRunner, 'scalar'>;
  readonly flavor: { readonly kind: FlavorKind };
}

/**
 * Sets a table's AUTO_INCREMENT counter to the dumped value, only when it differs. On a table with a
 * virtual column, an in-place ALTER recomputes a counter past the column's range from the rows
 * (history rows included): seen on MariaDB 10.11, INT with AUTO_INCREMENT=2147484115 (as CREATE TABLE
 * set it) became max(id)+1 at the deferred ADD KEY, and again at ALTER TABLE … AUTO_INCREMENT =
 * 2147484115; earlier TINYINT 566 became 128. A rebuild with the value (`, FORCE`) keeps it, so that
 * is the fallback, taken only when the counter came out lower than wanted: higher is the rows' doing
 * (a load into a table that had rows), which no ALTER undoes. `open`: the session the ALTER runs on —
 * where the deferred indexes are built, in the load's sql_mode, as the server's default may refuse a
 * definition the table was created with (an ENUM with a duplicate member, which a non-strict mode
 * allowed: error 1291); stopped with the load, retried after a transient error.
 */
export async function setCounter(ctx: CounterContext, database: string, table: string, want: bigint, open: () => Promise<Session>, targetSql = qualified(database, table)): Promise<void> {
  const object = { database, table };
  const target = qualified(database, table);
  const read = async (): Promise<bigint> =>
    BigInt(await ctx.control.scalar('SELECT AUTO_INCREMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [database, table]) ?? 0);
  const alter = (extra: string): Promise<void> =>
    onGuardedSession(ctx, `setting the AUTO_INCREMENT counter of ${target}`, object, open, async (s) => {
      await s.exec(`ALTER TABLE ${targetSql} AUTO_INCREMENT = ${want}${extra}`, [], object);
    });
  if ((await read()) === want) return;
  await alter('');
  // MySQL 8 caches information_schema.TABLES (information_schema_stats_expiry): a stale value there
  // must not cost a table rebuild, and the recomputation was seen on MariaDB only
  if (ctx.flavor.kind !== 'mariadb') return;
  let now = await read();
  if (now >= want) return;
  await alter(', FORCE');
  now = await read();
  if (now < want) {
    ctx.reporter.emit({ kind: 'warning', message: `${target}: the server kept its AUTO_INCREMENT counter at ${now}, not the dumped ${want}, even after rebuilding the table`, ...object });
  }
}
