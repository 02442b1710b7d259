/**
 * The stream hashes of a chunk file on disk (docs/FORMAT.md, "Block hashes"): a new dump records
 * prefix hashes (sha256 of the file up to each 4 MiB block end, the last the file's sha256); a
 * damaged block stops the load before any of its rows, and the resume after an intact copy is put
 * back re-reads and checks the blocks before the one it starts in (damage there is refused too). A
 * dump of the older format (independent block hashes, `blocks`) still loads exactly, is refused
 * when damaged, and `tsdump verify` names the damaged block of either.
 */
import { createHash } from 'node:crypto';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StreamHasher } from '../../src/format/block-hashes.js';
import { compareDatabases, failures, formatReport } from '../support/checker.js';
import { connArgs, runCli, type CliResult } from '../support/cli.js';
import { bigTable, removeTemps, tempDir } from '../support/faults.js';
import type { AdminSession } from '../support/server.js';
import { adminSession, uniqueDb } from '../support/server.js';
import { cleanupLoads } from './load-fixture.js';

const BLOCK = 4 * 1024 * 1024;
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

interface Chunk {
  path: string;
  bytes: number;
  sha256: string;
  prefixes?: { bytes: number; sha256: string[] };
  blocks?: { bytes: number; sha256: readonly string[] };
}
interface ManifestShape {
  databases: { tables: { name: string; chunks: Chunk[] }[] }[];
}

