import { rollsBack } from '../core/engines.js';
import { TsError } from '../core/errors.js';
import type { Reporter } from '../core/events.js';
import { readBinlogPosition, readGtid, type BinlogPosition, type Flavor } from '../db/flavor.js';
import { readUpstream, sameUpstream } from './replica-data.js';
import { Session } from '../db/session.js';
import { LOCK_WATCHDOG } from '../db/session-profile.js';
import { holdTables, lockWithWatchdog, snapshotCoordinates, snapshotMark, startConsistentSnapshot, type SnapshotMark, type TableName } from '../db/snapshot.js';
import type { CatalogTable } from '../db/catalog.js';
import type { SnapshotInfo } from '../format/manifest.js';
import type { DumpOptions } from './dump-options.js';
import type { DumpWorker } from './worker-pool.js';

const SNAPSHOT_RETRIES = 5;

/**
 * The global lock of a locked snapshot. `auto` takes MariaDB's BACKUP STAGE BLOCK_COMMIT where the
 * server has it (10.4+): it holds back commits only, for the milliseconds the sessions need to open
 * their snapshots. FLUSH TABLES WITH READ LOCK holds back every write statement and waits for the
 * running ones, which can wait for row locks of transactions that FTWRL itself holds back: on a busy
 * server it then stalls until --lock-wait-timeout (seen in the test suite, four loads at once).
 */
function lockFor(mode: 'auto' | 'ftwrl' | 'backup-stage', flavor: Flavor): 'ftwrl' | 'backup-stage' {
  if (mode === 'auto') return flavor.hasBackupStage ? 'backup-stage' : 'ftwrl';
  return mode;
}

/**
 * Step 5: every session (planner and workers) opens START TRANSACTION WITH CONSISTENT SNAPSHOT at the
 * same point: under a global lock held for milliseconds, or lock-free with the coordinates proven
 * unchanged. Returns the mode and the binlog coordinates the snapshot corresponds to.
 */
export async function takeSnapshot(control: Session, planner: Session, workers: DumpWorker[], tables: readonly TableName[], flavor: Flavor, opts: DumpOptions, reporter: Reporter, keepLock = false): Promise<Snapshot> {
  const mode = opts.lockMode;
  const hold = (): Promise<unknown> => Promise.all([holdTables(planner, tables, opts.lockWaitTimeoutMs / 1000), ...workers.map((w) => w.hold(tables, opts.lockWaitTimeoutMs / 1000))]);
  if (mode === 'ftwrl' || mode === 'backup-stage' || mode === 'auto') {
    try {
      return await snapshotUnderLock(control, planner, workers, flavor, lockFor(mode, flavor), opts, hold, keepLock);
    } catch (e) {
      const denied = isDenied(e);
      if (mode !== 'auto' || !denied) {
        if (denied) {
          throw new TsError({ code: 'privilege', message: `cannot take the global read lock: ${e instanceof Error ? e.message : String(e)}`, suggestion: 'grant RELOAD (FLUSH TABLES WITH READ LOCK), or use --lock-mode no-lock (exact coordinates are still verified)', cause: e });
        }
        throw e;
      }
      const lock = lockFor(mode, flavor) === 'ftwrl' ? 'FLUSH TABLES WITH READ LOCK' : 'BACKUP STAGE';
      reporter.emit({ kind: 'warning', message: `no privilege for ${lock} (RELOAD; RDS/Aurora?): using the lock-free snapshot, coordinates are verified` });
    }
  }
  // Without a global lock a DDL can slip in between a session's snapshot and its locks: the
  // definitions are checked against the catalog afterwards (ddl-step.ts), a re-created table fails with 1412.
  if (!opts.replicaData) {
    const info = await snapshotWithoutLock(planner, workers, flavor, opts, reporter);
    await hold();
    return unlocked(info);
  }
  const before = await readUpstream(control, flavor, false);
  const snap = await snapshotWithoutLock(planner, workers, flavor, opts, reporter);
  const after = await readUpstream(control, flavor, false);
  await hold();
  const exact = snap.exact && sameUpstream(before, after);
  if (!exact) reporter.emit({ kind: 'warning', message: '--replica-data: the replica applied events while the snapshots opened without a lock: the source coordinates are NOT exact' });
  return unlocked({ ...snap, upstream: { ...after, exact } });
}

