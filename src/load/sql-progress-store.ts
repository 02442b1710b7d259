import { errnoOf, type TsError } from '../core/errors.js';
import type { Session } from '../db/session.js';
import { ControlSession, inTransaction, type StatementRunner } from './control-session.js';
import { PROGRESS_DB, chunkKey, type ChunkProgress, type ProgressStore, type RunRecord, type SubChunkRecord } from './progress-store.js';

/**
 * The progress store on the target server, in database `tsload_progress`:
 * - `runs`: one row per target database: the dump loading into it and the sub-chunk limits in use
 *   (sub-chunk numbers are only meaningful with the same limits, so a resume reuses these);
 * - `progress`: one row per committed sub-chunk, inserted IN THE SAME TRANSACTION as its rows, so
 *   a row exists if and only if the sub-chunk's rows are committed (InnoDB targets);
 * - `steps`: DDL steps done (idempotent steps, recorded after they succeed) and table identities.
 * Names are VARBINARY so any identifier bytes compare exactly whatever the session charset.
 */
/** Inserted in the data transaction; parameters: dump id, db, table, chunk, sub, rows, last, end offset. */
const PROGRESS_INSERT = `INSERT INTO ${PROGRESS_DB}.progress (dump_id, target_db, tbl, chunk, sub, rows_loaded, last_sub, end_offset) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`;

/** A step done (or its state); parameters: db, step, info. */
const STEP_UPSERT = `INSERT INTO ${PROGRESS_DB}.steps (target_db, step, info) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE info = VALUES(info)`;

export class SqlProgressStore implements ProgressStore {
  constructor(private readonly session: StatementRunner) {}

  /**
   * ROW_FORMAT=DYNAMIC whatever the target's innodb_default_row_format: under COMPACT or REDUNDANT an
   * index key is at most 767 bytes, and steps' primary key is 1280 (error 1709 before any row loaded).
   */
  async ensure(): Promise<void> {
    const s = this.session;
    await s.exec(`CREATE DATABASE IF NOT EXISTS ${PROGRESS_DB}`);
    await s.exec(`CREATE TABLE IF NOT EXISTS ${PROGRESS_DB}.runs (target_db VARBINARY(256) NOT NULL PRIMARY KEY, dump_id VARBINARY(128) NOT NULL, source_db VARBINARY(256) NOT NULL, rows_per_tx BIGINT NOT NULL, bytes_per_tx BIGINT NOT NULL, started_at DATETIME NOT NULL, completed_at DATETIME NULL, options VARBINARY(2048) NULL) ENGINE=InnoDB ROW_FORMAT=DYNAMIC`);
    await s.exec(`CREATE TABLE IF NOT EXISTS ${PROGRESS_DB}.progress (dump_id VARBINARY(128) NOT NULL, target_db VARBINARY(256) NOT NULL, tbl VARBINARY(256) NOT NULL, chunk INT NOT NULL, sub INT NOT NULL, rows_loaded BIGINT NOT NULL, last_sub TINYINT NOT NULL, end_offset BIGINT NULL, PRIMARY KEY (target_db, tbl, chunk, sub)) ENGINE=InnoDB ROW_FORMAT=DYNAMIC`);
    // columns that came later, added to the tables of an older tsload: end_offset (a resume reads a
    // chunk from there), options (a resume must run with the first run's result-changing options)
    const later = [['progress', 'end_offset', 'BIGINT NULL'], ['runs', 'options', 'VARBINARY(2048) NULL']] as const;
    for (const [table, column, type] of later) {
      const has = await s.scalar(`SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND COLUMN_NAME = ?`, [PROGRESS_DB, table, column]);
      if (Number(has) === 0) await s.exec(`ALTER TABLE ${PROGRESS_DB}.${table} ADD COLUMN ${column} ${type}`);
    }
    await s.exec(`CREATE TABLE IF NOT EXISTS ${PROGRESS_DB}.steps (target_db VARBINARY(256) NOT NULL, step VARBINARY(1024) NOT NULL, info VARBINARY(1024) NOT NULL, PRIMARY KEY (target_db, step)) ENGINE=InnoDB ROW_FORMAT=DYNAMIC`);
  }

