import { parseVersion } from '../db/flavor.js';
import type { Manifest } from '../format/manifest.js';

/** The source coordinates of a dump, and the statements that start replication from them. */
const SAMPLE_VERSIONS = [
  ['MySQL 8.4', '8.4.0'],
  ['MariaDB', '11.4.2-MariaDB'],
] as const;

export function replicationLines(m: Manifest): string[] {
  const s = m.snapshot;
  const pos = s.binlog ? `${s.binlog.file}:${s.binlog.position}` : 'none (binary log off on the source)';
  const out = [`source coordinates (${s.exact ? 'exact' : 'NOT exact: taken without a consistent lock'}): binlog ${pos}${s.gtid ? `, GTID ${s.gtid}` : ''}`];
  const u = s.upstream;
  if (u) out.push(`the source was a replica of ${u.host}:${u.port}; coordinates there (${u.exact ? 'exact' : 'NOT exact'}): binlog ${u.binlog ? `${u.binlog.file}:${u.binlog.position}` : 'none'}${u.gtid ? `, GTID ${u.gtid}` : ''} (tsload --start-replication replicates from there)`);
  if (!s.binlog && !s.gtid) return out;
  const sourceIsMaria = /mariadb/i.test(m.server.flavor) || /mariadb/i.test(m.server.version);
  for (const [label, version] of SAMPLE_VERSIONS) {
    const f = parseVersion(version);
    const gtid = (f.kind === 'mariadb') === sourceIsMaria ? s.gtid : null;
    out.push(`to replicate from the source (${label}):`);
    out.push(...f.replicationStatement(s.binlog, gtid, m.server.host).split('\n').map((l) => `  ${l}`));
  }
  return out;
}
