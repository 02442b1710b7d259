/**
 * The benchmark grid: which settings to try and in what order. Pure; the runners do the I/O.
 *
 * Every repetition visits every cell once (round-robin), in an order shuffled by a seeded PRNG, so slow
 * drift of the machine (caches warming, other load, thermal throttling) spreads over all settings
 * instead of favouring the ones that happen to run first; the seed makes the order reproducible.
 */
import { TsError } from '../core/errors.js';
import { formatBytes, parseSize } from '../core/sizes.js';

/** One combination of settings. rowsPerTransaction is null for dumps. */
export interface BenchSetting {
  readonly statementSize: number;
  readonly threads: number;
  readonly rowsPerTransaction: number | null;
}

export interface GridDimensions {
  readonly statementSizes: readonly number[];
  readonly threads: readonly number[];
  /** Empty for dumps (the dimension is absent). */
  readonly rowsPerTransaction: readonly number[];
}

/** A trial: run `cell` (an index into the grid) as repetition `repetition` (0-based). */
export interface Trial {
  readonly cell: number;
  readonly repetition: number;
}

export const DEFAULT_STATEMENT_SIZES = '64K,256K,1M,16M';
export const DEFAULT_ROWS_PER_TRANSACTION = '10000,50000';

/** 1, 2, cores, 2×cores — deduplicated and ascending. */
export function defaultThreadCounts(cores: number): number[] {
  return uniqueAscending([1, 2, Math.max(1, cores), Math.max(1, cores) * 2]);
}

export function parseSizeList(text: string, what: string): number[] {
  const parts = splitList(text, what);
  return uniqueAscending(parts.map((p) => parseSize(p, what)));
}

export function parseCountList(text: string, what: string): number[] {
  const parts = splitList(text, what);
  return uniqueAscending(
    parts.map((p) => {
      const n = Number(p);
      if (!Number.isInteger(n) || n <= 0) throw new TsError({ code: 'usage', message: `${what}: '${p}' is not a positive whole number` });
      return n;
    }),
  );
}

/** The cartesian product, statement size varying slowest. */
export function expandGrid(dims: GridDimensions): BenchSetting[] {
  const rows: readonly (number | null)[] = dims.rowsPerTransaction.length > 0 ? dims.rowsPerTransaction : [null];
  const cells: BenchSetting[] = [];
  for (const statementSize of dims.statementSizes) {
    for (const threads of dims.threads) {
      for (const rowsPerTransaction of rows) cells.push({ statementSize, threads, rowsPerTransaction });
    }
  }
  return cells;
}

/** Repetition by repetition, each a seeded shuffle of all cells. */
export function trialOrder(cellCount: number, repeat: number, seed: number): Trial[] {
  const random = mulberry32(seed);
  const trials: Trial[] = [];
  for (let repetition = 0; repetition < repeat; repetition++) {
    const order = Array.from({ length: cellCount }, (_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (const cell of order) trials.push({ cell, repetition });
  }
  return trials;
}

/** A small, well-known 32-bit PRNG: deterministic for a seed, good enough to shuffle. Returns [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** "stmt 256K, 4 threads, 10000 rows/txn" — sizes in the K/M spelling users pass on the command line. */
export function settingLabel(s: BenchSetting): string {
  const parts = [`stmt ${sizeText(s.statementSize)}`, `${s.threads} thread${s.threads === 1 ? '' : 's'}`];
  if (s.rowsPerTransaction !== null) parts.push(`${s.rowsPerTransaction} rows/txn`);
  return parts.join(', ');
}

/** 65536 → 64K, 1048576 → 1M; sizes that are not whole K/M/G fall back to formatBytes. */
export function sizeText(n: number): string {
  for (const [unit, factor] of [['G', 1024 ** 3], ['M', 1024 ** 2], ['K', 1024]] as const) {
    if (n >= factor && n % factor === 0) return `${n / factor}${unit}`;
  }
  return n < 1024 ? String(n) : formatBytes(n);
}

function splitList(text: string, what: string): string[] {
  const parts = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (parts.length === 0) throw new TsError({ code: 'usage', message: `${what}: empty list`, suggestion: 'give comma-separated values, e.g. 64K,1M' });
  return parts;
}

function uniqueAscending(xs: readonly number[]): number[] {
  return [...new Set(xs)].sort((a, b) => a - b);
}
