/**
 * Turning trial timings into results: median, min–max, throughput, ranking and the recommendation.
 * Pure. The median (not the mean) ranks cells, so one disturbed run does not decide the winner.
 */
import type { BenchSetting } from './grid.js';
import { settingLabel } from './grid.js';

export interface CellSamples {
  readonly setting: BenchSetting;
  /** Wall seconds of each repetition. */
  readonly seconds: readonly number[];
  /** Bytes and rows moved by one run (the same every repetition). */
  readonly bytes: number;
  readonly rows: number;
}

export interface CellResult {
  readonly setting: BenchSetting;
  readonly label: string;
  readonly seconds: readonly number[];
  readonly medianSeconds: number;
  readonly minSeconds: number;
  readonly maxSeconds: number;
  readonly bytes: number;
  readonly rows: number;
  /** MB = 10^6 bytes, from the median. */
  readonly mbPerSecond: number;
  readonly rowsPerSecond: number;
}

export interface Recommendation {
  readonly best: CellResult;
  /** The runner-up, null when the grid has a single cell. */
  readonly next: CellResult | null;
  /** How much slower the runner-up's median is than the best's, in percent; null without a runner-up. */
  readonly marginPercent: number | null;
  /** The runner-up's fastest run beat the best's slowest: the ranking may be noise. */
  readonly withinNoise: boolean;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function summarize(c: CellSamples): CellResult {
  const med = median(c.seconds);
  const rate = (n: number): number => (med > 0 ? n / med : 0);
  return {
    setting: c.setting,
    label: settingLabel(c.setting),
    seconds: c.seconds,
    medianSeconds: med,
    minSeconds: Math.min(...c.seconds),
    maxSeconds: Math.max(...c.seconds),
    bytes: c.bytes,
    rows: c.rows,
    mbPerSecond: rate(c.bytes) / 1e6,
    rowsPerSecond: rate(c.rows),
  };
}

/** Best (lowest median) first; ties broken by the lower maximum, then by grid order (stable sort). */
export function rank(results: readonly CellResult[]): CellResult[] {
  return [...results].sort((a, b) => a.medianSeconds - b.medianSeconds || a.maxSeconds - b.maxSeconds);
}

/** From results ranked best first. */
export function recommend(ranked: readonly CellResult[]): Recommendation | null {
  const best = ranked[0];
  if (!best) return null;
  const next = ranked[1] ?? null;
  const marginPercent = next === null ? null : best.medianSeconds > 0 ? ((next.medianSeconds - best.medianSeconds) / best.medianSeconds) * 100 : 0;
  return { best, next, marginPercent, withinNoise: next !== null && next.minSeconds <= best.maxSeconds };
}
