import { TsError } from '../core/errors.js';
import { isTransient } from './server-errors.js';
import { qualified } from '../core/ident.js';
import type { Session } from './session.js';
import { lockWaitTimeoutStatement } from './session-profile.js';

/** A query that blocks (or would block) a global read lock: shown to the user by id and age. */
export interface Blocker {
  readonly id: number;
  readonly seconds: number;
  readonly user: string;
  readonly info: string;
}

/** Long-running statements other than ours, longest first. */
export async function findBlockers(session: Session, minSeconds: number): Promise<Blocker[]> {
  const rows = await session.query<{ ID: string; TIME: string; USER: string; INFO: string | null }>(
    `SELECT ID, TIME, USER, INFO FROM information_schema.PROCESSLIST
      WHERE COMMAND NOT IN ('Sleep', 'Binlog Dump', 'Binlog Dump GTID', 'Daemon') AND ID <> CONNECTION_ID()
        AND TIME >= ? AND INFO IS NOT NULL ORDER BY TIME DESC LIMIT 5`,
    [minSeconds],
  );
  return rows.map((r) => ({ id: Number(r.ID), seconds: Number(r.TIME), user: r.USER, info: (r.INFO ?? '').replace(/\s+/g, ' ').slice(0, 120) }));
}

export function describeBlockers(blockers: readonly Blocker[]): string {
  return blockers.map((b) => `query id ${b.id} (user ${b.user}, running ${b.seconds}s): ${b.info}`).join('; ');
}

/**
 * Runs a lock statement with a watchdog: if it has not returned after `timeoutMs`, the statement is
 * killed from `killer` (so the server does not queue every other query behind a waiting FTWRL) and a
 * TsError names the queries it was waiting for.
 */
