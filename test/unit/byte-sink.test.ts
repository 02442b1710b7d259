import { describe, expect, it } from 'vitest';
import { ByteSink } from '../../src/format/byte-sink.js';

describe('ByteSink', () => {
  const fill = (s: ByteSink, text: string): void => {
    for (const c of Buffer.from(text)) s.byte(c);
  };

  it('never hands out memory that is still in use, and reuses a buffer only once it is given back', () => {
    const s = new ByteSink(16);
    fill(s, 'first');
    const a = s.take();
    fill(s, 'second');
    const b = s.take();
    expect(a.toString()).toBe('first');
    expect(b.buffer).not.toBe(a.buffer);
    s.recycle(a);
    fill(s, 'third'); // written before the recycle took effect: into fresh memory
    const c = s.take();
    expect(c.buffer).not.toBe(a.buffer);
    fill(s, 'fourth');
    const d = s.take();
    expect(d.buffer).toBe(a.buffer);
    expect([b, c, d].map(String)).toEqual(['second', 'third', 'fourth']);
  });

  it('grows past its initial size keeping what was written, and ignores a recycled buffer too small to reuse', () => {
    const s = new ByteSink(4);
    fill(s, 'abc');
    const small = s.take();
    fill(s, 'a longer text than four bytes');
    s.recycle(small);
    const big = s.take();
    expect(big.toString()).toBe('a longer text than four bytes');
    fill(s, 'x');
    expect(s.take().buffer).not.toBe(small.buffer);
  });
});
