import { TsError } from '../core/errors.js';
import { readReplicaStatus, type Flavor } from '../db/flavor.js';
import type { Session } from '../db/session.js';
import type { UpstreamInfo } from '../format/manifest.js';

/**
 * --replica-data: the dumped server is a replica; the manifest also records where it stood in its
 * source's binary log (SHOW SLAVE STATUS / SHOW REPLICA STATUS, db/flavor.ts), so the copy can
 * replicate from the source. Read under the global lock, which holds the replica's commits too
 * (exact); lock-free, read before and after the snapshots open and exact only if unchanged.
 * Multi-source replicas (MariaDB named connections): the default connection only.
 */
export async function requireReplica(control: Session, flavor: Flavor): Promise<void> {
  if (!(await readReplicaStatus(control, flavor))) {
    throw new TsError({ code: 'usage', message: `--replica-data: the server is not a replica (${flavor.replica.statusSql} returns nothing)`, suggestion: 'dump the replica, not the primary (the primary\'s own coordinates are always recorded), or leave out --replica-data' });
  }
}

export async function readUpstream(session: Session, flavor: Flavor, exact: boolean): Promise<UpstreamInfo> {
  const s = await readReplicaStatus(session, flavor);
  if (!s) throw new TsError({ code: 'snapshot', message: '--replica-data: the server stopped being a replica during the dump', suggestion: 'rerun the dump' });
  const gtid = await session.scalar(`SELECT ${flavor.replica.appliedGtidExpr}`).catch(() => null);
  return { host: s.host, port: s.port, binlog: s.binlog, gtid: gtid && gtid.trim() !== '' ? gtid.replace(/\s+/g, '') : null, exact };
}

export function sameUpstream(a: UpstreamInfo, b: UpstreamInfo): boolean {
  return a.binlog?.file === b.binlog?.file && a.binlog?.position === b.binlog?.position && a.gtid === b.gtid;
}