export async function lockWithWatchdog(lock: Session, killer: Session, sql: string, timeoutMs: number, what: string): Promise<void> {
  let timedOut = false;
  let blockers: Blocker[] = [];
  const timer = setTimeout(() => {
    timedOut = true;
    void (async () => {
      blockers = (await findBlockers(killer, 0).catch(() => [])).filter((b) => b.id !== lock.threadId);
      await killer.exec(`KILL QUERY ${lock.threadId}`).catch(() => undefined);
    })();
  }, timeoutMs);
  try {
    await lock.exec(sql);
  } catch (e) {
    if (timedOut) {
      throw new TsError({
        code: 'lock',
        message: `${what} did not get the lock within ${Math.round(timeoutMs / 1000)}s; gave up so the server does not stall`,
        suggestion: `waiting for: ${describeBlockers(blockers) || 'unknown (check SHOW PROCESSLIST)'}. Rerun when it finishes, kill it, raise --lock-wait-timeout, or use --lock-mode no-lock`,
        cause: e,
      });
    }
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

export async function startConsistentSnapshot(session: Session): Promise<void> {
  await session.exec('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
  await session.exec('START TRANSACTION WITH CONSISTENT SNAPSHOT');
}

/**
 * What a session's snapshot holds of mysql.gtid_slave_pos (MariaDB), as "rows:max:xor" of its
 * sub_id (an applied transaction may insert its row and delete an older one: the count alone can
 * stay, and parallel appliers commit out of sub_id order: the max alone can stay): a
 * replica's applier writes its row there in the same InnoDB transaction as each transaction it
 * applies, so two snapshots that hold the same are on the same side of every applied transaction —
 * also of those its own binary log never records (log_slave_updates OFF, MariaDB's default), which
 * binlog_snapshot_position cannot tell apart. 'denied': the table cannot be read (the account may
 * not, or it is missing or damaged): the check cannot be made.
 */
export async function appliedMark(session: Session): Promise<string | 'denied'> {
  try {
    const [r] = await session.query<{ n: string; m: string; x: string }>('SELECT COUNT(*) AS n, COALESCE(MAX(sub_id), 0) AS m, BIT_XOR(sub_id) AS x FROM mysql.gtid_slave_pos');
    return `${r?.n ?? 0}:${r?.m ?? 0}:${r?.x ?? 0}`;
  } catch (e) {
    // a server's refusal of this query (privilege 1142, table 1146, engine …), not a lost connection
    if (e instanceof TsError && (e.code === 'privilege' || e.errno !== undefined) && !isTransient(e)) return 'denied';
    throw e;
  }
}

/** Where a MariaDB session's snapshot stands: in the binary log, and in what a replica applied. */
export interface SnapshotMark {
  readonly binlog: { file: string; position: number } | null;
  readonly applied: string | 'denied';
}

/** The SnapshotMark of a session that just opened its snapshot (MariaDB). */
export async function snapshotMark(session: Session): Promise<SnapshotMark> {
  return { binlog: await snapshotCoordinates(session), applied: await appliedMark(session) };
}

/** MariaDB: the binlog coordinates of this session's snapshot (exact, no lock needed). */
export async function snapshotCoordinates(session: Session): Promise<{ file: string; position: number } | null> {
  const rows = await session.query<{ Variable_name: string; Value: string }>("SHOW STATUS LIKE 'binlog_snapshot_%'");
  const file = rows.find((r) => r.Variable_name.toLowerCase() === 'binlog_snapshot_file')?.Value;
  const pos = rows.find((r) => r.Variable_name.toLowerCase() === 'binlog_snapshot_position')?.Value;
  if (!file) return null;
  return { file, position: Number(pos) };
}

export interface TableName {
  readonly database: string;
  readonly name: string;
}

const TOUCH_BATCH = 100;

/**
 * Takes this snapshot session's shared metadata lock on every dumped table, kept until its
 * transaction ends (the end of the dump): TRUNCATE, ALTER (instant, in-place or copying), DROP and
 * RENAME need the exclusive lock and so wait until the dump ends (as with mariabackup's
 * --lock-ddl-per-table). Run right after START TRANSACTION WITH CONSISTENT SNAPSHOT, under the
 * global lock where there is one, so no DDL can run or even queue in between. Every snapshot
 * session must hold them all: a DDL waiting for one session's lock holds back every session that
 * asks for the table later (metadata lock requests queue behind a waiting exclusive one), which
 * would stall the dump until the DDL gave up. Reads and writes of other sessions are not blocked.
 *
 * Each table gives one row (`LIMIT 1`): a table re-created after the snapshot (no global lock)
 * fails here with 1412 rather than later in a worker.
 */
export async function holdTables(session: Session, tables: readonly TableName[], lockWaitSeconds: number): Promise<void> {
  if (tables.length === 0) return;
  await session.exec(lockWaitTimeoutStatement(lockWaitSeconds));
  for (let i = 0; i < tables.length; i += TOUCH_BATCH) {
    const batch = tables.slice(i, i + TOUCH_BATCH);
    try {
      await session.query(batch.map((t) => `(SELECT 1 FROM ${qualified(t.database, t.name)} LIMIT 1)`).join(' UNION ALL '));
    } catch {
      // Find the table to name (the batch's error does not say which).
      for (const t of batch) await touch(session, t, lockWaitSeconds);
    }
  }
}

async function touch(session: Session, t: TableName, lockWaitSeconds: number): Promise<void> {
  const object = { database: t.database, table: t.name };
  try {
    await session.query(`SELECT 1 FROM ${qualified(t.database, t.name)} LIMIT 1`, [], object);
  } catch (e) {
    const errno = e instanceof TsError ? e.errno : undefined;
    if (errno === 1146) {
      throw new TsError({ code: 'snapshot', message: `table ${t.database}.${t.name} was dropped or renamed while the dump started`, object, suggestion: 'run the dump again, with no DDL on the dumped tables while it starts', cause: e, errno });
    }
    if (errno === 1205) {
      throw new TsError({ code: 'lock', message: `could not lock the definition of ${t.database}.${t.name} within ${lockWaitSeconds}s: a DDL statement on it holds or waits for its metadata lock`, object, suggestion: 'rerun when the DDL has finished (SHOW PROCESSLIST shows it), or raise --lock-wait-timeout', cause: e, errno });
    }
    throw e;
  }
}