describe('prefix hashes and block hashes of a chunk file', () => {
  let admin: AdminSession;
  const src = uniqueDb('hashes_src');
  const targets: string[] = [];
  let dir = '';

  const manifestOf = (d: string): ManifestShape => JSON.parse(readFileSync(path.join(d, 'manifest.json'), 'utf8')) as ManifestShape;
  const bigChunk = (m: ManifestShape): Chunk => m.databases[0]!.tables.find((t) => t.name === 'big')!.chunks[0]!;

  beforeAll(async () => {
    admin = await adminSession();
    await admin.query(`CREATE DATABASE \`${src}\``);
    // ~12.5 MB in one chunk: four 4 MiB blocks
    await bigTable(admin, src, 'big', 60_000, 200);
    dir = path.join(tempDir('hashes'), 'dump');
    const r = await runCli('tsdump', [...connArgs(), '-B', src, '-o', dir, '-t', '2', '--chunk-size', '16M', '-q'], { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
  }, 300_000);

  afterAll(async () => {
    await cleanupLoads(src, targets, []);
    await admin?.close();
    removeTemps();
  });

  function load(d: string, dst: string): Promise<CliResult> {
    return runCli('tsload', [...connArgs(), '-d', d, '-B', dst, '-t', '1', '--rows-per-transaction', '2000', '--progress', 'none'], { timeoutMs: 300_000 });
  }
  async function expectExact(dst: string): Promise<void> {
    const results = await compareDatabases(admin, src, dst);
    expect(failures(results), formatReport(results, dst)).toEqual([]);
  }
  async function progress(dst: string): Promise<{ n: number; end: number }> {
    const p = await admin.query<{ n: string; e: string | null }>(`SELECT COUNT(*) AS n, MAX(end_offset) AS e FROM tsload_progress.progress WHERE target_db = ? AND tbl = 'big'`, [dst]);
    return { n: Number(p[0]!.n), end: Number(p[0]!.e) };
  }
  /** A copy of the dump with one byte of the big chunk flipped at `at`; returns the copy and the chunk file. */
  function damagedCopy(name: string, at: number, from = dir): { d: string; file: string; good: Buffer } {
    const d = path.join(tempDir(name), 'dump');
    cpSync(from, d, { recursive: true });
    const file = path.join(d, bigChunk(manifestOf(d)).path);
    const good = readFileSync(file);
    const bad = Buffer.from(good);
    bad[at] ^= 0x01;
    writeFileSync(file, bad);
    return { d, file, good };
  }

  it('a new dump records the sha256 of each prefix ending at a block end, the last one the file sha256, and no block hashes', () => {
    const c = bigChunk(manifestOf(dir));
    const data = readFileSync(path.join(dir, c.path));
    expect(data.length).toBeGreaterThan(3 * BLOCK);
    expect(c.blocks).toBeUndefined();
    expect(c.prefixes!.bytes).toBe(BLOCK);
    expect(c.prefixes!.sha256).toEqual(Array.from({ length: Math.ceil(data.length / BLOCK) }, (_, i) => sha(data.subarray(0, Math.min(data.length, (i + 1) * BLOCK)))));
    expect(c.prefixes!.sha256.at(-1)).toBe(c.sha256);
  });

  it('a damaged block stops the load before any of its rows; the resume re-reads and checks the blocks before its own, then loads exactly', async () => {
    const { d, file, good } = damagedCopy('hashes-damaged', 2 * BLOCK + 1000); // in block 3
    const dst = uniqueDb('hashes_damaged');
    targets.push(dst);
    const l = await load(d, dst);
    expect(l.code).toBe(6);
    expect(l.stderr).toMatch(/big\.000001\.csv: sha256 of block 3 of 4 \(bytes 8388608-12582911\) .* differs .*\(the file was changed after the dump\)/);
    expect(l.stderr).toMatch(/untouched copy of the dump/);
    const p = await progress(dst);
    expect(p.n).toBeGreaterThan(0);
    expect(p.end).toBeLessThanOrEqual(2 * BLOCK);
    expect(p.end).toBeGreaterThan(BLOCK); // the resume starts past block 1
    // damage before the block the resume starts in: read, checked and refused; nothing more commits
    const early = Buffer.from(good);
    early[1000] ^= 0x01;
    writeFileSync(file, early);
    const refused = await load(d, dst);
    expect(refused.code).toBe(6);
    expect(refused.stderr).toMatch(/big\.000001\.csv: sha256 of block 1 of 4 \(bytes 0-4194303\) .* differs/);
    expect(await progress(dst)).toEqual(p);
    writeFileSync(file, good);
    const again = await load(d, dst);
    expect(again.code, again.stderr).toBe(0);
    await expectExact(dst);
  }, 600_000);

  it('a damaged block of a compressed chunk stops the load with the same refusal, not a crash', async () => {
    const gz = path.join(tempDir('hashes-gz'), 'dump');
    const r = await runCli('tsdump', [...connArgs(), '-B', src, '-o', gz, '-t', '2', '--chunk-size', '16M', '-c', 'gzip', '-q'], { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    const { d } = damagedCopy('hashes-gz-damaged', 1000, gz);
    const dst = uniqueDb('hashes_gz');
    targets.push(dst);
    const l = await load(d, dst);
    expect(l.stderr).not.toMatch(/Unhandled 'error' event/);
    expect(l.code, l.stderr).toBe(6);
    expect(l.stderr).toMatch(/big\.000001\.csv\.gz: sha256 of block 1 of \d+ \(bytes 0-\d+\) .* differs/);
  }, 300_000);

  it('a dump of the older format (independent block hashes) still loads exactly, is refused when damaged, and verify names the block', async () => {
    const old = path.join(tempDir('hashes-old'), 'dump');
    cpSync(dir, old, { recursive: true });
    const m = manifestOf(old);
    for (const t of m.databases[0]!.tables) {
      for (const c of t.chunks) {
        const h = new StreamHasher(BLOCK, 'blocks');
        h.update(readFileSync(path.join(old, c.path)));
        delete c.prefixes;
        c.blocks = h.finish().list;
      }
    }
    writeFileSync(path.join(old, 'manifest.json'), JSON.stringify(m, null, 1) + '\n');
    expect((await runCli('tsdump', ['verify', old])).code).toBe(0);
    const dst = uniqueDb('hashes_old');
    targets.push(dst);
    const l = await load(old, dst);
    expect(l.code, l.stderr).toBe(0);
    await expectExact(dst);

    const { d } = damagedCopy('hashes-old-damaged', 3 * BLOCK + 10, old); // in block 4
    const bad = uniqueDb('hashes_old_bad');
    targets.push(bad);
    const r = await load(d, bad);
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/big\.000001\.csv: sha256 of block 4 of 4 \(bytes 12582912-\d+\) .* differs .*\(the file was changed after the dump\)/);
    expect((await progress(bad)).end).toBeLessThanOrEqual(3 * BLOCK);
    const v = await runCli('tsdump', ['verify', d]);
    expect(v.code).not.toBe(0);
    expect(v.stdout + v.stderr).toMatch(/big\.000001\.csv.*content changed, from block 4 of 4 \(bytes 12582912-\d+\) on/);
  }, 600_000);

  it('tsdump verify names the first damaged block of a new dump', async () => {
    const { d } = damagedCopy('hashes-verify', BLOCK + 7); // in block 2
    const v = await runCli('tsdump', ['verify', d]);
    expect(v.code).not.toBe(0);
    expect(v.stdout + v.stderr).toMatch(/big\.000001\.csv.*content changed, from block 2 of 4 \(bytes 4194304-8388607\) on/);
  });
});
