import { describe, expect, it } from 'vitest';
import { defaultThreadCounts, expandGrid, mulberry32, parseCountList, parseSizeList, settingLabel, sizeText, trialOrder } from '../../src/bench/grid.js';

describe('bench grid', () => {
  it('default thread counts are 1, 2, cores, 2×cores without duplicates', () => {
    expect(defaultThreadCounts(2)).toEqual([1, 2, 4]);
    expect(defaultThreadCounts(1)).toEqual([1, 2]);
    expect(defaultThreadCounts(8)).toEqual([1, 2, 8, 16]);
  });

  it('parses size and count lists, sorted and deduplicated', () => {
    expect(parseSizeList('64K,256K,1M,16M', 's')).toEqual([65536, 262144, 1048576, 16777216]);
    expect(parseSizeList(' 1M, 64k ,1024K', 's')).toEqual([65536, 1048576]);
    expect(parseCountList('4,1,2,4', 't')).toEqual([1, 2, 4]);
    expect(() => parseCountList('1,0', '--threads-list')).toThrow(/--threads-list: '0'/);
    expect(() => parseSizeList(',', '--statement-sizes')).toThrow(/empty list/);
    expect(() => parseSizeList('64Q', '--statement-sizes')).toThrow(/cannot read size/);
  });

  it('expands the cartesian product; rows per transaction only when given', () => {
    const dump = expandGrid({ statementSizes: [1, 2], threads: [1, 4], rowsPerTransaction: [] });
    expect(dump).toEqual([
      { statementSize: 1, threads: 1, rowsPerTransaction: null },
      { statementSize: 1, threads: 4, rowsPerTransaction: null },
      { statementSize: 2, threads: 1, rowsPerTransaction: null },
      { statementSize: 2, threads: 4, rowsPerTransaction: null },
    ]);
    const load = expandGrid({ statementSizes: [1], threads: [1, 2], rowsPerTransaction: [10, 20, 30] });
    expect(load).toHaveLength(6);
    expect(load[5]).toEqual({ statementSize: 1, threads: 2, rowsPerTransaction: 30 });
  });

  it('visits every cell once per repetition, in a seeded shuffled order', () => {
    const order = trialOrder(5, 3, 42);
    expect(order).toHaveLength(15);
    for (let r = 0; r < 3; r++) {
      const rep = order.slice(r * 5, r * 5 + 5);
      expect(rep.every((t) => t.repetition === r)).toBe(true);
      expect(rep.map((t) => t.cell).sort()).toEqual([0, 1, 2, 3, 4]);
    }
    expect(trialOrder(5, 3, 42)).toEqual(order);
    const orders = new Set([1, 2, 3, 4, 5, 6].map((seed) => JSON.stringify(trialOrder(5, 1, seed).map((t) => t.cell))));
    expect(orders.size).toBeGreaterThan(1);
  });

  it('the PRNG is deterministic and in [0, 1)', () => {
    const a = mulberry32(9);
    const b = mulberry32(9);
    for (let i = 0; i < 1000; i++) {
      const x = a();
      expect(x).toBe(b());
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
  });

  it('labels settings in the spelling users type', () => {
    expect(sizeText(65536)).toBe('64K');
    expect(sizeText(16 * 1024 * 1024)).toBe('16M');
    expect(sizeText(1000)).toBe('1000');
    expect(settingLabel({ statementSize: 262144, threads: 1, rowsPerTransaction: null })).toBe('stmt 256K, 1 thread');
    expect(settingLabel({ statementSize: 1048576, threads: 4, rowsPerTransaction: 10000 })).toBe('stmt 1M, 4 threads, 10000 rows/txn');
  });
});
