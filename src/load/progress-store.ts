import { TsError } from '../core/errors.js';
import { plainLiteral } from '../core/ident.js';
import type { Session } from '../db/session.js';
import { PROGRESS_DB } from '../format/naming.js';

/**
 * The resume state of a load, recorded on the target (see sql-progress-store.ts for the tables):
 * a run record per target database, one record per committed sub-chunk written IN THE SAME
 * TRANSACTION as its rows, and the DDL steps done (each idempotent, recorded after it succeeds).
 * What the records mean for each table and chunk is decided by resume-state.ts, a pure function.
 *
 * Implementations: SqlProgressStore (the target server), MemoryProgressStore (unit tests) and
 * ReadOnlyProgressStore (dry runs: reads what a real run would find, refuses every write).
 */
export { PROGRESS_DB };

export interface RunRecord {
  readonly targetDb: string;
  readonly dumpId: string;
  readonly sourceDb: string;
  readonly rowsPerTransaction: number;
  readonly bytesPerTransaction: number;
  /**
   * The options that change what the load produces (result-options.ts), as the first run had them;
   * null for a run recorded by an older tsload.
   */
  readonly options?: Readonly<Record<string, string>> | null;
  /** Set once the load finished: the record is then only a memo that this dump is loaded. */
  readonly completedAt?: string | null;
}

export interface ChunkProgress {
  /** Highest committed sub-chunk (sub-chunks of a chunk commit in order). */
  readonly maxSub: number;
  /** The sub-chunk that ended the file is committed: the whole chunk is in. */
  readonly complete: boolean;
  readonly rows: number;
  /** Where sub-chunk maxSub ends in the chunk file, when every committed sub-chunk recorded it (uncompressed chunks). */
  readonly endOffset?: number | null;
}

/** One committed sub-chunk, recorded in its own data transaction. */
export interface SubChunkRecord {
  readonly dumpId: string;
  readonly targetDb: string;
  readonly table: string;
  readonly chunk: number;
  readonly sub: number;
  readonly rows: number;
  /** The sub-chunk that ends its chunk file. */
  readonly last: boolean;
  /** Byte offset in the chunk file just past the sub-chunk (uncompressed chunks; null otherwise): where a resume may start reading. */
  readonly endOffset?: number | null;
}

export function chunkKey(db: string, table: string, chunk: number): string {
  return `${db}\u0000${table}\u0000${chunk}`;
}

export interface ProgressStore {
  /** Whether anything is recorded on the target at all (a read-only probe). */
  exists(): Promise<boolean>;
  /** Creates the record tables; before the first write. */
  ensure(): Promise<void>;
  run(targetDb: string): Promise<RunRecord | null>;
  insertRun(r: RunRecord): Promise<void>;
  steps(targetDb: string): Promise<Map<string, string>>;
  chunkProgress(targetDb: string): Promise<Map<string, ChunkProgress>>;
  recordStep(targetDb: string, step: string, info?: string): Promise<void>;
  /**
   * Records a step on `session`, inside the transaction it holds: a post-data statement that changes
   * rows and its record commit together (import-row-change.ts).
   */
  recordStepOn(session: Session, targetDb: string, step: string, info?: string): Promise<void>;
  /** Forgets a chunk's sub-chunks (all chunks of the table with `chunk` null): they are loaded again. */
  forgetChunk(targetDb: string, table: string, chunk: number | null): Promise<void>;
  /**
   * Records a committed sub-chunk on `session`, inside the transaction that holds its rows. False
   * when it is recorded already (an earlier attempt committed after all): the caller rolls back.
   */
  recordSubChunk(session: Session, rec: SubChunkRecord): Promise<boolean>;
  /** Whether a sub-chunk is recorded (asked on a fresh connection after one was lost mid-COMMIT). */
  isCommitted(session: Session, rec: Pick<SubChunkRecord, 'targetDb' | 'table' | 'chunk' | 'sub'>): Promise<boolean>;
  /**
   * Ends finished loads: only a memo per database stays (which dump and which part of it — the run's
   * options — when, the tables' identities, and which tables were kept as they were found).
   */
  finish(targetDbs: readonly string[]): Promise<void>;
  /** Forgets everything recorded for a target database. */
  forget(targetDb: string): Promise<void>;
}

/** The statement that forgets a load into `targetDb` (its run record: the next load there is a fresh one), for a suggestion. */
export function forgetRunSql(targetDb: string): string {
  // a statement to copy and run: the name as a literal safe in any sql_mode (a backslash in a
  // quoted one would end it early, and the rest of the name would run as SQL)
  return `DELETE FROM ${PROGRESS_DB}.runs WHERE target_db = ${plainLiteral(targetDb)};`;
}

/**
 * The suggestion for a non-transactional table that held rows before the load and holds rows of an
 * unfinished chunk now: a rerun resumes the load (and keeps the table as it found it), so the load
 * must be forgotten before --drop-table truncate can replace the table's rows.
 */
export function mergedTableSuggestion(targetDb: string): string {
  return `the load cannot go on into it: to replace its rows with the dump's, forget the interrupted load (${forgetRunSql(targetDb)}) and load again with --drop-table truncate (a rerun as it is resumes, and keeps the table as it found it); to keep its own rows, restore the table as it was before the load, forget the load the same way and load again (a transactional engine, InnoDB, resumes such a table by itself)`;
}

export function targetChanged(message: string, object: { database: string; table?: string }, suggestion?: string): TsError {
  return new TsError({
    code: 'target-changed',
    message,
    object,
    suggestion: suggestion ?? `the target changed since the interrupted load; drop the target database and the ${PROGRESS_DB} rows for it (or the whole ${PROGRESS_DB} database) and load again`,
  });
}
