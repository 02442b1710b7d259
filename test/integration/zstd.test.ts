/**
 * zstd file compression (`-c zstd`, node:zlib's zstd, in Node >= 22.15): the runtime the suite runs on has
 * it (the CLI children run on process.execPath, the same node), and a zstd dump in both data formats —
 * really zstd frames on disk — verifies offline and loads, in small transactions, into a copy whose every
 * object and every column's content checksum equal the source's.
 */
import { openSync, readFileSync, readSync, closeSync } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareDatabases, failures, formatReport } from '../support/checker.js';
import { REPO_ROOT, connArgs, runCli } from '../support/cli.js';
import type { AdminSession } from '../support/server.js';
import { adminSession, uniqueDb } from '../support/server.js';
import { cleanupLoads, createLoadFixture, dumpFixture } from './load-fixture.js';

/** The part of manifest.json this test reads. */
interface ManifestSlice {
  readonly options: { readonly compression: string };
  readonly databases: readonly { readonly tables: readonly { readonly name: string; readonly chunks: readonly { readonly path: string; readonly rows: number }[] }[] }[];
}

const ZSTD_MAGIC = '28b52ffd'; // a zstd frame starts with 0xFD2FB528, little-endian

function firstBytes(file: string, n: number): string {
  const fd = openSync(file, 'r');
  try {
    const b = Buffer.alloc(n);
    const got = readSync(fd, b, 0, n, 0);
    return b.subarray(0, got).toString('hex');
  } finally {
    closeSync(fd);
  }
}

describe('zstd compression', () => {
  let admin: AdminSession;
  const src = uniqueDb('zstd_src');
  const targets: string[] = [];
  const dumps: string[] = [];

  beforeAll(async () => {
    admin = await adminSession();
    await createLoadFixture(admin, src);
  });

  afterAll(async () => {
    await cleanupLoads(src, targets, dumps);
    await admin?.close();
  });

  it('the runtime the tests and the CLI children run on satisfies engines and has zstd in node:zlib', () => {
    const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
    const min = /^>=(\d+)\.(\d+)$/.exec(pkg.engines.node);
    expect(min, `engines.node is ${pkg.engines.node}`).not.toBeNull();
    const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
    const [wantMajor, wantMinor] = [Number(min![1]), Number(min![2])];
    expect(major > wantMajor || (major === wantMajor && minor >= wantMinor), `vitest runs on Node ${process.version} (${process.execPath}); run the suite with make test, which brings Node 24`).toBe(true);
    expect(typeof zlib.createZstdCompress).toBe('function');
    expect(typeof zlib.createZstdDecompress).toBe('function');
  });

  it('--compress-level: a zstd level 19 and a gzip level 9 dump load with identical content; a level out of range or without -c is refused', async () => {
    for (const [method, level] of [['zstd', '19'], ['gzip', '9']] as const) {
      const dump = await dumpFixture(src, { format: 'csv', gzip: false, extra: ['-c', method, '--compress-level', level] });
      dumps.push(dump);
      const dst = uniqueDb(`zlevel_${method}`);
      targets.push(dst);
      const load = await runCli('tsload', [...connArgs(), '-d', dump, '-B', dst, '-t', '2'], { timeoutMs: 300_000 });
      expect(load.code, `tsload failed:\n${load.stderr}\n${load.stdout}`).toBe(0);
      const results = await compareDatabases(admin, src, dst);
      expect(failures(results), formatReport(results, `${method} level ${level}`)).toEqual([]);
    }
    for (const [args, message] of [
      [['-c', 'zstd', '--compress-level', '20'], /zstd levels are 1 to 19/],
      [['-c', 'gzip', '--compress-level', '10'], /gzip levels are 1 to 9/],
      [['--compress-level', '3'], /needs -c gzip or -c zstd/],
    ] as const) {
      const r = await runCli('tsdump', [...connArgs(), '-B', src, '-o', `/tmp/never-written-${process.pid}`, ...args]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  }, 600_000);

  for (const format of ['csv', 'sql'] as const) {
    it(`a ${format} dump with -c zstd verifies and loads with identical content`, async () => {
      const dump = await dumpFixture(src, { format, gzip: false, extra: ['-c', 'zstd', '--checksum', '--statement-size', '4K'] });
      dumps.push(dump);

      const manifest = JSON.parse(readFileSync(path.join(dump, 'manifest.json'), 'utf8')) as ManifestSlice;
      expect(manifest.options.compression).toBe('zstd');
      const chunks = manifest.databases.flatMap((d) => d.tables.flatMap((t) => t.chunks));
      expect(chunks.length).toBeGreaterThan(5); // --rows 700 splits parent (3000 rows) and comp (1500)
      for (const c of chunks) {
        expect(c.path.endsWith(`.${format}.zst`), c.path).toBe(true);
        expect(firstBytes(path.join(dump, c.path), 4), `${c.path} starts with a zstd frame`).toBe(ZSTD_MAGIC);
      }

      const verify = await runCli('tsdump', ['verify', dump]);
      expect(verify.code, `tsdump verify failed:\n${verify.stderr}\n${verify.stdout}`).toBe(0);

      const dst = uniqueDb(`zstd_${format}`);
      targets.push(dst);
      const load = await runCli('tsload', [...connArgs(), '-d', dump, '-B', dst, '-t', '3', '--rows-per-transaction', '150'], { timeoutMs: 300_000 });
      expect(load.code, `tsload failed:\n${load.stderr}\n${load.stdout}`).toBe(0);
      const results = await compareDatabases(admin, src, dst);
      expect(failures(results), formatReport(results, `zstd ${format}`)).toEqual([]);
      expect(results.filter((r) => r.kind === 'table').length).toBe(5);
    }, 600_000);
  }
});
