import { TsError } from './errors.js';

const UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** Parses sizes as the mysql tools do: 65536, 64K, 64M, 1G (base 1024, case-insensitive, optional B). */
export function parseSize(text: string, what: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?\s*$/i.exec(text);
  if (!m) {
    throw new TsError({ code: 'usage', message: `${what}: cannot read size '${text}'`, suggestion: 'use a number with an optional K, M or G suffix, e.g. 64M' });
  }
  const n = Math.round(Number(m[1]) * UNITS[(m[2] ?? '').toUpperCase()]!);
  if (!Number.isFinite(n) || n <= 0) {
    throw new TsError({ code: 'usage', message: `${what}: size must be positive, got '${text}'` });
  }
  return n;
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}

/**
 * A whole count with thousands separators (1,234,567). Not toLocaleString: its first call pages in
 * ICU's number-formatting code and data, ≈ 7.5 MiB of resident memory a dump never needed otherwise.
 */
export function formatCount(n: number): string {
  const s = String(Math.trunc(n));
  return s.replace(/\B(?=(\d{3})+$)/g, ',');
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--';
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  if (m < 60) return `${m}m${String(s).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
