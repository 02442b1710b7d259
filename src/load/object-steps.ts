import { quoteIdent } from '../core/ident.js';
import type { ObjectEntry } from '../format/manifest.js';
import { commentForSqlMode, orReplace, renameDatabases, splitSequenceFile } from './ddl.js';
import { readSchemaFile } from './dump-reader.js';
import { withEventStatus } from './event-status.js';
import { objectError } from './object-errors.js';
import { objectOrder, type PlacedObject } from './object-order.js';
import { openIndexSession, type LoadContext, type TargetDb } from './load-context.js';
import { setCounter } from './counter-restore.js';
import { recordIdentity } from './resume-check.js';
import { STEP } from './resume-state.js';
import { fingerprint, step, transformDdl, withContext } from './step-runner.js';

/**
 * Step 9: routines, views, triggers (after the data) and events of every database of the load, in
 * the order of object-order.ts, each created in a session set up as on the source. Step 10:
 * sequence state and AUTO_INCREMENT counters.
 */
const DROP_FIRST: Partial<Record<ObjectEntry['kind'], string>> = { procedure: 'PROCEDURE', function: 'FUNCTION', trigger: 'TRIGGER', event: 'EVENT' };

export async function createObjects(ctx: LoadContext, targets: readonly TargetDb[]): Promise<void> {
  const started = Date.now();
  ctx.reporter.emit({ kind: 'phase-start', phase: 'post-data', total: { tables: 0, chunks: 0, rows: 0, bytes: 0 } });
  const placed: PlacedObject<TargetDb>[] = [];
  for (const t of targets) {
    for (const o of t.source.objects.filter((x) => x.kind !== 'sequence')) placed.push({ target: t, entry: o, text: await readSchemaFile(ctx.store, o.file) });
  }
  for (const { target: t, entry: o, text } of objectOrder(placed)) {
    if (text.trim() === '') continue;
    let sql = commentForSqlMode(transformDdl(ctx, text, 'object'), o.context?.sqlMode ?? '');
    const off = ctx.opts.restore.eventsDisabled;
    if (o.kind === 'event' && off) sql = withEventStatus(sql, off === 'replica' ? ctx.flavor.eventDisabledOnReplica : 'DISABLE');
    const create = o.kind === 'view' ? orReplace(sql) : sql;
    // the fingerprint covers what the options change: the text, and the charsets of its session
    const what = fingerprint(`${create}\u0000${ctx.opts.convertUtf8mb4 ? 'utf8mb4' : ''}`);
    try {
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
    } catch (e) {
      throw await objectError(ctx, t, o, e);
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
        await setCounter(ctx, t.name, tb.name, BigInt(tb.autoIncrement ?? 1), () => openIndexSession(ctx));
        await recordIdentity(ctx, t, tb.name);
      });
    }
  }
}

