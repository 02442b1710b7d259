import { qualified, quoteIdent } from '../core/ident.js';
import { convertUtf8mb4, ifNotExists, splitCreateTable, splitSequenceFile } from './ddl.js';
import { readSchemaFile } from './dump-reader.js';
import type { Session } from '../db/session.js';
import { openSchemaSession, type LoadContext, type TableWork, type TargetDb } from './load-context.js';
import { step, transformDdl, withContext } from './step-runner.js';
import { recordIdentity } from './resume-check.js';
import { retryTransient } from './retry.js';
import { refuseShortenedCreate, rewritesKeys } from './key-warnings.js';
import { STEP, tableState } from './resume-state.js';

/**
 * Step 6: databases, sequences and tables (without secondary indexes and foreign keys when they are
 * deferred), each DDL idempotent and recorded once done.
 */
export async function createSchema(ctx: LoadContext, targets: readonly TargetDb[]): Promise<TableWork[]> {
  const started = Date.now();
  ctx.reporter.emit({ kind: 'phase-start', phase: 'schema', total: { tables: targets.reduce((n, t) => n + t.source.tables.length, 0), chunks: 0, rows: 0, bytes: 0 } });
  const work: TableWork[] = [];
  const sessions = new SchemaSession(ctx);
  try {
    for (const t of targets) work.push(...(await createDatabase(ctx, t, sessions)));
  } finally {
    await sessions.close();
  }
  ctx.reporter.emit({ kind: 'phase-done', phase: 'schema', seconds: (Date.now() - started) / 1000 });
  return work;
}

/**
 * The session tables are created on, in the mode their definitions need: opened when there is a
 * table to create, and again after its connection was lost (a CREATE TABLE … IF NOT EXISTS is
 * retried on a fresh one).
 */
class SchemaSession {
  private session: Promise<Session> | null = null;
  private database: string | null = null;

  constructor(private readonly ctx: LoadContext) {}

  async in(database: string): Promise<Session> {
    const s = await (this.session ??= openSchemaSession(this.ctx));
    if (this.database !== database) {
      await s.exec(`USE ${quoteIdent(database)}`);
      this.database = database;
    }
    return s;
  }

  /** Gives up the session (its connection failed): the next `in` opens another. */
  drop(): void {
    void this.session?.then((s) => s.destroy(), () => undefined);
    this.session = null;
    this.database = null;
  }

  async close(): Promise<void> {
    const s = this.session;
    this.session = null;
    if (s) await (await s.catch(() => null))?.close();
  }
}

async function createDatabase(ctx: LoadContext, t: TargetDb, sessions: SchemaSession): Promise<TableWork[]> {
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
  for (const tb of src.tables) {
    const text = await readSchemaFile(ctx.store, tb.schema);
    // without rows there is nothing to defer the indexes for
    const split = splitCreateTable(transformDdl(ctx, text, 'table'), opts.deferIndexes && !opts.restore.noData);
    if (noSchema && tableState(t.name, tb, t).state === 'absent') await recordIdentity(ctx, t, tb.name);
    else if (text.trim() !== '' && tableState(t.name, tb, t).state === 'absent') {
      const object = { database: t.name, table: tb.name };
      await retryTransient(ctx, `creating table ${qualified(t.name, tb.name)}`, object, async (attempt) => {
        if (attempt > 1) sessions.drop();
        const s = await sessions.in(t.name);
        await s.exec(ifNotExists(split.create), [], object);
        if (rewritesKeys(ctx)) await refuseShortenedCreate(s, { target: qualified(t.name, tb.name), object }, split.create);
      });
      await recordIdentity(ctx, t, tb.name);
    }
    work.push({ db: t, table: tb, split, started: Date.now(), remaining: 0, rows: 0, bytes: 0, transactional: true, engine: null, todo: [] });
  }
  return work;
}
