import { TsError } from '../core/errors.js';
import type { Reporter } from '../core/events.js';
import type { Flavor } from '../db/flavor.js';
import { Session } from '../db/session.js';
import { importSession } from '../db/session-profile.js';
import type { DataBatch } from '../format/script-batch.js';
import type { PlannedDatabase, PlannedTable, ScriptPlan } from '../format/script-plan.js';
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
  readonly targets: ImportTarget[];
  /** Source database (null: the file's only, unnamed one) → target database name. */
  readonly renames: ReadonlyMap<string | null, string>;
}

/** A name as the script's bytes are sent: its UTF-8 bytes, one latin1 char per byte. */
export function wire(name: string): string {
  return Buffer.from(name, 'utf8').toString('latin1');
}

/** A quoted identifier in wire form. */
export function wireIdent(name: string): string {
  return '`' + wire(name).replace(/`/g, '``') + '`';
}

export function wireQualified(db: string, name: string): string {
  return `${wireIdent(db)}.${wireIdent(name)}`;
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
