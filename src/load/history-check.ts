import { TsError } from '../core/errors.js';
import { historyClause } from '../core/table-shape.js';
import type { LoadContext } from './load-context.js';
import type { TargetDb } from './load-context.js';

/**
 * Before anything is changed: a dump of system-versioned tables holds their history rows with
 * their row_start/row_end (FOR SYSTEM_TIME ALL), which only a target with
 * system_versioning_insert_history (MariaDB 10.11+) can write back as they were. Elsewhere the load
 * is refused, naming the tables: loading them would stamp every row with the load time and turn
 * the history rows into current ones.
 */
export async function refuseHistoryWithoutTarget(ctx: LoadContext, targets: readonly TargetDb[]): Promise<void> {
  const versioned = targets.flatMap((t) => t.source.tables.filter((tb) => historyClause(tb.columns) !== '').map((tb) => `${t.name}.${tb.name}`));
  if (versioned.length === 0) return;
  const supported = await ctx.control.scalar('SELECT @@SESSION.system_versioning_insert_history').then(() => true, () => false);
  if (supported) return;
  throw new TsError({
    code: 'usage',
    message: `the dump holds the history of system-versioned tables (${versioned.slice(0, 5).join(', ')}${versioned.length > 5 ? ', …' : ''}), and this server (${ctx.flavor.version}) cannot write history rows back (no system_versioning_insert_history); nothing was changed`,
    suggestion: 'load into MariaDB 10.11 or later, which writes row_start/row_end as they were dumped',
  });
}
