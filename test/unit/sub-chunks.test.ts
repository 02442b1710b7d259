import { describe, expect, it } from 'vitest';
import { subChunkLines, subChunks, type SubChunk } from '../../src/load/sub-chunks.js';

async function collect(pieces: string[], limits: { rows: number; bytes: number }): Promise<SubChunk[]> {
  async function* source(): AsyncGenerator<Buffer> {
    for (const p of pieces) yield Buffer.from(p);
  }
  const out: SubChunk[] = [];
  for await (const s of subChunks(source(), limits)) out.push(s);
  return out;
}

const text = (s: SubChunk): string => Buffer.concat(s.pieces as Buffer[]).toString();
const lines = (s: SubChunk): string[] => [...subChunkLines(s)].map(String);

describe('sub-chunks', () => {
  it('split at line ends only, whatever the read boundaries, and number lines from 1', async () => {
    const subs = await collect(['a,1\nb', ',2\nc,3\n', 'd,4\ne,5', '\n'], { rows: 2, bytes: 1 << 20 });
    expect(subs.map(text)).toEqual(['a,1\nb,2\n', 'c,3\nd,4\n', 'e,5\n']);
    expect(subs.map((s) => [s.index, s.firstLine, s.lineCount, s.bytes, s.last])).toEqual([[1, 1, 2, 8, false], [2, 3, 2, 8, false], [3, 5, 1, 4, true]]);
    expect(subs.map(lines)).toEqual([['a,1\n', 'b,2\n'], ['c,3\n', 'd,4\n'], ['e,5\n']]);
  });

  it('are the same for the same bytes and limits however the file is read (the resume contract)', async () => {
    const data = Array.from({ length: 200 }, (_, i) => `row ${i},${'x'.repeat(i % 17)}\n`).join('');
    const a = await collect([data], { rows: 7, bytes: 300 });
    const b = await collect(data.match(/[\s\S]{1,13}/g)!, { rows: 7, bytes: 300 });
    expect(b.map(text)).toEqual(a.map(text));
    expect(a.map((s) => [s.firstLine, s.lineCount, s.bytes, s.longest])).toEqual(b.map((s) => [s.firstLine, s.lineCount, s.bytes, s.longest]));
    expect(a.flatMap(lines)).toEqual(data.split(/(?<=\n)/));
    expect(a.every((s) => s.lineCount <= 7 && (s.bytes <= 300 || s.lineCount === 1))).toBe(true);
    expect(a.filter((s) => s.last)).toHaveLength(1);
    expect(a.at(-1)!.last).toBe(true);
  });

  it('respect the byte limit but always take at least one line, and keep a last line without LF', async () => {
    const subs = await collect(['short\n', 'x'.repeat(50) + '\n', 'tail'], { rows: 100, bytes: 20 });
    expect(subs.map(text)).toEqual(['short\n', 'x'.repeat(50) + '\n', 'tail']);
    expect(subs.every((s) => s.lineCount === 1)).toBe(true);
    expect(subs.map((s) => s.longest)).toEqual([{ bytes: 6, line: 1 }, { bytes: 51, line: 2 }, { bytes: 4, line: 3 }]);
    expect(subs.map(lines)).toEqual([['short\n'], ['x'.repeat(50) + '\n'], ['tail']]);
  });

  it('join a line split over many reads, and name the longest line', async () => {
    const subs = await collect(['ab', 'cd', 'ef\ng', 'h\n', 'i'], { rows: 10, bytes: 100 });
    expect(subs.map(lines)).toEqual([['abcdef\n', 'gh\n', 'i']]);
    expect(subs[0]!.longest).toEqual({ bytes: 7, line: 1 });
  });

  it('yield nothing for an empty chunk', async () => {
    expect(await collect([], { rows: 1, bytes: 1 })).toEqual([]);
  });
});
