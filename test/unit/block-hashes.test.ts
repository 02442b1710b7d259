/**
 * Prefix hashes and (older dumps) block hashes (format/block-hashes.ts): computed as bytes pass,
 * checked while a file streams once — no byte of a damaged block, nor any after it, reaches the
 * reader — and the start of a resumed read at a block (sub-chunks from a recorded offset are the
 * same as those of a read from the start; with prefixes the blocks before it are read and checked).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TsError } from '../../src/core/errors.js';
import { StreamHasher, VerifiedSource, blockCount, hashPieces, verifiedStart, type HashKind } from '../../src/format/block-hashes.js';
import { FORMAT_VERSION } from '../../src/format/manifest.js';
import { parseManifest } from '../../src/format/manifest-parse.js';
import type { ByteSource } from '../../src/storage/dump-store.js';
import { FRAME_HEADROOM, SubChunkWindow, subChunks, type SubChunk } from '../../src/load/sub-chunks.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** A source over `data` from `offset`, handing out at most `step` bytes per read. */
function memorySource(data: Buffer, offset = 0, step = 777): ByteSource & { reads: number } {
  let pos = offset;
  const s = {
    reads: 0,
    async read(into: Buffer, at: number, length: number) {
      s.reads++;
      const n = data.copy(into, at, pos, Math.min(data.length, pos + Math.min(length, step)));
      pos += n;
      return n;
    },
    async close() {},
  };
  return s;
}

function file(size: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (i * 7 + (i >> 8)) & 0xff;
  return b;
}

async function readAll(src: ByteSource): Promise<Buffer> {
  const out: Buffer[] = [];
  const buf = Buffer.alloc(1000);
  for (;;) {
    const n = await src.read(buf, 0, buf.length);
    if (n === 0) break;
    out.push(Buffer.from(buf.subarray(0, n)));
  }
  await src.close();
  return Buffer.concat(out);
}

const B = 4096;
const buffers = (): [Buffer, Buffer] => [Buffer.alloc(B), Buffer.alloc(B)];

/** `data` through a StreamHasher of `kind` in pieces of `step` bytes. */
function hashInSteps(kind: 'blocks' | 'prefixes', data: Buffer, step: number): { h: StreamHasher; r: ReturnType<StreamHasher['finish']> } {
  const h = new StreamHasher(B, kind);
  for (let i = 0; i < data.length; i += step) h.update(data.subarray(i, i + step));
  return { h, r: h.finish() };
}

