import { quoteIdent } from '../core/ident.js';
import { convertUtf8mb4, ifNotExists, splitCreateTable, splitSequenceFile } from './ddl.js';
import { readSchemaFile } from './dump-reader.js';
import type { Session } from '../db/session.js';
import { openSchemaSession, type LoadContext, type TableWork, type TargetDb } from './load-context.js';
import { step, transformDdl, withContext } from './step-runner.js';
import { recordIdentity } from './resume-check.js';
import { STEP, tableState } from './resume-state.js';

/**
 * Step 6: databases, sequences and tables (without secondary indexes and foreign keys when they are
 * deferred), each DDL idempotent and recorded once done.
 */
export async function createSchema(ctx: LoadContext, targets: readonly TargetDb[]): Promise<TableWork[]> {
  const started = Date.now();
  ctx.reporter.emit({ kind: 'phase-start', phase: 'schema', total: { tables: targets.reduce((n, t) => n + t.source.tables.length, 0), chunks: 0, rows: 0, bytes: 0 } });
  const work: TableWork[] = [];
  // Tables are created on a session of their own, in the mode their definitions need; opened only
  // when there is a table to create.
  let ddl: Promise<Session> | null = null;
  const schemaSession = (): Promise<Session> => (ddl ??= openSchemaSession(ctx));
  try {
    for (const t of targets) work.push(...(await createDatabase(ctx, t, schemaSession)));
  } finally {
    if (ddl) await (await (ddl as Promise<Session>).catch(() => null))?.close();
  }
  ctx.reporter.emit({ kind: 'phase-done', phase: 'schema', seconds: (Date.now() - started) / 1000 });
  return work;
}

async function createDatabase(ctx: LoadContext, t: TargetDb, schemaSession: () => Promise<Session>): Promise<TableWork[]> {
  const { control, opts } = ctx;
  const src = t.source;
  const work: TableWork[] = [];
  await readSchemaFile(ctx.store, src.schema);
  const noSchema = opts.restore.noSchema;
  if (!noSchema) await step(ctx, t, STEP.database, async () => {
    let cs = src.charset;
    let coll = src.collation;
    if (opts.convertUtf8mb4) {
      cs = convertUtf8mb4(cs);
      coll = convertUtf8mb4(coll);
    }
    await control.exec(`CREATE DATABASE IF NOT EXISTS ${quoteIdent(t.name)} CHARACTER SET ${cs} COLLATE ${coll}`, [], { database: t.name });
  });
  await control.exec(`USE ${quoteIdent(t.name)}`);
  for (const o of src.objects.filter((x) => x.kind === 'sequence' && !noSchema)) {
    const text = splitSequenceFile(await readSchemaFile(ctx.store, o.file)).create;
    await step(ctx, t, STEP.sequence(o.name), async () => {
      await withContext(ctx, t, o, async (s) => {
        await s.exec(ifNotExists(transformDdl(ctx, text, 'table')), [], { database: t.name, table: o.name });
      });
    });
  }
  let inDatabase = false;
  for (const tb of src.tables) {
    const text = await readSchemaFile(ctx.store, tb.schema);
    // without rows there is nothing to defer the indexes for
    const split = splitCreateTable(transformDdl(ctx, text, 'table'), opts.deferIndexes && !opts.restore.noData);
    if (noSchema && tableState(t.name, tb, t).state === 'absent') await recordIdentity(ctx, t, tb.name);
    else if (text.trim() !== '' && tableState(t.name, tb, t).state === 'absent') {
      const ddl = await schemaSession();
      if (!inDatabase) await ddl.exec(`USE ${quoteIdent(t.name)}`);
      inDatabase = true;
      await ddl.exec(ifNotExists(split.create), [], { database: t.name, table: tb.name });
      await recordIdentity(ctx, t, tb.name);
    }
    work.push({ db: t, table: tb, split, started: Date.now(), remaining: 0, rows: 0, bytes: 0, transactional: true, engine: null, todo: [] });
  }
  return work;
}