/**
 * The snapshot taken. `held`: its global lock is still held (keepLock), until `release` — called once the
 * tables of non-transactional engines are dumped, or implied when the control session closes.
 */
export interface Snapshot {
  readonly info: SnapshotInfo;
  readonly held: boolean;
  release(): Promise<void>;
}

function unlocked(info: SnapshotInfo): Snapshot {
  return { info, held: false, release: async () => undefined };
}

async function snapshotUnderLock(control: Session, planner: Session, workers: DumpWorker[], flavor: Flavor, mode: 'ftwrl' | 'backup-stage', opts: DumpOptions, hold: () => Promise<unknown>, keepLock: boolean): Promise<Snapshot> {
  const killer = await Session.open(opts.connection, LOCK_WATCHDOG);
  try {
    if (mode === 'ftwrl') {
      await lockWithWatchdog(control, killer, 'FLUSH TABLES WITH READ LOCK', opts.lockWaitTimeoutMs, 'FLUSH TABLES WITH READ LOCK');
    } else {
      await control.exec('BACKUP STAGE START');
      await lockWithWatchdog(control, killer, 'BACKUP STAGE BLOCK_COMMIT', opts.lockWaitTimeoutMs, 'BACKUP STAGE BLOCK_COMMIT');
    }
  } finally {
    await killer.close();
  }
  const unlock = async (): Promise<void> => {
    await control.exec(mode === 'ftwrl' ? 'UNLOCK TABLES' : 'BACKUP STAGE END');
  };
  let kept = false;
  try {
    const info = await readUnderLock(control, planner, workers, flavor, mode, opts, hold);
    kept = keepLock;
    if (!kept) return unlocked(info);
    let released: Promise<void> | null = null;
    return { info, held: true, release: () => (released ??= unlock()) };
  } finally {
    if (!kept) await unlock().catch(() => undefined);
  }
}

/** Under the global lock: every session's snapshot, the tables held, the coordinates. */
async function readUnderLock(control: Session, planner: Session, workers: DumpWorker[], flavor: Flavor, mode: 'ftwrl' | 'backup-stage', opts: DumpOptions, hold: () => Promise<unknown>): Promise<SnapshotInfo> {
  await Promise.all([startConsistentSnapshot(planner), ...workers.map((w) => w.snapshot(false))]);
  // Under the lock no DDL can run or queue: from here to the end of the dump DDL on the dumped tables waits.
  await hold();
  if (!opts.coordinates) return withCoordinates(opts, { mode, exact: true, binlog: null, gtid: null });
  let binlog = await binlogPosition(control, flavor);
  if (binlog === 'denied') {
    // MariaDB tells every session where its own snapshot is (no privilege needed); MySQL does not.
    if (!flavor.hasSnapshotCoordinates) throw new TsError({ code: 'privilege', message: `cannot read the snapshot's coordinates: ${NO_POSITION_PRIVILEGE}`, suggestion: 'grant REPLICATION CLIENT, or dump without coordinates with --no-coordinates (no replica can be started from the dump)' });
    binlog = await snapshotCoordinates(planner);
  }
  const gtid = await readGtid(control, flavor);
  const upstream = opts.replicaData ? await readUpstream(control, flavor, true) : undefined;
  return { mode, exact: true, binlog, gtid, ...(upstream ? { upstream } : {}) };
}

/**
 * Without a global lock the sessions' snapshots are only consistent with each other if nothing was
 * committed while they were opened. MariaDB says exactly where each snapshot is in the binlog (a
 * session status: no privilege needed), and each snapshot's view of mysql.gtid_slave_pos tells
 * whether a replica's applier committed in between — which a replica's own binlog does not record
 * with log_slave_updates OFF (appliedMark); on MySQL the position is read before and after. A mismatch
 * retries, then fails (or, with --allow-inconsistent, continues and says so in the manifest). On
 * MySQL an account that may not read the position (no REPLICATION CLIENT) cannot prove anything:
 * with --allow-inconsistent the dump goes on without coordinates, marked in the manifest.
 */