describe('block hashes', () => {
  it('are the sha256 of each block, the last one shorter, however the bytes arrive', async () => {
    const data = file(3 * B + 100);
    const h = new StreamHasher(B, 'blocks');
    for (let i = 0; i < data.length; i += 1000) h.update(data.subarray(i, i + 1000));
    const blocks = h.finish().list;
    expect(blocks.bytes).toBe(B);
    expect(blocks.sha256).toEqual([0, 1, 2, 3].map((i) => sha(data.subarray(i * B, (i + 1) * B))));
    expect(blockCount(data.length, B)).toBe(4);
    expect(new StreamHasher(B, 'blocks').finish().list.sha256).toEqual([]);
    const whole = await hashPieces((async function* () { yield data.subarray(0, 5000); yield data.subarray(5000); })(), { kind: 'blocks', bytes: B });
    expect(whole.sha256).toBe(sha(data));
    expect(whole.list!.sha256).toEqual(blocks.sha256);
    expect((await hashPieces((async function* () { yield data; })(), null)).list).toBeNull();
  });

  it('with the whole-stream hash (first block taken from it): the same block hashes and the file sha256, for any size and pieces', () => {
    for (const size of [0, 1, B - 1, B, B + 1, 2 * B, 3 * B + 5]) {
      const data = file(size);
      for (const step of [1000, B, 3 * B]) {
        const { r } = hashInSteps('blocks', data, step);
        const want = Array.from({ length: blockCount(size, B) }, (_, i) => sha(data.subarray(i * B, (i + 1) * B)));
        expect(r.list.sha256, `${size} bytes in ${step}`).toEqual(want);
        expect(r.sha256, `${size} bytes in ${step}`).toBe(sha(data));
      }
    }
  });

  it('prefix hashes: the sha256 of each prefix ending at a block end, the last the whole file, for any size and pieces (one pass)', async () => {
    for (const size of [0, 1, B - 1, B, B + 1, 2 * B, 3 * B + 5]) {
      const data = file(size);
      for (const step of [1000, B, 3 * B]) {
        const { h, r } = hashInSteps('prefixes', data, step);
        const want = Array.from({ length: blockCount(size, B) }, (_, i) => sha(data.subarray(0, Math.min(size, (i + 1) * B))));
        expect(r.list.sha256, `${size} bytes in ${step}`).toEqual(want);
        expect(r.sha256, `${size} bytes in ${step}`).toBe(sha(data));
        if (size > 0) expect(r.list.sha256.at(-1)).toBe(r.sha256);
        expect(h.finish()).toBe(r);
      }
      const v = await hashPieces((async function* () { yield data.subarray(0, 777); yield data.subarray(777); })(), { kind: 'prefixes', bytes: B });
      expect([v.sha256, v.bytes, v.list!.sha256]).toEqual([sha(data), size, want(data)]);
    }
    function want(data: Buffer): string[] {
      return Array.from({ length: blockCount(data.length, B) }, (_, i) => sha(data.subarray(0, Math.min(data.length, (i + 1) * B))));
    }
  });

  const entryOf = (kind: HashKind) => (data: Buffer) => {
    const h = new StreamHasher(B, kind);
    h.update(data);
    return { path: 'db/t.000001.csv', bytes: data.length, [kind]: h.finish().list };
  };
  for (const kind of ['prefixes', 'blocks'] as const) {
    const entry = entryOf(kind);
    /** A VerifiedSource over `data` from block `first` (the raw source where verifiedStart() says). */
    const verified = (data: Buffer, e: ReturnType<typeof entry>, first: number, skip: number, step = 777) => new VerifiedSource(memorySource(data, verifiedStart(e, first), step), e, first, skip, buffers());
    describe(`${kind}`, () => {
      it('a verified read gives every byte of an intact file, from any block and offset in it', async () => {
        const data = file(5 * B + 17);
        const e = entry(data);
        expect((await readAll(verified(data, e, 0, 0))).equals(data)).toBe(true);
        expect((await readAll(verified(data, e, 2, 100))).equals(data.subarray(2 * B + 100))).toBe(true);
        expect((await readAll(verified(data, e, 5, 17))).length).toBe(0);
        const empty = entry(Buffer.alloc(0));
        expect((await readAll(verified(Buffer.alloc(0), empty, 0, 0))).length).toBe(0);
        expect(verifiedStart(e, 2)).toBe(kind === 'prefixes' ? 0 : 2 * B);
      });

      it('releases nothing of a damaged block nor after it: the reader gets exactly the blocks before it, then the error', async () => {
        const data = file(5 * B + 17);
        const e = entry(data);
        const bad = Buffer.from(data);
        bad[3 * B + 5] ^= 1;
        const src = verified(bad, e, 0, 0);
        const got: Buffer[] = [];
        const buf = Buffer.alloc(300);
        let error: unknown;
        try {
          for (;;) {
            const n = await src.read(buf, 0, buf.length);
            if (n === 0) break;
            got.push(Buffer.from(buf.subarray(0, n)));
          }
        } catch (err) {
          error = err;
        }
        await src.close();
        expect(error).toBeInstanceOf(TsError);
        expect((error as TsError).code).toBe('bad-dump');
        expect((error as TsError).message).toMatch(/^db\/t\.000001\.csv: sha256 of block 4 of 6 \(bytes 12288-16383\) .* differs .*\(the file was changed after the dump\)$/);
        expect((error as TsError).suggestion).toMatch(/untouched copy/);
        expect(Buffer.concat(got).equals(data.subarray(0, 3 * B))).toBe(true);
      });

      it('a read from block k: the bytes from there when intact; damage before block k is refused with prefixes (it is read and checked), unseen with blocks', async () => {
        const data = file(5 * B + 17);
        const e = entry(data);
        const bad = Buffer.from(data);
        bad[B + 5] ^= 1;
        const raw = memorySource(bad, verifiedStart(e, 3), 777);
        const src = new VerifiedSource(raw, e, 3, 10, buffers());
        if (kind === 'prefixes') {
          await expect(readAll(src)).rejects.toThrow(/sha256 of block 2 of 6 \(bytes 4096-8191\) .* differs .*changed after the dump/);
        } else {
          expect((await readAll(src)).equals(data.subarray(3 * B + 10))).toBe(true);
        }
        // in place (whole blocks into the caller's memory): the same
        const inPlace = new VerifiedSource(memorySource(kind === 'prefixes' ? data : bad, verifiedStart(e, 3), B), e, 3, 0, null);
        const into = Buffer.alloc(B);
        const got: Buffer[] = [];
        for (let n; (n = await inPlace.read(into, 0, B)) > 0; ) got.push(Buffer.from(into.subarray(0, n)));
        await inPlace.close();
        expect(Buffer.concat(got).equals(data.subarray(3 * B))).toBe(true);
      });

      it('refuses a truncated and a grown file', async () => {
        const data = file(2 * B + 10);
        const e = entry(data);
        await expect(readAll(verified(data.subarray(0, 2 * B + 3), e, 0, 0))).rejects.toThrow(/ends at byte 8195, the manifest records 8202 bytes \(truncated\)/);
        await expect(readAll(verified(Buffer.concat([data, Buffer.from('x')]), e, 0, 0))).rejects.toThrow(/longer than the 8202 bytes the manifest records/);
        // from block k too
        await expect(readAll(verified(data.subarray(0, 2 * B + 3), e, 1, 0))).rejects.toThrow(/ends at byte 8195, the manifest records 8202 bytes \(truncated\)/);
        await expect(readAll(verified(Buffer.concat([data, Buffer.from('x')]), e, 2, 0))).rejects.toThrow(/longer than the 8202 bytes the manifest records/);
      });

      it('reads one block ahead at most: memory is two blocks whatever the file size', async () => {
        const data = file(50 * B);
        const raw = memorySource(data, 0, B);
        const src = new VerifiedSource(raw, entry(data), 0, 0, buffers());
        const buf = Buffer.alloc(10);
        await src.read(buf, 0, 10);
        await new Promise((r) => setTimeout(r, 20));
        // block 1 handed out, block 2 read ahead (or on its way), nothing more
        expect(raw.reads).toBeLessThanOrEqual(2);
        expect(raw.reads).toBeGreaterThanOrEqual(1);
        await src.close();
      });
    });
  }
});

