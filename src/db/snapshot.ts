import { TsError } from '../core/errors.js';
import type { Session } from './session.js';

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

/** MariaDB: the binlog coordinates of this session's snapshot (exact, no lock needed). */
export async function snapshotCoordinates(session: Session): Promise<{ file: string; position: number } | null> {
  const rows = await session.query<{ Variable_name: string; Value: string }>("SHOW STATUS LIKE 'binlog_snapshot_%'");
  const file = rows.find((r) => r.Variable_name.toLowerCase() === 'binlog_snapshot_file')?.Value;
  const pos = rows.find((r) => r.Variable_name.toLowerCase() === 'binlog_snapshot_position')?.Value;
  if (!file) return null;
  return { file, position: Number(pos) };
}
