/**
 * Script import, step 9: the object phase — views, routines, triggers and events with the SET and
 * USE statements around them, in file order on one session, so each object is created in the
 * sql_mode and character set the script gives it (as `mariadb < file` would). After the data:
 * triggers must not fire on restored rows. The ALTER TABLEs phpMyAdmin writes after all the data
 * (keys, AUTO_INCREMENT, foreign keys) run here too, in file order, in the file's sql_mode (its
 * NO_AUTO_VALUE_ON_ZERO keeps a 0 key when the column becomes AUTO_INCREMENT).
 *
 * Each statement other than SET / USE is recorded once it succeeded — one that changes rows in the
 * same transaction (import-row-change.ts); a resume replays every SET and
 * USE (the session state) and skips what is recorded. The one object that may have been created
 * just before the interruption, unrecorded, is dropped first — the fresh load checked that the
 * target had none of the objects the script creates, so it is this load's.
 */
import { TsError, errnoOf } from '../core/errors.js';
import { isTransient } from '../db/server-errors.js';
import type { Session } from '../db/session.js';
import type { ScriptText } from '../format/script-plan.js';
import { commentForSqlMode, convertUtf8mb4, renameDatabases, stripDefiner } from './ddl.js';
import { withEventStatus } from './event-status.js';
import { IMPORT_STEP, interrupted, openImportSession, wireIdent, wireQualified, type ImportContext, type ImportTarget } from './import-context.js';
import { statementError } from './import-errors.js';
import { targetOf, wireRenames } from './import-schema.js';
import { tableIdentity } from './resume-check.js';
import { ROW_CHANGE_STARTED, changesRows, runRowChange } from './import-row-change.js';
import { killOnAbort } from './session-guard.js';

/** Statements about the server rather than the data: not the restore's to run. */
const SERVER_STATE = /\b(SQL_LOG_BIN|GTID_PURGED|GTID_SLAVE_POS|GTID_EXECUTED)\b/i;
/**
 * Replication commands (mysqldump --master-data=1 / --dump-slave, MariaDB's --gtid): they would
 * change the target's replication, which is the user's to decide (tsload --start-replication does
 * it for our own dumps, checking the target first).
 */
const REPLICATION = /^\s*(?:\/\*!\d*\s*)?(?:CHANGE\s+(?:MASTER|REPLICATION\s+SOURCE)\b|(?:START|STOP|RESET)\s+(?:ALL\s+)?(?:SLAVES?|REPLICAS?|MASTER)\b|RESET\s+BINARY\s+LOGS\b)/i;

export function isServerState(text: string): boolean {
  return SERVER_STATE.test(text) || REPLICATION.test(text);
}