describe('sub-chunks from a recorded offset', () => {
  const limits = { rows: 7, bytes: 300 };
  const data = Buffer.from(Array.from({ length: 400 }, (_, i) => `row ${i},${'x'.repeat(i % 23)}\n`).join(''));

  async function collect(offset: number, from?: { index: number; lines: number; offset: number }): Promise<SubChunk[]> {
    const out: SubChunk[] = [];
    for await (const s of subChunks(memorySource(data, offset, 97), limits, new SubChunkWindow(), from)) out.push({ ...s, data: Buffer.from(s.data) });
    return out;
  }

  it('end where the next one starts, and a read started at one sub-chunk end gives exactly the rest', async () => {
    const all = await collect(0);
    expect(all.length).toBeGreaterThan(10);
    let at = 0;
    for (const s of all) {
      expect(data.subarray(at, s.end).equals(s.data)).toBe(true);
      at = s.end;
    }
    expect(at).toBe(data.length);
    const k = 6;
    const rest = await collect(all[k - 1]!.end, { index: k, lines: all.slice(0, k).reduce((n, s) => n + s.lineCount, 0), offset: all[k - 1]!.end });
    expect(rest.map((s) => [s.index, s.firstLine, s.lineCount, s.end, s.last, s.data.toString()])).toEqual(all.slice(k).map((s) => [s.index, s.firstLine, s.lineCount, s.end, s.last, s.data.toString()]));
  });
});