async function snapshotWithoutLock(planner: Session, workers: DumpWorker[], flavor: Flavor, opts: DumpOptions, reporter: Reporter): Promise<SnapshotInfo> {
  let warnedApplied = false;
  for (let attempt = 1; attempt <= SNAPSHOT_RETRIES; attempt++) {
    const before = flavor.hasSnapshotCoordinates ? null : await binlogPosition(planner, flavor);
    const gtidBefore = await readGtid(planner, flavor);
    // All sessions open at once: the window a commit can fall into is one round trip, not two.
    const [, ...coords] = await Promise.all([startConsistentSnapshot(planner), ...workers.map((w) => w.snapshot(flavor.hasSnapshotCoordinates))]);
    const after = flavor.hasSnapshotCoordinates ? null : await binlogPosition(planner, flavor);
    const gtidAfter = await readGtid(planner, flavor);
    if (before === 'denied' || after === 'denied') {
      if (opts.allowInconsistent) {
        return { mode: 'no-lock', exact: false, binlog: null, gtid: null, noCoordinates: `${NO_POSITION_PRIVILEGE} (--allow-inconsistent)`, note: 'INCONSISTENT: without the binary log position the sessions\' snapshots could not be proven identical; tables may not agree with each other' };
      }
      throw new TsError({ code: 'privilege', message: `cannot verify a lock-free snapshot: ${NO_POSITION_PRIVILEGE}`, suggestion: 'grant REPLICATION CLIENT (SHOW BINARY LOG STATUS), use a locking --lock-mode (RELOAD), or accept a dump without coordinates that may be inconsistent with --allow-inconsistent' });
    }
    const marks = flavor.hasSnapshotCoordinates ? [await snapshotMark(planner), ...(coords as SnapshotMark[])] : [];
    const all = flavor.hasSnapshotCoordinates ? marks.map((m) => m.binlog) : [before, after];
    if (all.every((c) => c === null)) {
      if (opts.allowInconsistent) return { mode: 'no-lock', exact: false, binlog: null, gtid: null, note: 'binary log is off: snapshot consistency across sessions could not be verified' };
      throw new TsError({ code: 'snapshot', message: 'cannot verify a lock-free snapshot: binary logging is off on the server', suggestion: 'use --lock-mode ftwrl (needs RELOAD), run with -t 1, or accept with --allow-inconsistent' });
    }
    const applied = sameApplied(marks);
    // said only where a replica applied anything (gtid_slave_pos, a variable any account reads)
    if (applied === 'unknown' && !warnedApplied) {
      warnedApplied = true;
      if (((await planner.scalar('SELECT @@GLOBAL.gtid_slave_pos')) ?? '') !== '') reporter.emit({ kind: 'warning', message: APPLIED_UNREADABLE });
    }
    const logged = all.every((c) => c !== null && c.file === all[0]!.file && c.position === all[0]!.position) && gtidBefore === gtidAfter;
    if (logged && applied !== 'differ') return withCoordinates(opts, { mode: 'no-lock', exact: true, binlog: all[0]!, gtid: gtidAfter });
    const what = logged ? 'this replica applied transactions its binary log does not record (log_slave_updates OFF)' : 'writes landed';
    reporter.emit({ kind: 'warning', message: `${what} while the snapshots opened (attempt ${attempt}/${SNAPSHOT_RETRIES}); retrying` });
    await planner.exec('ROLLBACK');
    // Workers restart their snapshot on the next 'snapshot' call (START TRANSACTION commits the old one).
    await sleep(200 * attempt);
    if (attempt === SNAPSHOT_RETRIES && opts.allowInconsistent) {
      return withCoordinates(opts, { mode: 'no-lock', exact: false, binlog: after ?? all[0] ?? null, gtid: gtidAfter, note: 'INCONSISTENT: sessions opened their snapshots at different points (binlog positions, or transactions a replica applied); tables may not agree with each other' });
    }
  }
  throw new TsError({ code: 'snapshot', message: `could not open consistent snapshots without a lock: the server kept committing writes (${SNAPSHOT_RETRIES} attempts)`, suggestion: 'use --lock-mode auto, ftwrl or backup-stage (needs RELOAD), dump at a quieter time (on a replica: STOP SLAVE SQL_THREAD for the seconds the snapshots take to open), or accept with --allow-inconsistent (marked in the manifest)' });
}

