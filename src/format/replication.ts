import { parseVersion, replicationHint, type Flavor } from '../db/flavor.js';
import type { Manifest } from './manifest.js';

/**
 * The source coordinates of a dump, and the statements that make a server of the given flavor a
 * replica from them: tsload passes its target's flavor, tsdump (and a dry run, which has no target)
 * the source's own, since a replica is most often of the source's kind.
 */
export function replicationLines(m: Manifest, replica: Flavor | null): string[] {
  const s = m.snapshot;
  if (s.noCoordinates) return [`source coordinates: none recorded (${s.noCoordinates}): this dump cannot start a replica`];
  const pos = s.binlog ? `${s.binlog.file}:${s.binlog.position}` : 'none (binary log off on the source)';
  const out = [`source coordinates (${s.exact ? 'exact' : 'NOT exact: taken without a consistent lock'}): binlog ${pos}${s.gtid ? `, GTID ${s.gtid}` : ''}`];
  const u = s.upstream;
  if (u) out.push(`the source was a replica of ${u.host}:${u.port}; coordinates there (${u.exact ? 'exact' : 'NOT exact'}): binlog ${u.binlog ? `${u.binlog.file}:${u.binlog.position}` : 'none'}${u.gtid ? `, GTID ${u.gtid}` : ''} (tsload --start-replication replicates from there)`);
  if (!s.binlog && !s.gtid) return out;
  const source = parseVersion(m.server.version);
  const flavor = replica ?? source;
  const label = `${flavor.kind === 'mariadb' ? 'MariaDB' : 'MySQL'} ${flavor.major}.${flavor.minor}`;
  out.push(`to make ${replica ? 'the target' : `a ${label} server`} a replica of the source${replica ? ` (${label})` : ''}, fill in the replication user and password:`);
  const statement = replicationHint(flavor, { host: m.server.host, port: m.server.port, binlog: s.binlog, gtid: s.gtid, flavor: sourceKind(m, source) });
  out.push(...statement.split('\n').map((l) => `  ${l}`));
  return out;
}

function sourceKind(m: Manifest, source: Flavor): Flavor['kind'] {
  return m.server.flavor === 'mariadb' || m.server.flavor === 'mysql' ? m.server.flavor : source.kind;
}
