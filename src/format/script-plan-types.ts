/**
 * What the script planner (script-plan.ts) makes of a SQL script: the plan the import follows —
 * per database and table the DDL and the INSERT batches, the object phase, and what the file says
 * of its own completeness.
 */
import type { DataBatch } from './script-batch.js';
import type { OrderProblem } from './script-order.js';
import type { EmptiedTable } from './script-skips.js';
import type { Classified } from './sql-classify.js';
import type { StateChange } from './session-state-tracker.js';

/** A statement kept as text: latin1, one char per byte of the file (sent as is by a binary session). */
export interface ScriptText {
  readonly text: string;
  readonly offset: number;
  readonly line: number;
  readonly what: Classified;
  /** The database the script was in (USE) when it came; null before any USE. */
  readonly database: string | null;
  /** The script's sql_mode had NO_BACKSLASH_ESCAPES when it came. */
  readonly noBackslashEscapes: boolean;
  /** Which file of the dump it is in (PlannerOptions.file; 0 for a one-file dump). */
  readonly file: number;
  /** The character_set_client it runs under, the file's SETs followed as `mariadb < file` follows them. */
  readonly client: string;
}

export interface DdlCharset {
  readonly kind: 'client' | 'names';
  readonly charset: string;
}

export interface PlannedTable {
  readonly name: string;
  readonly kind: 'table' | 'sequence';
  readonly ddl: ScriptText;
  /**
   * The character set the CREATE TABLE runs under, when it is not the header's (every session's):
   * 'client' — the file sets character_set_client around it (mysqldump's `SET character_set_client
   * = utf8mb4` before each CREATE TABLE, under a header's `SET NAMES latin1`), as `mariadb < file`
   * runs it; 'names' — SET NAMES: mydumper's -schema.sql files hold SHOW CREATE TABLE's UTF-8 text
   * under SET NAMES binary. The table's deferred ALTERs run under it too (their clauses are its text).
   */
  readonly ddlCharset?: DdlCharset;
  /** Statements that set the table's state after it is created (a sequence's SETVAL). */
  readonly state: ScriptText[];
  readonly batches: DataBatch[];
  rows: number;
  /** Bytes of its INSERT statements. */
  bytes: number;
  complete: boolean;
  /** Some of its INSERTs leave the AUTO_INCREMENT ids to the server: its batches load in file order (script-order.ts). */
  serverIds?: boolean;
  /**
   * The first of its INSERTs naming a database where the load cannot write another name (behind a
   * comment, in "…" under ANSI_QUOTES, inside a conditional comment: insertQualifier): loaded only
   * into a target of that name.
   */
  opaqueQualifier?: { readonly database: string; readonly line: number };
  /**
   * Some of its INSERTs end in ON DUPLICATE KEY UPDATE: a row of the file may update one before it
   * instead of adding one (it holds at most `rows`), and what it holds depends on the order of its
   * rows: its batches load in file order.
   */
  updatesOnDuplicate?: boolean;
}

export interface PlannedDatabase {
  /** Null for a one-database file without CREATE DATABASE / USE. */
  readonly name: string | null;
  create: ScriptText | null;
  readonly tables: PlannedTable[];
}

/** A DELETE … WHERE of the file (ScriptPlan.deletesAfterRows). */
export interface RowsDeleted {
  readonly database: string | null;
  readonly table: string | null;
  readonly line: number;
  /** DELETE … FOR PORTION OF: a row whose period outlasts the portion on both sides becomes two. */
  readonly mayAddRows: boolean;
}

export interface ScriptPlan {
  /** SET statements before the first other statement: every session of the load runs them first. */
  readonly header: readonly ScriptText[];
  /** The character_set_client once the header ran: what the load's own statements are written in. */
  readonly charset: string;
  readonly databases: readonly PlannedDatabase[];
  /** The object phase in file order: views, routines, triggers, events, and the SET / USE / other statements between. */
  readonly objects: readonly ScriptText[];
  readonly bytes: number;
  readonly statements: number;
  readonly sha256: string;
  readonly complete: boolean;
  /** Why the script is not complete (null when it is). */
  readonly problem: string | null;
  /** The last complete table before the cut, when the script is not complete. */
  readonly lastComplete: { readonly database: string | null; readonly table: string } | null;
  /** Things read but left out (system databases …), for the user. */
  readonly notes: readonly string[];
  /**
   * The database a one-database file was dumped from, as its header comment names it
   * (`-- Host: … Database: shop`): its statements still name it (`shop`.`t` in triggers, views).
   */
  readonly commentDatabase: string | null;
  /** Tables the script inserts into but does not create (a --no-create-info dump): not loaded. */
  readonly orphans: readonly { readonly table: string; readonly line: number }[];
  /**
   * When the file ends cleanly after a whole statement and only the footer is missing (a dump made
   * with --skip-comments / --compact, or one cut exactly between statements): the last table, which
   * nothing closed — complete or not, the file cannot tell.
   */
  readonly unclosed: PlannedTable | null;
  /**
   * The first INSERT read under another character set, time zone or sql_mode than the header's
   * (two dumps concatenated into one file, a SET NAMES between tables): every session of the load
   * runs the header, so such rows would be read otherwise than `mariadb < file` reads them.
   */
  readonly stateChange: StateChange | null;
  /**
   * The first DELETE FROM / TRUNCATE of a table after some of its rows: the load, which sends a
   * table's rows in parallel and its other statements after them, cannot run it where it stands.
   * One before the table's rows (HeidiSQL's `DELETE FROM t;`) is not run: the table is new, or
   * --drop-table decided what it holds.
   */
  readonly emptiedAfterRows: EmptiedTable | null;
  /**
   * DELETE … WHERE statements, run after the data (the object phase): the tables whose rows they
   * delete end with fewer rows than the file's INSERTs hold (`table` null: a multi-table DELETE, any
   * table of `database`).
   */
  readonly deletesAfterRows: readonly RowsDeleted[];
  /** The first shape the parallel load cannot reproduce in file order (script-order.ts): refused, --force or not. */
  readonly outOfOrder: OrderProblem | null;
}

export interface PlanLimits {
  /** INSERT statements per transaction. */
  readonly statements: number;
  readonly bytes: number;
}

export interface PlannerOptions {
  readonly limits: PlanLimits;
  /** Require the end of a whole export (mysqldump's `-- Dump completed` …: script-ending.ts) for the script to count as complete. */
  readonly footer: boolean;
  /** The database of a script without USE (mydumper files). */
  readonly database?: string | null;
  /** The number of this file among the dump's files, recorded in what it plans. */
  readonly file?: number;
  /**
   * The statement delimiter the script starts with (default ';'). mydumper's object files are
   * split as myloader splits them, at a ';' that ends a line (';\n'): a routine body's inner ';'
   * comes without DELIMITER lines.
   */
  readonly delimiter?: string;
  /** --sql-mode: the load sessions' sql_mode before the script's SETs (null / absent: the server's). */
  readonly sqlMode?: string | null;
}
