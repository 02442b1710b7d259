import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DirectFile } from '../../src/storage/direct-file.js';

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
