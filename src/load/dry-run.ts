import { formatBytes } from '../core/sizes.js';
import type { ChunkEntry, Manifest } from '../format/manifest.js';
import type { TargetDb } from './load-context.js';
import type { LoadOptions } from './load-options.js';
import type { RunRecord } from './progress-store.js';

/** Step 3 (--dry-run): what the load would do, in plain lines. */
function subChunkEstimate(c: ChunkEntry, manifest: Manifest, opts: LoadOptions): number {
  if (c.rows === 0) return 1;
  const byRows = manifest.options.format === 'csv' ? Math.ceil(c.rows / opts.rowsPerTransaction) : 1;
  return Math.max(byRows, Math.ceil(c.bytes / opts.bytesPerTransaction));
}

/** What a target database's run record means for this dump, in words (see resume-check.ts). */
function startsAs(run: RunRecord | null | undefined, manifest: Manifest, source: string): string {
  if (!run) return 'fresh load';
  if (run.completedAt) return run.dumpId === manifest.dumpId && run.sourceDb === source ? `already loaded (${run.completedAt}): verify only` : 'fresh load (replaces the record of an earlier load)';
  return run.dumpId === manifest.dumpId && run.sourceDb === source ? 'resumes the interrupted load of this dump' : `holds an unfinished load of another dump (${run.dumpId})`;
}

export function describePlan(manifest: Manifest, targets: readonly TargetDb[], opts: LoadOptions, runs: ReadonlyMap<string, RunRecord | null> = new Map()): string[] {
  const lines = [`dry run: dump ${manifest.dumpId} (${manifest.options.format}, ${manifest.options.compression}) from ${manifest.server.flavor} ${manifest.server.version}; nothing will be changed`];
  let chunks = 0;
  let tx = 0;
  let bytes = 0;
  for (const t of targets) {
    const objs = t.source.objects.reduce<Record<string, number>>((m, o) => ({ ...m, [o.kind]: (m[o.kind] ?? 0) + 1 }), {});
    lines.push(`database ${t.source.name} → ${t.name}: ${t.source.tables.length} tables${Object.entries(objs).map(([k, n]) => `, ${n} ${k}(s)`).join('')}; ${startsAs(runs.get(t.name), manifest, t.source.name)}`);
    for (const tb of [...t.source.tables].sort((a, b) => b.bytes - a.bytes)) {
      const n = tb.chunks.reduce((a, c) => a + subChunkEstimate(c, manifest, opts), 0);
      lines.push(`  table ${tb.name}: ${tb.rows} rows, ${tb.chunks.length} chunk(s), ${formatBytes(tb.chunks.reduce((a, c) => a + c.bytes, 0))}, ~${n} transaction(s)`);
      chunks += tb.chunks.length;
      tx += n;
      bytes += tb.chunks.reduce((a, c) => a + c.bytes, 0);
    }
  }
  lines.push(`total: ${chunks} chunk file(s), ${formatBytes(bytes)}, ~${tx} transaction(s) of at most ${opts.rowsPerTransaction} rows / ${formatBytes(opts.bytesPerTransaction)}, ${opts.threads} thread(s)`);
  lines.push(`order: databases, tables${opts.deferIndexes ? ' (secondary indexes and foreign keys deferred)' : ''}, data, indexes, foreign keys, routines, views, triggers, events, sequence state, AUTO_INCREMENT${opts.verify ? ', verify' : ''}`);
  return lines;
}
