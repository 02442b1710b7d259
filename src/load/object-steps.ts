import { qualified, quoteIdent } from '../core/ident.js';
import type { ObjectEntry } from '../format/manifest.js';
import { commentForSqlMode, dependencyOrder, orReplace, renameDatabases, splitSequenceFile } from './ddl.js';
import { readSchemaFile } from './dump-reader.js';
import { withEventStatus } from './event-status.js';
import { openIndexSession, type LoadContext, type TargetDb } from './load-context.js';
import { recordIdentity } from './resume-check.js';
import { STEP } from './resume-state.js';
import { onGuardedSession } from './session-guard.js';
import { fingerprint, step, transformDdl, withContext } from './step-runner.js';

/**
 * Step 9: routines, views (dependency order), triggers (after the data) and events, each created
 * in a session set up as on the source. Step 10: sequence state and AUTO_INCREMENT counters.
 */
const DROP_FIRST: Partial<Record<ObjectEntry['kind'], string>> = { procedure: 'PROCEDURE', function: 'FUNCTION', trigger: 'TRIGGER', event: 'EVENT' };

export async function createObjects(ctx: LoadContext, targets: readonly TargetDb[]): Promise<void> {
  const started = Date.now();
  ctx.reporter.emit({ kind: 'phase-start', phase: 'post-data', total: { tables: 0, chunks: 0, rows: 0, bytes: 0 } });
  for (const t of targets) {
    const objs = t.source.objects;
    // routines first: a view may call a stored function
    const ordered = [
      ...objs.filter((o) => o.kind === 'procedure' || o.kind === 'function'),
      ...dependencyOrder(objs.filter((o) => o.kind === 'view')),
      ...objs.filter((o) => o.kind === 'trigger'),
      ...objs.filter((o) => o.kind === 'event'),
    ];
    for (const o of ordered) {
      const text = await readSchemaFile(ctx.store, o.file);
      if (text.trim() === '') continue;
      let sql = commentForSqlMode(transformDdl(ctx, text, 'object'), o.context?.sqlMode ?? '');
      const off = ctx.opts.restore.eventsDisabled;
      if (o.kind === 'event' && off) sql = withEventStatus(sql, off === 'replica' ? ctx.flavor.eventDisabledOnReplica : 'DISABLE');
      const create = o.kind === 'view' ? orReplace(sql) : sql;
      // the fingerprint covers what the options change: the text, and the charsets of its session
      const what = fingerprint(`${create}\u0000${ctx.opts.convertUtf8mb4 ? 'utf8mb4' : ''}`);
      await step(
        ctx,
        t,
        STEP.object(o.kind, o.name),
        async () => {
          await withContext(ctx, t, o, async (s) => {
            const object = { database: t.name, table: o.name };
            // replaces only what is this load's: a fresh load refused the user's objects of these
            // names (existing-objects.ts) unless --drop-table drop asked to replace them
            const drop = DROP_FIRST[o.kind];
            if (drop) await s.exec(`DROP ${drop} IF EXISTS ${quoteIdent(o.name)}`, [], object);
            await s.exec(create, [], object);
          });
        },
        what,
      );
    }
  }
  ctx.reporter.emit({ kind: 'phase-done', phase: 'post-data', seconds: (Date.now() - started) / 1000 });
}

export async function restoreCounters(ctx: LoadContext, targets: readonly TargetDb[]): Promise<void> {
  for (const t of targets) {
    // --no-schema creates no sequence, so there is none to set
    for (const o of t.source.objects.filter((x) => x.kind === 'sequence' && !ctx.opts.restore.noSchema)) {
      const state = splitSequenceFile(await readSchemaFile(ctx.store, o.file)).state;
      if (!state) continue;
      await step(ctx, t, STEP.sequenceState(o.name), async () => {
        await ctx.control.exec(renameDatabases(state, ctx.renames), [], { database: t.name, table: o.name });
      });
    }
    for (const tb of t.source.tables) {
      if (tb.autoIncrement === null) continue;
      await step(ctx, t, STEP.autoIncrement(tb.name), async () => {
        await recordIdentity(ctx, t, tb.name, true);
        await setCounter(ctx, t.name, tb.name, BigInt(tb.autoIncrement ?? 1));
        await recordIdentity(ctx, t, tb.name);
      });
    }
  }
}

/**
 * Sets a table's AUTO_INCREMENT counter to the dumped value, only when it differs. On a table with a
 * virtual column, an in-place ALTER recomputes a counter past the column's range from the rows
 * (history rows included): seen on MariaDB 10.11, INT with AUTO_INCREMENT=2147484115 (as CREATE TABLE
 * set it) became max(id)+1 at the deferred ADD KEY, and again at ALTER TABLE … AUTO_INCREMENT =
 * 2147484115; earlier TINYINT 566 became 128. A rebuild with the value (`, FORCE`) keeps it, so that
 * is the fallback, taken only when the counter came out lower than wanted: higher is the rows' doing
 * (a load into a table that had rows), which no ALTER undoes.
 */
async function setCounter(ctx: LoadContext, database: string, table: string, want: bigint): Promise<void> {
  const object = { database, table };
  const target = qualified(database, table);
  const read = async (): Promise<bigint> =>
    BigInt(await ctx.control.scalar('SELECT AUTO_INCREMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [database, table]) ?? 0);
  // where the deferred indexes are built: in the load's sql_mode, as the server's default may refuse a
  // definition the table was created with (an ENUM with a duplicate member, which a non-strict mode
  // allowed: error 1291); stopped with the load, retried after a transient error
  const alter = (extra: string): Promise<void> =>
    onGuardedSession(ctx, `setting the AUTO_INCREMENT counter of ${target}`, object, () => openIndexSession(ctx), async (s) => {
      await s.exec(`ALTER TABLE ${target} AUTO_INCREMENT = ${want}${extra}`, [], object);
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
