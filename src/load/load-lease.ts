import { createHash } from 'node:crypto';
import os from 'node:os';
import { TsError } from '../core/errors.js';
import type { Session } from '../db/session.js';
import type { ControlSession, StatementRunner } from './control-session.js';
import { PROGRESS_DB } from '../format/naming.js';

/**
 * One loader per target database at a time. Two loaders of one dump into one target would both
 * resume from the same records; once the first finished (and removed its sub-chunk records) the
 * other committed its sub-chunks again (seen: 395 000 rows for 300 000 on a keyless table).
 *
 * The lock is the server's: GET_LOCK('tsload:<hash of the target database>') on the control
 * session, for the whole run. It dies with the session, so a loader that was killed (kill -9, OOM)
 * or lost its connection frees it without anyone's help: there is no stale lock to break by hand.
 * The lease row in tsload_progress.leases only says who holds it (host, pid, since, heartbeat), for
 * the refusal message; it is trusted only when its connection id is the lock holder's.
 *
 * Growing into cooperating loaders (several hosts on one load): this lock becomes the coordinator's
 * (the one that plans, creates the schema and finishes), each loader keeps a lease row of its own
 * (keyed by target database and connection id, refreshed by the heartbeat), and chunks are claimed
 * with SELECT … FOR UPDATE SKIP LOCKED; a lease whose connection id no longer holds a lock is dead.
 */
const HEARTBEAT_MS = 15_000;

export function lockName(targetDb: string): string {
  return `tsload:${createHash('sha256').update(targetDb, 'utf8').digest('hex').slice(0, 40)}`;
}

interface LeaseRow {
  host: string;
  pid: string;
  connection_id: string;
  since: string;
  heartbeat_at: string;
  dump_id: string;
}

export class LoadLease {
  private timer: NodeJS.Timeout | undefined;
  private recorded = false;

  private constructor(
    private readonly session: ControlSession,
    private readonly targetDbs: readonly string[],
    private readonly dumpId: string,
  ) {}

  /** Takes the lock of every target database, or refuses naming the loader that holds one. */
  static async acquire(session: ControlSession, targetDbs: readonly string[], dumpId: string): Promise<LoadLease> {
    const lease = new LoadLease(session, targetDbs, dumpId);
    await lease.lockAll(session, 0);
    return lease;
  }

  private async lockAll(s: StatementRunner, waitSeconds: number): Promise<void> {
    const taken: string[] = [];
    for (const db of this.targetDbs) {
      const got = await s.scalar(`SELECT GET_LOCK(?, ${waitSeconds})`, [lockName(db)]);
      if (got === '1') {
        taken.push(db);
        continue;
      }
      const holder = await s.scalar('SELECT IS_USED_LOCK(?)', [lockName(db)]);
      const row = holder === null ? null : await leaseOf(s, db, holder);
      for (const t of taken) await s.scalar('SELECT RELEASE_LOCK(?)', [lockName(t)]).catch(() => null);
      throw refusal(db, holder, row);
    }
  }

  /**
   * Writes the lease rows (after the progress tables exist) and starts the heartbeat. A row left by
   * a loader that died is replaced: the lock proves it is not running.
   */
  async record(): Promise<void> {
    const s = this.session;
    await s.exec(`CREATE TABLE IF NOT EXISTS ${PROGRESS_DB}.leases (target_db VARBINARY(256) NOT NULL, connection_id BIGINT UNSIGNED NOT NULL, dump_id VARBINARY(128) NOT NULL, host VARBINARY(255) NOT NULL, pid BIGINT NOT NULL, since DATETIME NOT NULL, heartbeat_at DATETIME NOT NULL, PRIMARY KEY (target_db, connection_id)) ENGINE=InnoDB`);
    // One transaction, retried whole: an INSERT retried alone after a lost connection that had
    // committed it left two rows (the lost connection's id and the new one's), and the next
    // reconnect's UPDATE of connection_id then failed on the key. Run again, the DELETE takes the
    // first attempt's row too.
    await s.transaction('recording the lease rows', async (tx) => {
      for (const db of this.targetDbs) {
        await tx.exec(`DELETE FROM ${PROGRESS_DB}.leases WHERE target_db = ?`, [db]);
        await tx.exec(`INSERT INTO ${PROGRESS_DB}.leases (target_db, connection_id, dump_id, host, pid, since, heartbeat_at) VALUES (?, CONNECTION_ID(), ?, ?, ?, UTC_TIMESTAMP(), UTC_TIMESTAMP())`, [db, this.dumpId, os.hostname(), process.pid]);
      }
    });
    this.recorded = true;
    this.timer = setInterval(() => void this.beat(), HEARTBEAT_MS);
    this.timer.unref();
  }

