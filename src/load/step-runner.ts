import { createHash } from 'node:crypto';
import { qualified, quoteIdent } from '../core/ident.js';
import type { Session } from '../db/session.js';
import type { ObjectEntry } from '../format/manifest.js';
import { convertUtf8mb4, convertUtf8mb4Table, renameDatabases, rewriteEngine, stripDefiner } from './ddl.js';
import { openObjectSession, type LoadContext, type TargetDb } from './load-context.js';
import { onGuardedSession } from './session-guard.js';

/** The load-time rewrites of a definition: database renames, DEFINER, utf8mb4, engine. */
export function transformDdl(ctx: LoadContext, sql: string, kind: 'table' | 'object'): string {
  let out = renameDatabases(sql, ctx.renames);
  if (ctx.opts.skipDefiner && kind === 'object') out = stripDefiner(out);
  if (ctx.opts.convertUtf8mb4) out = kind === 'table' ? convertUtf8mb4Table(out) : convertUtf8mb4(out);
  if (ctx.opts.engine && kind === 'table') out = rewriteEngine(out, ctx.opts.engine);
  return out;
}

/**
 * Runs a DDL step once: skipped when recorded, recorded after it succeeds (DDL cannot be
 * transactional). With `info` (what the step creates, e.g. a fingerprint of the statement), a step
 * recorded with other info is run again: an object a failed run created under other options
 * (--skip-definer) is created again as this run's options say. Such steps must replace what they
 * find (CREATE OR REPLACE, DROP … IF EXISTS first).
 */
export async function step(ctx: LoadContext, t: TargetDb, name: string, body: () => Promise<void>, info = ''): Promise<void> {
  if (t.steps.has(name) && t.steps.get(name) === info) return;
  if (t.steps.has(name)) ctx.reporter.emit({ kind: 'info', message: `database ${t.name}: ${name} was created by the interrupted run with other options: creating it again` });
  await body();
  await ctx.progress.recordStep(t.name, name, info);
  t.steps.set(name, info);
}

/** A short fingerprint of a statement, recorded with the step that ran it. */
export function fingerprint(sql: string): string {
  return `sha256:${createHash('sha256').update(sql, 'utf8').digest('hex').slice(0, 32)}`;
}

/**
 * Runs `body` in a session set up as the object was created on the source; after a transient error
 * (a lost connection) again, on a fresh one (session-guard.ts): `body` must be idempotent, as the
 * steps' statements are (CREATE … IF NOT EXISTS, CREATE OR REPLACE, DROP … IF EXISTS first).
 */
export async function withContext(ctx: LoadContext, t: TargetDb, o: ObjectEntry, body: (s: Session) => Promise<void>): Promise<void> {
  await onGuardedSession(ctx, `creating ${o.kind} ${qualified(t.name, o.name)}`, { database: t.name, table: o.name }, () => openObjectSession(ctx, o), async (s) => {
    await s.exec(`USE ${quoteIdent(t.name)}`);
    await body(s);
  });
}