describe('sub-chunks read in whole blocks (in place, no copy)', () => {
  const entryOf = (data: Buffer, kind: HashKind = 'prefixes') => {
    const h = new StreamHasher(B, kind);
    h.update(data);
    return { path: 'db/t.000001.csv', bytes: data.length, [kind]: h.finish().list };
  };
  const rowsOf = (n: number, long = 0) => Buffer.from(Array.from({ length: n }, (_, i) => `row ${i},${'x'.repeat(i % 37)}${i === 150 ? 'L'.repeat(long) : ''}\n`).join('') + 'tail,no newline');
  const shape = (subs: SubChunk[]) => subs.map((s) => [s.index, s.firstLine, s.lineCount, s.end, s.last, s.longest, s.data.toString()]);

  async function copied(data: Buffer, limits: { rows: number; bytes: number }, from?: { index: number; lines: number; offset: number }): Promise<SubChunk[]> {
    const out: SubChunk[] = [];
    for await (const s of subChunks(memorySource(data, from?.offset ?? 0, 97), limits, new SubChunkWindow(), from)) out.push({ ...s, data: Buffer.from(s.data) });
    return out;
  }
  async function inPlace(data: Buffer, limits: { rows: number; bytes: number }, from?: { index: number; lines: number; offset: number }, window = new SubChunkWindow(), step = B, kind: HashKind = 'prefixes'): Promise<SubChunk[]> {
    const first = Math.floor((from?.offset ?? 0) / B);
    const e = entryOf(data, kind);
    const src = new VerifiedSource(memorySource(data, verifiedStart(e, first), step), e, first, 0, null);
    expect(src.wholeBlocks).toBe(B);
    const out: SubChunk[] = [];
    try {
      for await (const s of subChunks(src, limits, window, from)) {
        // the statement headroom in front of it is the window's own (sent from there without a copy)
        expect([s.spaced.buffer === s.data.buffer, s.spaced.byteOffset + FRAME_HEADROOM, s.spaced.length - FRAME_HEADROOM]).toEqual([true, s.data.byteOffset, s.data.length]);
        // the view is intact while it is out, whatever is read ahead meanwhile
        const copy = Buffer.from(s.data);
        await new Promise((r) => setImmediate(r));
        expect(s.data.equals(copy)).toBe(true);
        out.push({ ...s, data: copy });
      }
    } finally {
      await src.close();
    }
    return out;
  }

  for (const [name, limits, long] of [
    ['several sub-chunks per block', { rows: 7, bytes: 300 }, 0],
    ['sub-chunks of several blocks', { rows: 1000, bytes: 3 * B + 123 }, 0],
    ['a line longer than the window', { rows: 50, bytes: 2000 }, 5 * B],
    ['the row limit', { rows: 3, bytes: 1 << 20 }, 0],
  ] as const) {
    it(`are those of a copying read, from the start and from any recorded end: ${name}`, async () => {
      const data = rowsOf(600, long);
      const all = await copied(data, limits);
      expect(shape(await inPlace(data, limits))).toEqual(shape(all));
      // reads that hand out less than a block at a time
      expect(shape(await inPlace(data, limits, undefined, new SubChunkWindow(), 1000))).toEqual(shape(all));
      for (const k of [1, 2, Math.floor(all.length / 2), all.length - 1]) {
        if (k < 1 || k >= all.length) continue;
        const from = { index: k, lines: all.slice(0, k).reduce((n, s) => n + s.lineCount, 0), offset: all[k - 1]!.end };
        expect(shape(await inPlace(data, limits, from))).toEqual(shape(all.slice(k)));
        expect(shape(await inPlace(data, limits, from, new SubChunkWindow(), B, 'blocks'))).toEqual(shape(all.slice(k)));
      }
    });
  }

  it('a window used for copying reads, then in place, then copying again gives each chunk its own bytes', async () => {
    const window = new SubChunkWindow();
    const a = rowsOf(300);
    const limits = { rows: 20, bytes: 1500 };
    const want = shape(await copied(a, limits));
    expect(shape(await inPlace(a, limits, undefined, window))).toEqual(want);
    expect(shape(await inPlace(Buffer.from('x,1\ny,2\n'), limits, undefined, window))).toEqual([[1, 1, 2, 8, true, { bytes: 4, line: 1 }, 'x,1\ny,2\n']]);
    expect(shape(await inPlace(a, limits, undefined, window))).toEqual(want);
  });

  for (const kind of ['prefixes', 'blocks'] as const) {
    it(`hand out nothing of a damaged block nor after it (${kind})`, async () => {
      const data = rowsOf(600);
      const e = entryOf(data, kind);
      const bad = Buffer.from(data);
      bad[2 * B + 10] ^= 1;
      const src = new VerifiedSource(memorySource(bad, 0, B), e, 0, 0, null);
      const got: SubChunk[] = [];
      let error: unknown;
      try {
        for await (const s of subChunks(src, { rows: 7, bytes: 300 }, new SubChunkWindow())) got.push({ ...s, data: Buffer.from(s.data) });
      } catch (err) {
        error = err;
      }
      await src.close();
      expect((error as TsError).message).toMatch(/sha256 of block 3 of/);
      expect(got.length).toBeGreaterThan(0);
      expect(got.at(-1)!.end).toBeLessThanOrEqual(2 * B);
    });
  }
});