  private async beat(): Promise<void> {
    const marks = this.targetDbs.map(() => '?').join(', ');
    await this.session.exec(`UPDATE ${PROGRESS_DB}.leases SET heartbeat_at = UTC_TIMESTAMP() WHERE connection_id = CONNECTION_ID() AND target_db IN (${marks})`, this.targetDbs).catch(() => undefined);
  }

  /**
   * The control session was replaced (its connection was lost, and its locks with it): takes the
   * locks again on the new one, or fails if another loader took one meanwhile.
   */
  async reacquire(session: Session, lostThreadId: number): Promise<void> {
    // A connection lost on our side may live on in the server, holding the locks, until the server
    // notices: end it — only when it still holds our lock, so it is surely the lost one.
    for (const db of this.targetDbs) {
      if ((await session.scalar('SELECT IS_USED_LOCK(?)', [lockName(db)])) === String(lostThreadId)) await session.exec(`KILL CONNECTION ${lostThreadId}`).catch(() => undefined);
    }
    try {
      // the server frees the old connection's locks once it ends it: a few seconds at most
      await this.lockAll(session, 10);
    } catch (e) {
      const err = e as TsError;
      throw new TsError({ code: 'lock', message: `the control connection was lost and another loader took over meanwhile: ${err.message}`, object: err.object, suggestion: 'let that loader finish; this run stops here', cause: e });
    }
    if (!this.recorded) return;
    for (const db of this.targetDbs) {
      // Free locks do not prove nobody loaded meanwhile: a loader that took over and finished has
      // released them too. It replaced our lease row when it started: without it, stop.
      const n = await session.exec(`UPDATE ${PROGRESS_DB}.leases SET connection_id = CONNECTION_ID(), heartbeat_at = UTC_TIMESTAMP() WHERE target_db = ? AND host = ? AND pid = ?`, [db, os.hostname(), process.pid]);
      if (n === 0) {
        for (const t of this.targetDbs) await session.scalar('SELECT RELEASE_LOCK(?)', [lockName(t)]).catch(() => null);
        throw new TsError({
          code: 'lock',
          message: `another loader took over database ${db} while this loader's control connection was lost; stopping here (its sub-chunks are not loaded twice)`,
          object: { database: db },
          suggestion: 'check what that loader did (its run may have finished the load); rerun the same command to resume or verify',
        });
      }
    }
  }

  /**
   * Run by a data transaction right before its COMMIT, after its progress row is in: the load is
   * still ours (our control connection holds the lock). So a loader that lost its control
   * connection never commits behind another that took over — whose finished load no longer has the
   * progress rows that would make our commit a duplicate. A lock not held by the control as it is
   * now is asked again through the control, which reconnects and takes the lock back, or fails.
   */
  async confirm(s: Session, targetDb: string): Promise<void> {
    const holds = async (): Promise<boolean> => (await s.scalar('SELECT IS_USED_LOCK(?)', [lockName(targetDb)])) === String(this.session.session.threadId);
    if (await holds()) return;
    await this.session.scalar('SELECT 1');
    if (await holds()) return;
    throw new TsError({ code: 'lock', message: `this loader no longer holds the lock of database ${targetDb} (its control connection was lost); stopping so that no row is loaded twice`, object: { database: targetDb }, suggestion: 'rerun the same command: it resumes where the committed work ends' });
  }

  /** Removes the lease rows and releases the locks (closing the session would release them too). */
  async release(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    const s = this.session;
    for (const db of this.targetDbs) {
      await s.exec(`DELETE FROM ${PROGRESS_DB}.leases WHERE target_db = ? AND connection_id = CONNECTION_ID()`, [db]).catch(() => undefined);
      await s.scalar('SELECT RELEASE_LOCK(?)', [lockName(db)]).catch(() => null);
    }
  }
}

async function leaseOf(s: StatementRunner, db: string, holder: string): Promise<LeaseRow | null> {
  const have = await s.scalar(`SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'leases'`, [PROGRESS_DB]);
  if (Number(have) === 0) return null;
  const rows = await s.query<LeaseRow>(`SELECT host, pid, connection_id, since, heartbeat_at, dump_id FROM ${PROGRESS_DB}.leases WHERE target_db = ? AND connection_id = ?`, [db, holder]);
  return rows[0] ?? null;
}

function refusal(db: string, holder: string | null, row: LeaseRow | null): TsError {
  const who = row
    ? `tsload pid ${row.pid} on host ${row.host}, running since ${row.since} UTC (last heartbeat ${row.heartbeat_at} UTC, dump ${row.dump_id}, server connection ${row.connection_id})`
    : `another session (server connection ${holder ?? 'unknown'}; it has not recorded who it is yet)`;
  return new TsError({
    code: 'lock',
    message: `database ${db} is being loaded right now by ${who}; refusing to load into it at the same time`,
    object: { database: db },
    suggestion: 'wait for that load to finish or stop it, then rerun (it resumes where that one stopped); a loader that died frees its lock by itself (its server connection closes)',
  });
}
