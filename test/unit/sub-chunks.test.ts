import { describe, expect, it } from 'vitest';
import { STATEMENT_HEADROOM } from '../../src/load/row-checks.js';
import { FRAME_HEADROOM, SubChunkWindow, streamSource, subChunkLines, subChunks, type SubChunk } from '../../src/load/sub-chunks.js';

/** `framed` and `spaced` are `data` with the 4 / FRAME_HEADROOM bytes before it in the same memory (sent from there without a copy). */
function expectHeadroom(s: SubChunk): void {
  for (const [view, room] of [[s.framed, 4], [s.spaced, FRAME_HEADROOM]] as const) {
    expect(view.buffer).toBe(s.data.buffer);
    expect([view.byteOffset + room, view.length - room]).toEqual([s.data.byteOffset, s.data.length]);
  }
}

async function collect(pieces: string[], limits: { rows: number; bytes: number }, window?: SubChunkWindow): Promise<SubChunk[]> {
  async function* source(): AsyncGenerator<Buffer> {
    for (const p of pieces) yield Buffer.from(p);
  }
  const out: SubChunk[] = [];
  // copy each sub-chunk: its data is a view of the reader's window, valid until the next one
  for await (const s of subChunks(streamSource(source()), limits, window)) {
    expectHeadroom(s);
    out.push({ ...s, data: Buffer.from(s.data) });
  }
  return out;
}

const text = (s: SubChunk): string => s.data.toString();
const lines = (s: SubChunk): string[] => [...subChunkLines(s)].map(String);

describe('sub-chunks', () => {
  it('split at line ends only, whatever the read boundaries, and number lines from 1', async () => {
    const subs = await collect(['a,1\nb', ',2\nc,3\n', 'd,4\ne,5', '\n'], { rows: 2, bytes: 1 << 20 });
    expect(subs.map(text)).toEqual(['a,1\nb,2\n', 'c,3\nd,4\n', 'e,5\n']);
    expect(subs.map((s) => [s.index, s.firstLine, s.lineCount, s.data.length, s.last])).toEqual([[1, 1, 2, 8, false], [2, 3, 2, 8, false], [3, 5, 1, 4, true]]);
    expect(subs.map(lines)).toEqual([['a,1\n', 'b,2\n'], ['c,3\n', 'd,4\n'], ['e,5\n']]);
  });

  it('are the same for the same bytes and limits however the file is read (the resume contract)', async () => {
    const data = Array.from({ length: 200 }, (_, i) => `row ${i},${'x'.repeat(i % 17)}\n`).join('');
    const a = await collect([data], { rows: 7, bytes: 300 });
    const b = await collect(data.match(/[\s\S]{1,13}/g)!, { rows: 7, bytes: 300 });
    expect(b.map(text)).toEqual(a.map(text));
    expect(a.map((s) => [s.firstLine, s.lineCount, s.data.length, s.longest])).toEqual(b.map((s) => [s.firstLine, s.lineCount, s.data.length, s.longest]));
    expect(a.flatMap(lines)).toEqual(data.split(/(?<=\n)/));
    expect(a.every((s) => s.lineCount <= 7 && (s.data.length <= 300 || s.lineCount === 1))).toBe(true);
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

  it('take a line that ends exactly at the byte limit, and cut before one a byte longer', async () => {
    const subs = await collect(['aaaa\nbbbb\ncccc\n', 'ddddd\neeee\n'], { rows: 100, bytes: 10 });
    expect(subs.map(text)).toEqual(['aaaa\nbbbb\n', 'cccc\n', 'ddddd\neeee\n'.slice(0, 6), 'eeee\n']);
    expect(subs.map((s) => [s.firstLine, s.lineCount, s.longest.line])).toEqual([[1, 2, 1], [3, 1, 3], [4, 1, 4], [5, 1, 5]]);
  });

  it('join a line split over many reads, and name the longest line', async () => {
    const subs = await collect(['ab', 'cd', 'ef\ng', 'h\n', 'i'], { rows: 10, bytes: 100 });
    expect(subs.map(lines)).toEqual([['abcdef\n', 'gh\n', 'i']]);
    expect(subs[0]!.longest).toEqual({ bytes: 7, line: 1 });
  });

  it('grow the window for a line longer than it, and never show a reused window\'s old bytes', async () => {
    const window = new SubChunkWindow();
    const long = `${'L'.repeat(3 * 1024 * 1024)}\n`;
    const data = `a\n${long}b\nc\n${long}d`;
    const subs = await collect(data.match(/[\s\S]{1,100000}/g)!, { rows: 2, bytes: 10 }, window);
    expect(subs.map(lines)).toEqual([['a\n'], [long], ['b\n', 'c\n'], [long], ['d']]);
    expect(subs.map((s) => s.firstLine)).toEqual([1, 2, 3, 5, 6]);
    expect(window.buf.length).toBeGreaterThan(long.length);
    // the same window for another chunk: only that chunk's bytes
    expect((await collect(['x\ny'], { rows: 2, bytes: 10 }, window)).map(lines)).toEqual([['x\n', 'y']]);
  });

  it('keep room before each sub-chunk for a statement\'s packet header and the longest --on-duplicate verb', () => {
    expect(FRAME_HEADROOM).toBeGreaterThanOrEqual(STATEMENT_HEADROOM);
  });

  it('yield nothing for an empty chunk', async () => {
    expect(await collect([], { rows: 1, bytes: 1 })).toEqual([]);
  });
});