  /** The progress database exists (a read-only probe: dry runs and fresh loads). */
  async exists(): Promise<boolean> {
    const n = await this.session.scalar(`SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'runs'`, [PROGRESS_DB]);
    return Number(n) > 0;
  }

  async run(targetDb: string): Promise<RunRecord | null> {
    // SELECT *: a dry run may meet the runs table of an older tsload, without options
    const rows = await this.session.query<{ dump_id: string; source_db: string; rows_per_tx: string; bytes_per_tx: string; completed_at: string | null; options?: string | null }>(`SELECT * FROM ${PROGRESS_DB}.runs WHERE target_db = ?`, [targetDb]);
    const r = rows[0];
    if (!r) return null;
    return { targetDb, dumpId: r.dump_id, sourceDb: r.source_db, rowsPerTransaction: Number(r.rows_per_tx), bytesPerTransaction: Number(r.bytes_per_tx), completedAt: r.completed_at, options: parseOptions(r.options) };
  }

  async insertRun(r: RunRecord): Promise<void> {
    // REPLACE: a retry after a lost connection may find its own row (no other loader can: load-lease.ts)
    await this.session.exec(`REPLACE INTO ${PROGRESS_DB}.runs (target_db, dump_id, source_db, rows_per_tx, bytes_per_tx, started_at, options) VALUES (?, ?, ?, ?, ?, NOW(), ?)`, [
      r.targetDb,
      r.dumpId,
      r.sourceDb,
      r.rowsPerTransaction,
      r.bytesPerTransaction,
      r.options ? JSON.stringify(r.options) : null,
    ]);
  }

  async chunkProgress(targetDb: string): Promise<Map<string, ChunkProgress>> {
    type Row = { tbl: string; chunk: string; m: string; c: string; r: string; o?: string | null };
    const sql = (offsets: boolean): string =>
      `SELECT tbl, chunk, MAX(sub) AS m, MAX(last_sub) AS c, SUM(rows_loaded) AS r${offsets ? ', IF(COUNT(end_offset) = COUNT(*), MAX(end_offset), NULL) AS o' : ''} FROM ${PROGRESS_DB}.progress WHERE target_db = ? GROUP BY tbl, chunk`;
    // a dry run may meet the progress table of an older tsload, without end_offset
    const rows = await this.session.query<Row>(sql(true), [targetDb]).catch((e: unknown) => (errnoOf((e as TsError).cause) === 1054 || (e as TsError).errno === 1054 ? this.session.query<Row>(sql(false), [targetDb]) : Promise.reject(e)));
    const out = new Map<string, ChunkProgress>();
    for (const r of rows) out.set(chunkKey(targetDb, r.tbl, Number(r.chunk)), { maxSub: Number(r.m), complete: Number(r.c) === 1, rows: Number(r.r), endOffset: r.o == null ? null : Number(r.o) });
    return out;
  }

  async steps(targetDb: string): Promise<Map<string, string>> {
    const rows = await this.session.query<{ step: string; info: string }>(`SELECT step, info FROM ${PROGRESS_DB}.steps WHERE target_db = ?`, [targetDb]);
    return new Map(rows.map((r) => [r.step, r.info]));
  }

  async recordStep(targetDb: string, step: string, info = ''): Promise<void> {
    await this.session.exec(STEP_UPSERT, [targetDb, step, info]);
  }

  async recordStepOn(session: Session, targetDb: string, step: string, info = ''): Promise<void> {
    await session.exec(STEP_UPSERT, [session.wireText(targetDb), session.wireText(step), session.wireText(info)], { database: targetDb });
  }

  async recordSubChunk(session: Session, r: SubChunkRecord): Promise<boolean> {
    try {
      await session.exec(PROGRESS_INSERT, [r.dumpId, session.wireText(r.targetDb), session.wireText(r.table), r.chunk, r.sub, r.rows, r.last ? 1 : 0, r.endOffset ?? null], { database: r.targetDb, table: r.table, chunk: r.chunk });
      return true;
    } catch (e) {
      if (errnoOf((e as TsError).cause) === 1062 || (e as TsError).errno === 1062) return false;
      throw e;
    }
  }

