import { TsError } from '../core/errors.js';
import type { Reporter } from '../core/events.js';
import type { Flavor } from '../db/flavor.js';
import { Session } from '../db/session.js';
import { importSession } from '../db/session-profile.js';
import type { DataBatch } from '../format/script-batch.js';
import type { DdlCharset, PlannedDatabase, PlannedTable, ScriptPlan } from '../format/script-plan.js';
import type { ControlSession } from './control-session.js';
import type { SplitTable } from './ddl.js';
import type { ScriptFile } from './import-source.js';
import type { LoadOptions } from './load-options.js';
import type { ChunkProgress, ProgressStore } from './progress-store.js';

/** One database of the script and where it goes. */
export interface ImportTarget {
  readonly source: PlannedDatabase;
  /** The target database name. */
  readonly name: string;
  resumed: boolean;
  /** This script was loaded into it completely already. */
  done: boolean;
  steps: Map<string, string>;
  progress: Map<string, ChunkProgress>;
}

/** One table's load: its DDL split for deferred indexes and the batches still to load. */
export interface ImportTableWork {
  readonly target: ImportTarget;
  readonly table: PlannedTable;
  readonly split: SplitTable;
  /**
   * Whether its engine rolls back (InnoDB). A batch into a MyISAM or Aria table is not retried in place
   * after a transient error (the failed statement may have left rows): the load fails, and the rerun
   * reloads the table whole.
   */
  readonly transactional: boolean;
  todo: DataBatch[];
  remaining: number;
  rows: number;
  bytes: number;
  started: number;
}

/** What every step of a script import shares; built once per run by import-load.ts. */
export interface ImportContext {
  readonly opts: LoadOptions;
  /** The dump's files (one for a mysqldump file); batches and statements name theirs by number. */
  readonly files: readonly ScriptFile[];
  readonly plan: ScriptPlan;
  /** 'sql-' + the script's sha256: the run record's dump id. */
  readonly dumpId: string;
  readonly reporter: Reporter;
  readonly signal: AbortSignal | undefined;
  /** Reconnects and retries its idempotent statements after a lost connection (control-session.ts). */
  readonly control: ControlSession;
  /** This loader's hold on the target databases (load-lease.ts): a batch commits only while it holds. */
  readonly lease: { confirm(s: Session, targetDb: string): Promise<void> };
  readonly progress: ProgressStore;
  readonly flavor: Flavor;
  readonly maxPacket: number;
  /** The header SET statements every session runs (the ones that are the load's to decide left out). */
  readonly header: readonly string[];
  /** The character_set_client the header leaves (ScriptPlan.charset): the load's own statements are written in it. */
  readonly charset: string;
  readonly targets: ImportTarget[];
  /** Source database (null: the file's only, unnamed one) → target database name. */
  readonly renames: ReadonlyMap<string | null, string>;
}

/** Client character sets a name is written in as UTF-8 (a binary client's names are read as UTF-8). */
const AS_UTF8 = new Set(['utf8mb4', 'utf8mb3', 'binary']);

/**
 * A name as the script's bytes are sent (one latin1 char per byte), in `charset`, the
 * character_set_client of the session it goes to: a name tsload writes into a statement (a target
 * database, a table it alters) is read by the server in that character set, as the file's text is.
 * A name the character set cannot hold is refused (the server would read another name): latin1
 * holds U+00A0–U+00FF besides ASCII (its 0x80–0x9F are cp1252's, not Unicode's), other
 * character sets are taken for ASCII only.
 */
export function wire(name: string, charset: string): string {
  const out = encodeName(name, charset);
  if (out === null) throw new TsError({ code: 'usage', message: `the name ${name} cannot be written in the file's character set ${charset} (its SET NAMES), which the load's statements naming it are read in`, suggestion: 'load into a name of ASCII characters (-B / --rename), or convert the file to utf8mb4 first' });
  return out;
}

