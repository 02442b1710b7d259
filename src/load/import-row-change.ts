/**
 * A row-changing statement of a script's post-data phase (an UPDATE or DELETE after the data — the
 * planner's 'other'; its INSERTs are data batches already): run once, however often the load is
 * interrupted.
 *
 * Row-changing: a statement whose head is UPDATE, DELETE, INSERT, REPLACE (an INSERT the planner
 * did not take as data) or WITH (MySQL 8's WITH … UPDATE / DELETE). Not a CALL: a procedure may
 * commit, run DDL or set what a transaction refuses (SET TRANSACTION ISOLATION LEVEL, sql_log_bin),
 * so it runs as before, its step recorded after it; nor SELECT or DO with a function that writes,
 * EXECUTE, or a compound BEGIN NOT ATOMIC … END block.
 *
 * Protocol (as a data batch, commitImportBatch): 1. the step is recorded as started, on the
 * control session; 2. START TRANSACTION, the statement, the step recorded done on the same
 * session, COMMIT — the statement and its record commit together, or neither does (InnoDB). A
 * rerun skips it when done and runs it again when only started.
 *
 * A table of an engine without transactions (MyISAM, Aria) keeps what the statement did when the
 * load stops before COMMIT: exactly once cannot be had. The rerun runs the statement again (most
 * such statements — `SET a = 5`, `DELETE … WHERE` — mean the same run twice; skipped, one cut off
 * before it ran would be lost) and warns, naming the table and the line.
 */
import { TsError } from '../core/errors.js';
import { escapeRe } from '../db/privileges.js';
import type { Session } from '../db/session.js';
import type { ScriptText } from '../format/script-plan.js';
import { normalizeHead } from '../format/sql-classify.js';
import { HEAD_BYTES } from '../format/sql-statement.js';
import { withoutComments } from '../format/sql-text.js';
import { IMPORT_STEP, encodeName, type ImportContext, type ImportTarget } from './import-context.js';
import { statementError } from './import-errors.js';

/** The step's state while the statement's transaction is open (or was, when the load stopped). */
export const ROW_CHANGE_STARTED = 'dml:started';

const ROW_CHANGING = /^(?:UPDATE|DELETE|INSERT|REPLACE|WITH)\b/i;

export function changesRows(o: ScriptText): boolean {
  return o.what.kind === 'other' && ROW_CHANGING.test(normalizeHead(withoutComments(o.text.slice(0, HEAD_BYTES))));
}

/** `state`: the step as the run found it recorded (undefined: not at all). */
export async function runRowChange(ctx: ImportContext, s: Session, t: ImportTarget, o: ScriptText, sql: string, state: string | undefined): Promise<void> {
  const step = IMPORT_STEP.statement(o.file, o.offset);
  const at = { file: ctx.files[o.file]!.display, line: o.line, offset: o.offset, database: t.name };
  if (state === ROW_CHANGE_STARTED) await warnIfKept(ctx, o, sql);
  else await ctx.progress.recordStep(t.name, step, ROW_CHANGE_STARTED);
  let committing = false;
  await s.exec('START TRANSACTION');
  try {
    await s.exec(sql, [], { database: t.name });
    await ctx.progress.recordStepOn(s, t.name, step);
    await ctx.lease.confirm(s, t.name);
    committing = true;
    await s.exec('COMMIT');
  } catch (e) {
    // a COMMIT that failed is not rolled back: whether it took effect is the step's to tell the rerun
    if (!committing) await s.exec('ROLLBACK').catch(() => undefined);
    throw e instanceof TsError ? e : statementError(e, at, sql);
  }
}

/** The interrupted run may have left the statement's changes in a table that does not roll back: said. */
async function warnIfKept(ctx: ImportContext, o: ScriptText, sql: string): Promise<void> {
  const names = ctx.targets.map((t) => t.name);
  const rows = await ctx.control.query<{ db: string; name: string; engine: string }>(
    `SELECT t.TABLE_SCHEMA AS db, t.TABLE_NAME AS name, t.ENGINE AS engine FROM information_schema.TABLES t JOIN information_schema.ENGINES e ON e.ENGINE = t.ENGINE WHERE t.TABLE_TYPE = 'BASE TABLE' AND e.TRANSACTIONS <> 'YES' AND t.TABLE_SCHEMA IN (${names.map(() => '?').join(', ')})`,
    names,
  );
  const named = rows.filter((r) => {
    const name = encodeName(r.name, o.client);
    return name !== null && new RegExp(`(?:^|[^A-Za-z0-9_$\\x80-\\xff])${escapeRe(name)}(?![A-Za-z0-9_$\\x80-\\xff])`, 'i').test(sql);
  });
  if (named.length === 0) return;
  const tables = named.map((r) => `${r.db}.${r.name} (${r.engine})`).join(', ');
  ctx.reporter.emit({ kind: 'warning', message: `line ${o.line}: the interrupted load was running this statement when it stopped, and it changes rows of ${tables}, an engine without transactions, which keeps what the statement did: it may have run already, and runs again now — check the rows it changes against the file` });
}