  async isCommitted(session: Session, r: Pick<SubChunkRecord, 'targetDb' | 'table' | 'chunk' | 'sub'>): Promise<boolean> {
    const n = await session.scalar(`SELECT COUNT(*) FROM ${PROGRESS_DB}.progress WHERE target_db = ? AND tbl = ? AND chunk = ? AND sub = ?`, [session.wireText(r.targetDb), session.wireText(r.table), r.chunk, r.sub]);
    return Number(n) > 0;
  }

  async forgetChunk(targetDb: string, table: string, chunk: number | null): Promise<void> {
    if (chunk === null) await this.session.exec(`DELETE FROM ${PROGRESS_DB}.progress WHERE target_db = ? AND tbl = ?`, [targetDb, table]);
    else await this.session.exec(`DELETE FROM ${PROGRESS_DB}.progress WHERE target_db = ? AND tbl = ? AND chunk = ?`, [targetDb, table, chunk]);
  }

  /**
   * Ends finished loads in one transaction: their per-sub-chunk progress rows and DDL steps are
   * removed; what stays is one row per target database saying which dump was loaded and when, and
   * the loaded tables' identities and whether each was kept as it was found (`kept:`: the rerun's
   * verification must know a merge). So a rerun of a finished load — also one killed in the moment
   * between this commit and its exit — reports "already loaded" instead of meeting its own tables
   * and refusing them as someone else's, or (--drop-table append) loading their rows a second time.
   * The memo is kept for a load of part of the dump too: the part is in the run's options, so it
   * never passes for another part. A later load into the database replaces the memo.
   */
  async finish(targetDbs: readonly string[]): Promise<void> {
    const marks = targetDbs.map(() => '?').join(', ');
    // idempotent as a whole (a retry after a COMMIT whose answer was lost finds it done): completed_at
    // is set only where it is not yet
    await this.transaction('ending the load (removing its progress records)', async (s) => {
      await s.exec(`DELETE FROM ${PROGRESS_DB}.progress WHERE target_db IN (${marks})`, targetDbs);
      await s.exec(`DELETE FROM ${PROGRESS_DB}.steps WHERE target_db IN (${marks}) AND step NOT LIKE 'table:%' AND step NOT LIKE 'kept:%'`, targetDbs);
      await s.exec(`UPDATE ${PROGRESS_DB}.runs SET completed_at = NOW() WHERE target_db IN (${marks}) AND completed_at IS NULL`, targetDbs);
    });
  }

  /** Forgets everything recorded for a target database (a finished load's memo that no longer applies). */
  async forget(targetDb: string): Promise<void> {
    // one transaction: a kill between the deletes must not leave a run record without its progress
    // rows (a rerun would then load committed chunks again); deletes only, so idempotent as a whole
    await this.transaction(`forgetting the records of database ${targetDb}`, async (s) => {
      await s.exec(`DELETE FROM ${PROGRESS_DB}.runs WHERE target_db = ?`, [targetDb]);
      await s.exec(`DELETE FROM ${PROGRESS_DB}.steps WHERE target_db = ?`, [targetDb]);
      await s.exec(`DELETE FROM ${PROGRESS_DB}.progress WHERE target_db = ?`, [targetDb]);
    });
  }

  /** A transaction of the store: retried whole on the loader's control session, run once on a plain session. */
  private transaction(what: string, body: (s: StatementRunner) => Promise<void>): Promise<void> {
    return this.session instanceof ControlSession ? this.session.transaction(what, body) : inTransaction(this.session, body);
  }
}

function parseOptions(text: string | null | undefined): Record<string, string> | null {
  if (!text) return null;
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'object' && v !== null ? (v as Record<string, string>) : null;
  } catch {
    return null;
  }
}

/**
 * Removes every record of loads into `targetDbs` (databases that were dropped: scratch databases of
 * `tsload bench`), and the progress database itself once nothing is recorded in it.
 */
export async function forgetLoads(session: Session, targetDbs: readonly string[]): Promise<void> {
  const store = new SqlProgressStore(session);
  if (!(await store.exists())) return;
  for (const db of targetDbs) await store.forget(db);
  const left = await session.scalar(`SELECT COUNT(*) FROM ${PROGRESS_DB}.runs`);
  if (Number(left) === 0) await session.exec(`DROP DATABASE IF EXISTS ${PROGRESS_DB}`);
}