/** wire()'s encoding, null for a name `charset` cannot hold. */
export function encodeName(name: string, charset: string): string | null {
  if (AS_UTF8.has(charset)) return Buffer.from(name, 'utf8').toString('latin1');
  const top = charset === 'latin1' ? 0xff : 0x7f;
  for (const ch of name) {
    const c = ch.codePointAt(0)!;
    if (c > top || (c >= 0x80 && c < 0xa0)) return null;
  }
  return name;
}

/** A quoted identifier in wire form. */
export function wireIdent(name: string, charset: string): string {
  return '`' + wire(name, charset).replace(/`/g, '``') + '`';
}

export function wireQualified(db: string, name: string, charset: string): string {
  return `${wireIdent(db, charset)}.${wireIdent(name, charset)}`;
}

/** The character_set_client a table's CREATE and deferred ALTERs run under. */
export function ddlClient(ctx: ImportContext, t: PlannedTable): string {
  return t.ddlCharset?.charset ?? ctx.charset;
}

/**
 * Runs `body` under a table's DDL character set (PlannedTable.ddlCharset: its CREATE and its
 * deferred ALTERs, whose clauses are the CREATE's text), then puts the session's character sets back.
 */
export async function inDdlCharset<T>(s: Session, charset: DdlCharset | undefined, body: () => Promise<T>): Promise<T> {
  if (charset === undefined) return body();
  await s.exec('SET @tsload_cs_client = @@character_set_client, @tsload_coll_conn = @@collation_connection, @tsload_cs_results = @@character_set_results');
  await s.exec(charset.kind === 'names' ? `SET NAMES ${charset.charset}` : `SET character_set_client = ${charset.charset}`);
  // a failed body fails the step (and the session with it): only a success goes on on this session
  const out = await body();
  await s.exec('SET character_set_client = @tsload_cs_client, collation_connection = @tsload_coll_conn, character_set_results = @tsload_cs_results');
  return out;
}

export function openImportSession(ctx: ImportContext, label: string): Promise<Session> {
  return Session.open(ctx.opts.connection, importSession({ label, sqlMode: ctx.opts.sqlMode, header: ctx.header, skipBinlog: ctx.opts.skipBinlog }));
}

/**
 * The end of a batch's transaction (INSERTs or a LOAD DATA chunk): its progress row, then COMMIT —
 * only while this loader still holds the target (load-lease.ts confirm). Returns the rows, or 0 after
 * a ROLLBACK when an earlier attempt had committed the batch after all (the row was there).
 * `committing` is set just before COMMIT: the caller must not ROLLBACK a COMMIT that failed.
 */
export async function commitImportBatch(ctx: ImportContext, s: Session, w: ImportTableWork, batch: DataBatch, rows: number, state: { committing: boolean }): Promise<number> {
  const db = w.target.name;
  const recorded = await ctx.progress.recordSubChunk(s, { dumpId: ctx.dumpId, targetDb: db, table: w.table.name, chunk: batch.index, sub: 0, rows, last: true, endOffset: batch.end });
  if (!recorded) {
    await s.exec('ROLLBACK');
    return 0;
  }
  await ctx.lease.confirm(s, db);
  state.committing = true;
  await s.exec('COMMIT');
  return rows;
}

export function interrupted(): TsError {
  return new TsError({ code: 'interrupted', message: 'interrupted; rerun the same command to resume' });
}

/** Steps recorded for a script import (next to resume-state.ts's STEP for our own dumps). */
export const IMPORT_STEP = {
  database: 'database',
  table: (t: string): string => `table:${t}`,
  indexes: (t: string): string => `indexes:${t}`,
  foreignKeys: (t: string): string => `fks:${t}`,
  state: (t: string): string => `sequence-state:${t}`,
  /** --no-schema: the table was there; 'rows' when it held rows before the load, else 'empty'. */
  kept: (t: string): string => `kept:${t}`,
  statement: (file: number, offset: number): string => `statement:${file}:${offset}`,
} as const;
