import { describe, expect, it } from 'vitest';
import { runTrials } from '../../src/bench/bench-runner.js';
import type { BenchSetting } from '../../src/bench/grid.js';
import { formatRecommendation, formatReport, formatTable, toJson } from '../../src/bench/report.js';
import { median, rank, recommend, summarize } from '../../src/bench/stats.js';

const s = (statementSize: number, threads: number): BenchSetting => ({ statementSize, threads, rowsPerTransaction: null });

describe('bench statistics', () => {
  it('median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('summarizes a cell: median, min–max, throughput from the median', () => {
    const r = summarize({ setting: s(65536, 2), seconds: [2, 4, 3], bytes: 6_000_000, rows: 3000 });
    expect(r).toMatchObject({ label: 'stmt 64K, 2 threads', medianSeconds: 3, minSeconds: 2, maxSeconds: 4, mbPerSecond: 2, rowsPerSecond: 1000 });
  });

  it('ranks best first and states the margin over the next best', () => {
    const a = summarize({ setting: s(65536, 1), seconds: [2.0, 2.2], bytes: 1, rows: 1 });
    const b = summarize({ setting: s(262144, 1), seconds: [1.0, 1.1], bytes: 1, rows: 1 });
    const c = summarize({ setting: s(1048576, 1), seconds: [1.3, 1.2], bytes: 1, rows: 1 });
    const ranked = rank([a, b, c]);
    expect(ranked.map((r) => r.label)).toEqual(['stmt 256K, 1 thread', 'stmt 1M, 1 thread', 'stmt 64K, 1 thread']);
    const rec = recommend(ranked)!;
    expect(rec.best.label).toBe('stmt 256K, 1 thread');
    expect(rec.next?.label).toBe('stmt 1M, 1 thread');
    expect(rec.marginPercent).toBeCloseTo(19.05, 1);
    expect(rec.withinNoise).toBe(false);
    expect(formatRecommendation(rec)).toBe('recommended: stmt 256K, 1 thread (median 1.050 s), 19.0% faster than the next best, stmt 1M, 1 thread');
  });

  it('flags a margin inside run-to-run noise, and handles a single cell', () => {
    const a = summarize({ setting: s(1024, 1), seconds: [1.0, 1.5, 1.1], bytes: 1, rows: 1 });
    const b = summarize({ setting: s(2048, 1), seconds: [1.2, 1.2, 1.4], bytes: 1, rows: 1 });
    const rec = recommend(rank([a, b]))!;
    expect(rec.withinNoise).toBe(true);
    expect(formatRecommendation(rec)).toMatch(/within run-to-run noise/);
    const only = recommend([a])!;
    expect(only.next).toBeNull();
    expect(only.marginPercent).toBeNull();
    expect(formatRecommendation(only)).toMatch(/the only setting tried$/);
    expect(recommend([])).toBeNull();
  });

  it('formats an aligned table', () => {
    const rows = rank([
      summarize({ setting: s(65536, 1), seconds: [2, 2.5], bytes: 10_000_000, rows: 123_456 }),
      summarize({ setting: s(16777216, 16), seconds: [1], bytes: 10_000_000, rows: 123_456 }),
    ]);
    expect(formatTable(rows)).toBe(
      [
        '#  setting               median s    min–max s  MB/s   rows/s',
        '-  --------------------  --------  -----------  ----  -------',
        '1  stmt 16M, 16 threads     1.000  1.000–1.000  10.0  123,456',
        '2  stmt 64K, 1 thread       2.250  2.000–2.500   4.4   54,869',
      ].join('\n'),
    );
  });

  it('JSON carries settings, timings and the recommendation; rows/txn only for loads', () => {
    const results = rank([summarize({ setting: s(65536, 1), seconds: [2], bytes: 5, rows: 1 }), summarize({ setting: { statementSize: 65536, threads: 2, rowsPerTransaction: 100 }, seconds: [1], bytes: 5, rows: 1 })]);
    const report = { tool: 'tsload' as const, table: 'd.t', repeat: 1, warmup: 0, seed: 3, results, recommendation: recommend(results) };
    const doc = JSON.parse(toJson(report)) as { results: { setting: Record<string, number> }[]; recommended: { marginPercent: number; setting: Record<string, number> } };
    expect(doc.results[0]!.setting).toEqual({ statementSize: 65536, threads: 2, rowsPerTransaction: 100 });
    expect(doc.results[1]!.setting).toEqual({ statementSize: 65536, threads: 1 });
    expect(doc.recommended.marginPercent).toBe(100);
    expect(formatReport(report)).toMatch(/^tsload bench of d\.t: 2 settings × 1 run \(seed 3\), best first\n\n#/);
  });
});

describe('bench runner', () => {
  it('runs warm-ups uncounted, then every cell once per repetition, and ranks by median', async () => {
    const cells = [s(1, 1), s(2, 1), s(3, 1)];
    const calls: number[] = [];
    let now = 0;
    // a fake clock: each run of size n takes n "seconds"
    const result = await runTrials(
      { cells, repeat: 2, warmup: 1, seed: 5 },
      async (setting) => {
        calls.push(setting.statementSize);
        now += setting.statementSize;
        return { bytes: setting.statementSize * 100, rows: 10 };
      },
      undefined,
      undefined,
      () => now,
    );
    expect(calls).toHaveLength(7);
    expect(calls.slice(1, 4).sort()).toEqual([1, 2, 3]);
    expect(calls.slice(4).sort()).toEqual([1, 2, 3]);
    expect(result.map((r) => r.setting.statementSize)).toEqual([1, 2, 3]);
    expect(result.map((r) => r.seconds)).toEqual([[1, 1], [2, 2], [3, 3]]);
    expect(result[2]!.bytes).toBe(300);
  });

  it('runs the reset step before every run, outside the timing', async () => {
    let now = 0;
    const steps: string[] = [];
    const result = await runTrials(
      { cells: [s(1, 1)], repeat: 2, warmup: 0, seed: 1 },
      {
        reset: async () => {
          steps.push('reset');
          now += 100;
        },
        run: async () => {
          steps.push('run');
          now += 1;
          return { bytes: 1, rows: 1 };
        },
      },
      undefined,
      undefined,
      () => now,
    );
    expect(steps).toEqual(['reset', 'run', 'reset', 'run']);
    expect(result[0]!.seconds).toEqual([1, 1]);
  });

  it('stops before the next run once aborted', async () => {
    const ac = new AbortController();
    let runs = 0;
    const p = runTrials({ cells: [s(1, 1), s(2, 1)], repeat: 3, warmup: 0, seed: 1 }, async () => {
      if (++runs === 2) ac.abort();
      return { bytes: 1, rows: 1 };
    }, undefined, ac.signal);
    await expect(p).rejects.toThrow(/interrupted/);
    expect(runs).toBe(2);
  });
});
