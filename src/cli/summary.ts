import type { RunEvent, TableSummary } from '../core/events.js';
import { formatBytes, formatCount, formatDuration } from '../core/sizes.js';
import type { Manifest } from '../format/manifest.js';
import { replicationLines } from '../format/replication.js';
import { describeSubset } from '../format/subset.js';

/** The table printed at the end of a run: per table rows, bytes, seconds and rate. */
export function printSummary(tool: 'tsdump' | 'tsload', tables: readonly TableSummary[], seconds: number, manifest?: Manifest): void {
  const out = process.stderr;
  const rows = [...tables].sort((a, b) => b.bytes - a.bytes);
  const name = (t: TableSummary): string => `${t.database}.${t.table}`;
  const w = Math.min(48, Math.max(5, ...rows.map((t) => name(t).length)));
  out.write(`\n${'table'.padEnd(w)}  ${'rows'.padStart(12)}  ${'bytes'.padStart(10)}  ${'time'.padStart(8)}  ${'rate'.padStart(11)}\n`);
  for (const t of rows.slice(0, 30)) {
    const rate = t.seconds > 0 ? `${formatBytes(t.bytes / t.seconds)}/s` : '-';
    out.write(`${name(t).slice(0, w).padEnd(w)}  ${formatCount(t.rows).padStart(12)}  ${formatBytes(t.bytes).padStart(10)}  ${formatDuration(t.seconds).padStart(8)}  ${rate.padStart(11)}\n`);
  }
  if (rows.length > 30) out.write(`… and ${rows.length - 30} more tables\n`);
  const totalRows = tables.reduce((a, t) => a + t.rows, 0);
  const totalBytes = tables.reduce((a, t) => a + t.bytes, 0);
  out.write(`${tool}: ${tables.length} tables, ${formatCount(totalRows)} rows, ${formatBytes(totalBytes)} in ${formatDuration(seconds)}\n`);
  if (manifest?.subset) out.write(`${tool}: ${describeSubset(manifest.subset)}\n`);
  if (manifest && tool === 'tsdump') {
    const s = manifest.snapshot;
    const pos = s.binlog ? `${s.binlog.file}:${s.binlog.position}` : 'binary log off';
    if (s.noCoordinates) out.write(`snapshot: ${s.mode}, NO COORDINATES: ${s.noCoordinates}; no replica can be started from this dump\n`);
    else out.write(`snapshot: ${s.mode}, coordinates ${s.exact ? 'exact' : 'NOT EXACT'}: ${pos}${s.gtid ? `, GTID ${s.gtid}` : ''}\n`);
    if (s.note) out.write(`snapshot: ${s.note}\n`);
    const u = s.upstream;
    if (u) out.write(`replica of ${u.host}:${u.port}, its coordinates there ${u.exact ? 'exact' : 'NOT EXACT'}: ${u.binlog ? `${u.binlog.file}:${u.binlog.position}` : 'none'}${u.gtid ? `, GTID ${u.gtid}` : ''}\n`);
    // The statements for a replica of the source's flavor (the coordinates lines are the ones above).
    for (const l of replicationLines(manifest, null).filter((x) => !/^(source coordinates|the source was a replica)/.test(x))) out.write(`${l}\n`);
  }
}

/** The last event of a run: totals, and the dump's id and source coordinates (what a replica starts from). */
export function summaryEvent(ok: boolean, seconds: number, tables: readonly TableSummary[], manifest: Manifest): Extract<RunEvent, { kind: 'summary' }> {
  const s = manifest.snapshot;
  return {
    kind: 'summary',
    ok,
    seconds,
    tables,
    rows: tables.reduce((a, t) => a + t.rows, 0),
    bytes: tables.reduce((a, t) => a + t.bytes, 0),
    dumpId: manifest.dumpId,
    coordinates: { mode: s.mode, exact: s.exact, binlog: s.binlog, gtid: s.gtid },
  };
}
