import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { alignUp, alignedBuffer } from '../../src/storage/aligned-buffer.js';
import { DirectFile, directReader } from '../../src/storage/direct-file.js';

const dirs: string[] = [];
const tempDir = (base = tmpdir()): string => {
  const d = mkdtempSync(path.join(base, 'tsdump-chunk-file-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Writes `pieces` through a DirectFile and returns what is on disk and whether it went direct. */
async function roundTrip(dir: string, pieces: Buffer[], direct = true): Promise<{ content: Buffer; direct: boolean }> {
  const file = path.join(dir, `f${dirs.length}-${Math.random()}.csv`);
  const f = await DirectFile.create(file, { direct });
  const went = f.isDirect;
  for (const p of pieces) {
    await f.append(p);
    p.fill(0x58); // the caller reuses its buffer at once: the file must hold the bytes as they were
  }
  await f.finish();
  return { content: readFileSync(file), direct: went };
}

describe('DirectFile', () => {
  // sizes around the 4 KiB blocks and the 2 MiB staging buffers, and an empty file
  const cases: [string, number[]][] = [
    ['empty', []],
    ['one byte', [1]],
    ['exactly one block', [4096]],
    ['a block and a byte', [4097]],
    ['exactly one staging buffer', [2 << 20]],
    ['many odd pieces across several staging buffers', [1, 4095, 777_777, 1_048_575, 3_333_333, 5, 2_097_153, 100]],
  ];
  for (const direct of [true, false]) {
    for (const [name, sizes] of cases) {
      it(`writes exactly what it was given (${direct ? 'O_DIRECT where possible' : 'page cache'}): ${name}`, async () => {
        const pieces = sizes.map((n) => randomBytes(n));
        const expected = Buffer.concat(pieces.map((p) => Buffer.from(p)));
        const { content, direct: went } = await roundTrip(tempDir(), pieces, direct);
        if (!direct) expect(went).toBe(false);
        expect(content.length).toBe(expected.length);
        expect(content.equals(expected)).toBe(true);
      });
    }
  }

  it('bypasses the page cache on this machine\'s file system (ext4 and most local file systems)', async () => {
    const { direct } = await roundTrip(tempDir(process.cwd()), [randomBytes(10_000)]);
    const fsType = spawnSync('stat', ['-f', '-c', '%T', process.cwd()]).stdout?.toString().trim();
    if (process.platform === 'linux' && ['ext2/ext3', 'xfs', 'btrfs'].includes(fsType ?? '')) expect(direct).toBe(true);
  });

  it('writes the same bytes on tmpfs (which older kernels refuse O_DIRECT on: then through the page cache)', async (ctx) => {
    const mountPoint = tempDir();
    const mounted = process.platform === 'linux' && process.getuid?.() === 0 && spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', mountPoint]).status === 0;
    if (!mounted) {
      ctx.skip();
      return;
    }
    try {
      const pieces = [randomBytes(3_000_000), randomBytes(12_345)];
      const expected = Buffer.concat(pieces.map((p) => Buffer.from(p)));
      const { content } = await roundTrip(mountPoint, pieces);
      expect(content.equals(expected)).toBe(true);
    } finally {
      spawnSync('umount', [mountPoint]);
    }
  });
});

describe('directReader', () => {
  /** Reads `file` whole: aligned memory in whole blocks (the last read asking for more than is left), then odd reads into plain memory. */
  async function readBack(file: string): Promise<{ aligned: Buffer; odd: Buffer; direct: boolean }> {
    const size = readFileSync(file).length;
    const reader = await directReader(await open(file, 'r'));
    try {
      const buf = alignedBuffer(alignUp(size) + 8192);
      let got = 0;
      for (;;) {
        const n = await reader.read(buf, got, Math.min(64 * 1024, buf.length - got), got);
        if (n === 0) break;
        got += n;
      }
      const direct = reader.isDirect;
      const odd: Buffer[] = [];
      for (let pos = 0; ; ) {
        const piece = Buffer.alloc(1 + ((pos * 13) % 9000));
        const n = await reader.read(piece, 0, piece.length, pos);
        if (n === 0) break;
        odd.push(piece.subarray(0, n));
        pos += n;
      }
      return { aligned: Buffer.from(buf.subarray(0, got)), odd: Buffer.concat(odd), direct };
    } finally {
      await reader.close();
    }
  }

  for (const size of [0, 1, 4095, 4096, 4097, 200_000, 3 * 65536]) {
    it(`reads every byte, aligned or not: ${size} bytes`, async () => {
      const file = path.join(tempDir(process.cwd()), 'r.csv');
      const data = randomBytes(size);
      writeFileSync(file, data);
      const { aligned, odd, direct } = await readBack(file);
      expect(aligned.equals(data)).toBe(true);
      expect(odd.equals(data)).toBe(true);
      const fsType = spawnSync('stat', ['-f', '-c', '%T', process.cwd()]).stdout?.toString().trim();
      if (process.platform === 'linux' && ['ext2/ext3', 'xfs', 'btrfs'].includes(fsType ?? '')) expect(direct).toBe(true);
    });
  }
});