describe('manifest block hashes', () => {
  const SHA = 'a'.repeat(64);
  const manifest = (blocks: unknown, bytes = 10, prefixes?: unknown): string =>
    JSON.stringify({
      format: 'tsdump',
      formatVersion: FORMAT_VERSION,
      dumpId: 'x',
      snapshot: { mode: 'ftwrl', exact: true },
      session: {},
      options: { format: 'csv', compression: 'none' },
      databases: [
        {
          name: 'db',
          charset: 'utf8mb4',
          collation: 'utf8mb4_general_ci',
          schema: { path: 'db/database.sql', bytes: 1, sha256: SHA },
          objects: [],
          tables: [{ name: 't', schema: { path: 'db/t.table.sql', bytes: 1, sha256: SHA }, rows: 1, columns: [], key: { kind: 'none', columns: [] }, chunks: [{ index: 1, path: 'db/t.000001.csv', bytes, sha256: SHA, rows: 1, blocks, prefixes }] }],
        },
      ],
    });

  it('are optional, and checked when present: block size in range, one hash per block, 64 hex digits each', () => {
    expect(() => parseManifest(manifest(undefined))).not.toThrow();
    expect(() => parseManifest(manifest({ bytes: 65536, sha256: [SHA] }))).not.toThrow();
    expect(() => parseManifest(manifest({ bytes: 65536, sha256: [] }, 0))).not.toThrow();
    expect(() => parseManifest(manifest({ bytes: 65536, sha256: [SHA, SHA] }))).toThrow(/2 block hashes for 10 bytes/);
    expect(() => parseManifest(manifest({ bytes: 1024, sha256: [SHA] }))).toThrow(/block size 1024 is outside/);
    expect(() => parseManifest(manifest({ bytes: 65536, sha256: ['zz'] }))).toThrow(/sha256\[0\]: expected 64 hex digits/);
  });

  it('prefix hashes: the same checks, the last one is the file\'s sha256, and a chunk has prefixes or blocks, not both', () => {
    const OTHER = 'b'.repeat(64);
    expect(() => parseManifest(manifest(undefined, 10, { bytes: 65536, sha256: [SHA] }))).not.toThrow();
    expect(() => parseManifest(manifest(undefined, 0, { bytes: 65536, sha256: [] }))).not.toThrow();
    expect(() => parseManifest(manifest(undefined, 10, { bytes: 65536, sha256: [OTHER] }))).toThrow(/prefixes\.sha256\[0\]: the last prefix hash of db\/t\.000001\.csv differs from its sha256/);
    expect(() => parseManifest(manifest(undefined, 70000, { bytes: 65536, sha256: [OTHER, SHA] }))).not.toThrow();
    expect(() => parseManifest(manifest(undefined, 10, { bytes: 65536, sha256: [SHA, SHA] }))).toThrow(/2 block hashes for 10 bytes/);
    expect(() => parseManifest(manifest(undefined, 10, { bytes: 1024, sha256: [SHA] }))).toThrow(/block size 1024 is outside/);
    expect(() => parseManifest(manifest({ bytes: 65536, sha256: [SHA] }, 10, { bytes: 65536, sha256: [SHA] }))).toThrow(/prefix hashes or block hashes, not both/);
  });
});
