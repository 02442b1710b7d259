import { describe, expect, it } from 'vitest';
import { boundsToChunks, integerRanges } from '../../src/dump/chunk-planner.js';
import { rangeCondition } from '../../src/format/key-range.js';
import type { ChunkKey } from '../../src/format/manifest.js';

describe('range conditions', () => {
  const key: ChunkKey = {
    kind: 'primary',
    index: 'PRIMARY',
    columns: [
      { name: 'a', literal: 'number', charset: null },
      { name: 'b`x', literal: 'string', charset: 'utf8mb4' },
    ],
  };
  it('expands tuple bounds into index-friendly OR terms, lower inclusive, upper exclusive', () => {
    expect(rangeCondition(key, ['1', '6162'], ['5', ''])).toBe(
      "(`a` > 1 OR (`a` = 1 AND `b``x` >= _utf8mb4 X'6162')) AND (`a` < 5 OR (`a` = 5 AND `b``x` < _utf8mb4 X''))",
    );
    expect(rangeCondition(key, null, null)).toBeNull();
  });
  it('refuses bound values that are not what their column kind allows (no SQL injection via a manifest)', () => {
    expect(() => rangeCondition(key, ['1 OR 1=1', '00'], null)).toThrow(/invalid number/);
    expect(() => rangeCondition(key, ['1', "zz'"], null)).toThrow(/invalid hex/);
  });
});

describe('integer ranges', () => {
  it('are contiguous, open at both ends, and as many as the rows ask for, whatever the key span', () => {
    const chunks = integerRanges(1n, 10n ** 18n, 10_000, 1_000);
    expect(chunks).toHaveLength(10);
    expect(chunks[0]!.lower).toBeNull();
    expect(chunks.at(-1)!.upper).toBeNull();
    for (let i = 1; i < chunks.length; i++) expect(chunks[i]!.lower).toEqual(chunks[i - 1]!.upper);
  });
  it('handle BIGINT UNSIGNED extremes and negative keys', () => {
    const max = 18446744073709551615n;
    const c = integerRanges(0n, max, 4, 1);
    expect(c).toHaveLength(4);
    expect(BigInt(c[3]!.lower![0]!)).toBeLessThanOrEqual(max);
    const n = integerRanges(-1000n, -1n, 100, 10);
    expect(n.every((x, i) => i === 0 || BigInt(x.lower![0]!) < 0n)).toBe(true);
  });
  it('never make more chunks than keys', () => {
    expect(integerRanges(5n, 7n, 1_000_000, 1)).toHaveLength(3);
    expect(integerRanges(5n, 5n, 100, 1)).toEqual([{ lower: null, upper: null }]);
    expect(boundsToChunks([])).toEqual([{ lower: null, upper: null }]);
  });
});
