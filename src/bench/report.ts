/** The benchmark's output: an aligned text table plus the recommendation, or one JSON document. Pure. */
import { formatCount } from '../core/sizes.js';
import type { BenchSetting } from './grid.js';
import type { CellResult, Recommendation } from './stats.js';

export const BENCH_JSON_VERSION = 1;

export interface BenchReport {
  readonly tool: 'tsdump' | 'tsload';
  /** db.table that was measured. */
  readonly table: string;
  readonly repeat: number;
  readonly warmup: number;
  readonly seed: number;
  /** Ranked best first. */
  readonly results: readonly CellResult[];
  readonly recommendation: Recommendation | null;
}

const HEADERS = ['#', 'setting', 'median s', 'min–max s', 'MB/s', 'rows/s'] as const;
/** Numeric columns are right-aligned. */
const RIGHT = [true, false, true, true, true, true] as const;

export function formatTable(results: readonly CellResult[]): string {
  const rows = results.map((r, i) => [
    String(i + 1),
    r.label,
    r.medianSeconds.toFixed(3),
    `${r.minSeconds.toFixed(3)}–${r.maxSeconds.toFixed(3)}`,
    r.mbPerSecond.toFixed(1),
    formatCount(Math.round(r.rowsPerSecond)),
  ]);
  const all = [[...HEADERS], ...rows];
  const widths = HEADERS.map((_, c) => Math.max(...all.map((row) => [...row[c]!].length)));
  const line = (row: readonly string[]): string =>
    row
      .map((cell, c) => (RIGHT[c] ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd();
  return [line(all[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function formatRecommendation(rec: Recommendation | null): string {
  if (!rec) return 'no results';
  const head = `recommended: ${rec.best.label} (median ${rec.best.medianSeconds.toFixed(3)} s)`;
  if (rec.next === null || rec.marginPercent === null) return `${head}; the only setting tried`;
  const margin = `${rec.marginPercent.toFixed(1)}% faster than the next best, ${rec.next.label}`;
  const noise = rec.withinNoise ? ' — within run-to-run noise (their min–max ranges overlap): repeat with a higher --repeat before relying on it' : '';
  return `${head}, ${margin}${noise}`;
}

export function formatReport(r: BenchReport): string {
  const title = `${r.tool} bench of ${r.table}: ${r.results.length} settings × ${r.repeat} run${r.repeat === 1 ? '' : 's'} (seed ${r.seed}), best first`;
  return `${title}\n\n${formatTable(r.results)}\n\n${formatRecommendation(r.recommendation)}\n`;
}

interface JsonSetting {
  readonly statementSize: number;
  readonly threads: number;
  readonly rowsPerTransaction?: number;
}

export function toJson(r: BenchReport): string {
  const setting = (s: BenchSetting): JsonSetting =>
    s.rowsPerTransaction === null ? { statementSize: s.statementSize, threads: s.threads } : { statementSize: s.statementSize, threads: s.threads, rowsPerTransaction: s.rowsPerTransaction };
  const rec = r.recommendation;
  const doc = {
    version: BENCH_JSON_VERSION,
    tool: r.tool,
    table: r.table,
    repeat: r.repeat,
    warmup: r.warmup,
    seed: r.seed,
    results: r.results.map((c) => ({
      setting: setting(c.setting),
      label: c.label,
      seconds: c.seconds,
      medianSeconds: c.medianSeconds,
      minSeconds: c.minSeconds,
      maxSeconds: c.maxSeconds,
      bytes: c.bytes,
      rows: c.rows,
      mbPerSecond: c.mbPerSecond,
      rowsPerSecond: c.rowsPerSecond,
    })),
    recommended: rec ? { setting: setting(rec.best.setting), label: rec.best.label, marginPercent: rec.marginPercent, nextBest: rec.next?.label ?? null, withinNoise: rec.withinNoise } : null,
  };
  return JSON.stringify(doc, null, 2) + '\n';
}