/**
 * Whether every snapshot holds the same of what a replica applied (SnapshotMark.applied): 'unknown'
 * when the account may not read mysql.gtid_slave_pos (the binlog check then stands alone).
 */
function sameApplied(marks: readonly SnapshotMark[]): 'same' | 'differ' | 'unknown' {
  if (marks.some((m) => m.applied === 'denied')) return 'unknown';
  return marks.every((m) => m.applied === marks[0]!.applied) ? 'same' : 'differ';
}

const APPLIED_UNREADABLE =
  "cannot read mysql.gtid_slave_pos (SELECT privilege) on this server, which has applied replicated transactions: if it is a replica whose binary log does not record what it applies (log_slave_updates OFF), the sessions' snapshots are not proven to agree; grant SELECT ON mysql.gtid_slave_pos, or use a locking --lock-mode (RELOAD)";

const NO_POSITION_PRIVILEGE = 'this account may not read the binary log position (it needs REPLICATION CLIENT, or BINLOG MONITOR on MariaDB)';

/** The binary log position, null when the binary log is off, 'denied' when the account may not read it. */
async function binlogPosition(session: Session, flavor: Flavor): Promise<BinlogPosition | null | 'denied'> {
  try {
    return await readBinlogPosition(session, flavor);
  } catch (e) {
    if (isDenied(e)) return 'denied';
    throw e;
  }
}

function isDenied(e: unknown): boolean {
  return e instanceof TsError && (e.code === 'privilege' || e.errno === 1227 || e.errno === 1044 || e.errno === 1045);
}

/** --no-coordinates: the snapshot as taken, without its coordinates (nothing to start a replica from). */
function withCoordinates(opts: DumpOptions, info: SnapshotInfo): SnapshotInfo {
  if (opts.coordinates) return info;
  return { ...info, exact: false, binlog: null, gtid: null, noCoordinates: 'not recorded (--no-coordinates)' };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * A consistent snapshot covers the tables of transactional engines only: a MyISAM or Aria table is read
 * as it is when its chunk runs, so rows written to it during the dump may be in it or not, whatever the
 * coordinates say (as with mysqldump --single-transaction). Unless the lock is held until they are dumped
 * (--lock-non-transactional), this is said once, naming the tables.
 */
export function warnOutsideSnapshot(outside: readonly CatalogTable[], asked: boolean, reporter: Reporter): void {
  if (outside.length === 0) return;
  const shown = outside.slice(0, 5).map((t) => `${t.database}.${t.name} (${t.engine ?? '?'})`).join(', ');
  const more = outside.length > 5 ? ` and ${outside.length - 5} more` : '';
  const one = outside.length === 1 ? { database: outside[0]!.database, table: outside[0]!.name } : {};
  const them = outside.length === 1 ? 'it' : 'them';
  const fix = asked ? 'the global lock --lock-non-transactional asks for could not be taken (no RELOAD privilege?)' : `stop writes to ${them} for the dump, dump with --lock-non-transactional, or convert to InnoDB`;
  reporter.emit({
    kind: 'warning',
    ...one,
    message: `${outside.length === 1 ? 'a table' : `${outside.length} tables`} of a non-transactional engine ${outside.length === 1 ? 'is' : 'are'} not in the consistent snapshot: ${shown}${more}; rows written to ${them} while the dump runs may be in the dump or not, whatever its coordinates say (${fix})`,
  });
}

/** The tables a consistent snapshot does not cover (see warnOutsideSnapshot). */
export function outsideSnapshot(tables: readonly CatalogTable[]): CatalogTable[] {
  return tables.filter((t) => !rollsBack(t.engine));
}
