import { quoteIdent } from '../core/ident.js';
import type { Session } from '../db/session.js';
import type { ObjectEntry } from '../format/manifest.js';
import { convertUtf8mb4, renameDatabases, rewriteEngine, stripDefiner } from './ddl.js';
import { openObjectSession, type LoadContext, type TargetDb } from './load-context.js';

/** The load-time rewrites of a definition: database renames, DEFINER, utf8mb4, engine. */
export function transformDdl(ctx: LoadContext, sql: string, kind: 'table' | 'object'): string {
  let out = renameDatabases(sql, ctx.renames);
  if (ctx.opts.skipDefiner && kind === 'object') out = stripDefiner(out);
  if (ctx.opts.convertUtf8mb4) out = convertUtf8mb4(out);
  if (ctx.opts.engine && kind === 'table') out = rewriteEngine(out, ctx.opts.engine);
  return out;
}

/** Runs a DDL step once: skipped when recorded, recorded after it succeeds (DDL cannot be transactional). */
export async function step(ctx: LoadContext, t: TargetDb, name: string, body: () => Promise<void>): Promise<void> {
  if (t.steps.has(name)) return;
  await body();
  await ctx.progress.recordStep(t.name, name);
  t.steps.set(name, '');
}

/** Runs `body` in a session set up as the object was created on the source. */
export async function withContext(ctx: LoadContext, t: TargetDb, o: ObjectEntry, body: (s: Session) => Promise<void>): Promise<void> {
  const s = await openObjectSession(ctx, o);
  try {
    await s.exec(`USE ${quoteIdent(t.name)}`);
    await body(s);
  } finally {
    await s.close();
  }
}