/** Whether a session that ran only the file's header checks foreign keys (the server's default, ON, unless the header sets it). */
export function checksForeignKeys(header: readonly string[]): boolean {
  const values = header.flatMap((h) => [...h.matchAll(/\bFOREIGN_KEY_CHECKS\s*:?=\s*'?(0|1|ON|OFF|TRUE|FALSE|DEFAULT)\b/gi)].map((m) => m[1]!.toUpperCase()));
  const last = values.at(-1) ?? '1';
  return last === '1' || last === 'ON' || last === 'TRUE' || last === 'DEFAULT';
}

/**
 * An ALTER TABLE of the file (phpMyAdmin's keys, AUTO_INCREMENT, foreign keys) cannot be undone to
 * run again, nor run twice (`Multiple primary key defined`), so its step is recorded as started
 * before it runs and as failed when the server refuses it. A resumed run that finds it started (the
 * load was killed while it ran: the server may have finished it, an ALTER is all or nothing) takes
 * the refusals that say its keys or constraints are there already for its having run; one the
 * server refused before stays refused.
 */
const ALTER_STARTED = 'alter:started';
const ALTER_FAILED = 'alter:failed';

/** 1060 duplicate column, 1061 duplicate key name, 1068 multiple primary key, 1826 duplicate foreign key name, 1005 errno 121 (a duplicate constraint name). */
function alreadyThere(e: unknown): boolean {
  const errno = errnoOf(e);
  return errno === 1060 || errno === 1061 || errno === 1068 || errno === 1826 || (errno === 1005 && /errno: 121\b/.test((e as Error)?.message ?? ''));
}

/** `t`: the target the statement runs in; `of`: the one its table is in (another, for a qualified `db`.`t`). */
/**
 * A key, foreign key or check constraint added without a name (`ADD KEY (a)`, `ADD FOREIGN KEY (a)
 * REFERENCES …`): run again after it took effect, the server names a second one (a_2, t_ibfk_2)
 * instead of refusing it, so a started one cannot be told done or not by running it.
 */
const UNNAMED_ADD = /\bADD\s+(?:(?:CONSTRAINT\s+)?UNIQUE(?:\s+(?:KEY|INDEX))?|(?:FULLTEXT|SPATIAL)(?:\s+(?:KEY|INDEX))?|KEY|INDEX)\s*\(|\bADD\s+(?:CONSTRAINT\s+)?(?:FOREIGN\s+KEY|CHECK)\b/i;

async function runAlter(ctx: ImportContext, s: Session, t: ImportTarget, of: ImportTarget, o: ScriptText, table: string, sql: string, state: string | undefined): Promise<void> {
  const step = IMPORT_STEP.statement(o.file, o.offset);
  const at = { file: ctx.files[o.file]!.display, line: o.line, offset: o.offset, database: t.name };
  if (state === ALTER_STARTED && UNNAMED_ADD.test(sql)) {
    throw new TsError({
      code: 'target-changed',
      message: `${at.file} line ${o.line}: the interrupted load was running its ALTER TABLE of ${of.name}.${table} when it stopped, and the ALTER adds a key or constraint without a name: whether it took effect cannot be told (run again, it would add a second one)`,
      object: { database: of.name, table, file: at.file },
      suggestion: `drop the database ${t.name} and run the same tsload command again to load it from the start`,
    });
  }
  await ctx.progress.recordStep(t.name, step, ALTER_STARTED);
  // the ALTER rebuilds the table (a new table id): a resume must not take it for one dropped and recreated
  await ctx.progress.recordStep(of.name, IMPORT_STEP.table(table), 'pending');
  try {
    await s.exec(sql, [], { database: t.name });
  } catch (e) {
    if (!(state === ALTER_STARTED && alreadyThere(e))) {
      // refused by the server (not cut off from it): it did not take effect, and a rerun must not take it for done
      if (errnoOf(e) !== undefined && !isTransient(e)) await ctx.progress.recordStep(t.name, step, ALTER_FAILED).catch(() => undefined);
      throw statementError(e, at, sql);
    }
    ctx.reporter.emit({ kind: 'info', message: `line ${o.line}: the ALTER TABLE the interrupted load ran had taken effect (${(e as Error).message}): recorded as done (database ${t.name})` });
  }
  await ctx.progress.recordStep(of.name, IMPORT_STEP.table(table), (await tableIdentity(ctx, of.name, table)) ?? '');
}

/**
 * The target an ALTER DATABASE of the file is about: mysqldump writes it, naming the source
 * database even in a one-database dump, to create routines under their own database collation
 * (and writes a second one to set it back). Run as written it would alter the source database of a
 * copy on the same server.
 */
function alteredTarget(ctx: ImportContext, o: ScriptText, database: string | null): ImportTarget | undefined {
  if (database === null || database === o.database || (o.database === null && database === ctx.plan.commentDatabase)) return targetOf(ctx, o.database);
  return targetOf(ctx, database);
}

/** The ALTER DATABASE on the target's name (`named`: the statement names a database, else the name is put in). */
function alterDatabaseText(sql: string, target: string, named: boolean, charset: string): string {
  if (!named) return sql.replace(/(\bALTER\s+(?:DATABASE|SCHEMA)\s+)/i, (_, verb: string) => `${verb}${wireIdent(target, charset)} `);
  return sql.replace(/(\bALTER\s+(?:DATABASE|SCHEMA)\s+)(?:`(?:[^`]|``)+`|"(?:[^"]|"")+"|[A-Za-z0-9_$\x80-\xff]+)/i, (_, verb: string) => `${verb}${wireIdent(target, charset)}`);
}

function rewrite(ctx: ImportContext, o: ScriptText): string {
  let sql = renameDatabases(o.text, wireRenames(ctx, o.client));
  // mysqldump prints a routine's or event's COMMENT with backslash escapes even when it runs it
  // under NO_BACKSLASH_ESCAPES (`mariadb < file` then doubles every backslash): written back right
  if (o.noBackslashEscapes && o.what.kind === 'object' && !o.what.drop && o.what.object !== 'view' && o.what.object !== 'trigger') sql = commentForSqlMode(sql, 'NO_BACKSLASH_ESCAPES');
  if (ctx.opts.skipDefiner) sql = stripDefiner(sql);
  if (ctx.opts.convertUtf8mb4) sql = convertUtf8mb4(sql);
  // a restore drill's copy (restore-test.ts) runs none of its events
  const off = ctx.opts.restore.eventsDisabled;
  if (off && o.what.kind === 'object' && !o.what.drop && o.what.object === 'event') sql = withEventStatus(sql, off === 'replica' ? ctx.flavor.eventDisabledOnReplica : 'DISABLE');
  return sql;
}

export async function runObjectScript(ctx: ImportContext, loadedTables: ReadonlySet<string>): Promise<void> {
  const active = new Set(ctx.targets.filter((t) => !t.done));
  const items = ctx.plan.objects.filter((o) => {
    const t = targetOf(ctx, o.database);
    return t !== undefined && active.has(t);
  });
  if (items.every((o) => o.what.kind === 'set' || o.what.kind === 'use')) return;
  const started = Date.now();
  ctx.reporter.emit({ kind: 'phase-start', phase: 'post-data', total: { tables: 0, chunks: items.length, rows: 0, bytes: 0 } });
  const s = await openImportSession(ctx, 'objects');
  const unguard = killOnAbort(ctx, s);
  let current: ImportTarget | undefined;
  try {
    // the rows are in: a foreign key the file adds here (phpMyAdmin's ALTER TABLE … ADD CONSTRAINT)
    // is checked against them as `mariadb < file` checks it, unless the file's header turned that off
    if (checksForeignKeys(ctx.header)) await s.exec('SET SESSION foreign_key_checks = 1');
    for (const o of items) {
      if (ctx.signal?.aborted) throw interrupted();
      const t = targetOf(ctx, o.database)!;
      const file = ctx.files[o.file]!.display;
      if (current !== t) {
        await s.exec(`USE ${wireIdent(t.name, o.client)}`);
        current = t;
      }
      const what = o.what;
      if (what.kind === 'use') continue;
      if (what.kind === 'set') {
        if (isServerState(o.text)) continue;
        await s.exec(ctx.opts.convertUtf8mb4 ? convertUtf8mb4(o.text) : o.text).catch((e: unknown) => Promise.reject(statementError(e, { file, line: o.line, offset: o.offset, database: t.name }, o.text)));
        continue;
      }
      const step = IMPORT_STEP.statement(o.file, o.offset);
      const state = t.steps.get(step);
      if (state !== undefined && state !== ALTER_STARTED && state !== ALTER_FAILED && state !== ROW_CHANGE_STARTED) continue;
      if (what.kind === 'object' && what.object === 'trigger' && what.on !== null && !loadedTables.has(`${t.name}\u0000${what.on}`)) {
        ctx.reporter.emit({ kind: 'warning', message: `trigger ${what.name} at line ${o.line} is not created: its table ${what.on} was not loaded`, database: t.name });
        continue;
      }
      // a qualified ALTER TABLE (another database's table, rv_s1.t while in rv_s2) is of its own database's target
      const altered = what.kind === 'alter-table' ? (what.database === null ? t : (alteredTarget(ctx, o, what.database) ?? null)) : undefined;
      if (what.kind === 'alter-table' && !(altered && loadedTables.has(`${altered.name}\u0000${what.table}`))) {
        ctx.reporter.emit({ kind: 'warning', message: `the ALTER TABLE at line ${o.line} is not run: its table ${what.database ? `${what.database}.` : ''}${what.table} was not loaded`, database: t.name });
        continue;
      }
      if (what.kind === 'other' && isServerState(o.text)) {
        const shown = o.text.length > 300 ? `${o.text.slice(0, 300)}…` : o.text;
        ctx.reporter.emit({ kind: 'info', message: `line ${o.line}: a statement about the server's replication state is not run (run it on the target yourself if you want it): ${shown}` });
        continue;
      }
      if (what.kind === 'alter-database' && alteredTarget(ctx, o, what.database) !== t) {
        ctx.reporter.emit({ kind: 'warning', message: `line ${o.line}: ALTER DATABASE ${what.database ?? ''} is not run: the database is not one this load writes`, database: t.name });
        continue;
      }
      const sql = what.kind === 'alter-database' ? alterDatabaseText(rewrite(ctx, o), t.name, what.database !== null, o.client) : rewrite(ctx, o);
      if (t.resumed && what.kind === 'object' && !what.drop) await s.exec(`DROP ${what.object.toUpperCase()} IF EXISTS ${wireQualified(t.name, what.name, o.client)}`);
      if (what.kind === 'alter-table') await runAlter(ctx, s, t, altered!, o, what.table, sql, state);
      else if (changesRows(o)) {
        // recorded in its own transaction, with the statement
        await runRowChange(ctx, s, t, o, sql, state);
        t.steps.set(step, '');
        continue;
      } else {
        try {
          await s.exec(sql, [], { database: t.name });
        } catch (e) {
          throw statementError(e, { file, line: o.line, offset: o.offset, database: t.name }, sql);
        }
      }
      await ctx.progress.recordStep(t.name, step);
      t.steps.set(step, '');
    }
  } catch (e) {
    throw e instanceof TsError ? e : statementError(e, { file: ctx.files[0]!.display, line: 0, offset: 0 }, '');
  } finally {
    unguard();
    await s.close();
  }
  ctx.reporter.emit({ kind: 'phase-done', phase: 'post-data', seconds: (Date.now() - started) / 1000 });
}
