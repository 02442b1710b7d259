/**
 * Issue 13 §2: dumps on S3-compatible object storage, against a real S3 API server (s3rver, started by
 * the test on a free port). tsdump -o s3:// → tsdump verify s3:// → tsload -d s3:// is exact (content
 * checksums over all columns); a chunk bigger than a part goes up as a multipart upload; verify
 * catches a flipped byte and a missing object (exit 4, naming the object); the output rules hold for
 * a prefix (non-empty refused, --overwrite replaces our own dump only).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareDatabases, failures, formatReport } from '../support/checker.js';
import { connArgs, runCli } from '../support/cli.js';
import { bigTable } from '../support/faults.js';
import { startS3Server, uniqueBucket, type S3TestServer } from '../support/s3-server.js';
import type { AdminSession } from '../support/server.js';
import { adminSession, uniqueDb } from '../support/server.js';
import { cleanupLoads, createLoadFixture } from './load-fixture.js';

interface ManifestShape {
  databases: { tables: { name: string; chunks: { path: string; bytes: number; prefixes?: { bytes: number; sha256: string[] } }[] }[] }[];
}

describe('dumps on S3', () => {
  let admin: AdminSession;
  let s3: S3TestServer;
  const bucket = uniqueBucket('tsdump');
  const src = uniqueDb('s3_src');
  const targets: string[] = [];

  beforeAll(async () => {
    admin = await adminSession();
    s3 = await startS3Server([bucket]);
    await createLoadFixture(admin, src);
    // ~12 MB in one chunk: more than one 8 MiB part, so it is uploaded multipart
    await bigTable(admin, src, 'big', 60_000, 200);
  }, 300_000);

  afterAll(async () => {
    await cleanupLoads(src, targets, []);
    await s3?.stop();
    await admin?.close();
  });

  const dump = (prefix: string, extra: string[] = []) =>
    runCli('tsdump', [...connArgs(), '-B', src, '-o', `s3://${bucket}/${prefix}`, '-t', '2', '--chunk-size', '16M', '-q', ...extra], { env: s3.env(), timeoutMs: 300_000 });

  it('dump → verify → load through s3:// is exact, the big chunk uploaded in parts', async () => {
    const r = await dump('rt/one');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const keys = await s3.keys(bucket, 'rt/one/');
    expect(keys).toContain('rt/one/manifest.json');
    expect(keys.some((k) => k.endsWith('.partial') || k.endsWith('.tsdump-in-progress'))).toBe(false);
    const manifest = JSON.parse((await s3.getObject(bucket, 'rt/one/manifest.json')).toString()) as ManifestShape;
    const big = manifest.databases[0]!.tables.find((t) => t.name === 'big')!;
    expect(big.chunks.length).toBe(1);
    expect(big.chunks[0]!.bytes).toBeGreaterThan(8 * 1024 * 1024);
    expect(s3.pendingUploads(bucket)).toBe(0);

    const v = await runCli('tsdump', ['verify', `s3://${bucket}/rt/one`], { env: s3.env() });
    expect(v.code, v.stderr + v.stdout).toBe(0);
    expect(v.stdout).toMatch(/^ok: s3:\/\//);

    const dst = uniqueDb('s3_dst');
    targets.push(dst);
    const l = await runCli('tsload', [...connArgs(), '-d', `s3://${bucket}/rt/one`, '-B', dst, '-t', '2'], { env: s3.env(), timeoutMs: 300_000 });
    expect(l.code, l.stderr).toBe(0);
    const results = await compareDatabases(admin, src, dst);
    expect(failures(results), formatReport(results, dst)).toEqual([]);
  }, 600_000);

  it('gzip and SQL through s3:// are exact too', async () => {
    const r = await dump('rt/sqlgz', ['--format', 'sql', '-c', 'gzip', '--rows', '700']);
    expect(r.code, r.stderr).toBe(0);
    const dst = uniqueDb('s3_dst_sqlgz');
    targets.push(dst);
    const l = await runCli('tsload', [...connArgs(), '-d', `s3://${bucket}/rt/sqlgz`, '-B', dst, '-t', '2'], { env: s3.env(), timeoutMs: 300_000 });
    expect(l.code, l.stderr).toBe(0);
    const results = await compareDatabases(admin, src, dst);
    expect(failures(results), formatReport(results, dst)).toEqual([]);
  }, 600_000);

  it('verify s3:// catches a flipped byte and a missing object (exit 4, naming the object)', async () => {
    const prefix = 'rt/damaged';
    expect((await dump(prefix, ['--rows', '700'])).code).toBe(0);
    const keys = await s3.keys(bucket, `${prefix}/`);
    const chunk = keys.find((k) => /parent\.000002\.csv$/.test(k))!;
    const other = keys.find((k) => /comp\.000001\.csv$/.test(k))!;
    const b = await s3.getObject(bucket, chunk);
    b[Math.floor(b.length / 2)] ^= 0x01;
    await s3.putObject(bucket, chunk, b);
    await s3.deleteObject(bucket, other);
    const v = await runCli('tsdump', ['verify', `s3://${bucket}/${prefix}`], { env: s3.env() });
    expect(v.code).toBe(4);
    expect(v.stdout).toMatch(new RegExp(`checksum: ${chunk.slice(prefix.length + 1).replace(/\./g, '\\.')}: sha256 `));
    expect(v.stdout).toMatch(new RegExp(`missing: ${other.slice(prefix.length + 1).replace(/\./g, '\\.')}: file is missing`));
    expect(v.stderr).toMatch(/2 problem\(s\) in s3:\/\//);
  }, 300_000);

  it('the output rules hold for a prefix: non-empty refused, --overwrite replaces only our own dump', async () => {
    const prefix = 'rt/rules';
    expect((await dump(prefix, ['--rows', '5000'])).code).toBe(0);
    const again = await dump(prefix);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/output s3:\/\/.*rt\/rules is not empty/);
    const over = await dump(prefix, ['--overwrite', '--rows', '700']);
    expect(over.code, over.stderr).toBe(0);
    const m = JSON.parse((await s3.getObject(bucket, `${prefix}/manifest.json`)).toString()) as ManifestShape;
    const listed = new Set(['manifest.json', ...m.databases.flatMap((d) => d.tables.flatMap((t) => t.chunks.map((c) => c.path)))]);
    const keys = (await s3.keys(bucket, `${prefix}/`)).map((k) => k.slice(prefix.length + 1));
    // no chunk of the first dump is left behind
    expect(keys.filter((k) => k.endsWith('.csv') && !listed.has(k))).toEqual([]);
    // a foreign object stops an overwrite before anything is deleted
    await s3.putObject(bucket, `${prefix}/notes.txt`, Buffer.from('mine'));
    const refused = await dump(prefix, ['--overwrite']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/notes\.txt/);
    expect(await s3.keys(bucket, `${prefix}/`)).toContain(`${prefix}/manifest.json`);
    // a sibling prefix that merely starts with the same letters is not part of this dump
    await s3.putObject(bucket, `${prefix}-other/x.txt`, Buffer.from('x'));
    const fresh = await dump(`${prefix}-new`);
    expect(fresh.code, fresh.stderr).toBe(0);
  }, 600_000);

  it('tsload bench -d s3:// loads its table from the bucket', async () => {
    const prefix = 'rt/bench';
    const one = await runCli('tsdump', [...connArgs(), '-T', `${src}.parent`, '-o', `s3://${bucket}/${prefix}`, '-q'], { env: s3.env() });
    expect(one.code, one.stderr).toBe(0);
    const r = await runCli('tsload', ['bench', ...connArgs(), '-d', `s3://${bucket}/${prefix}`, '--threads-list', '1', '--statement-sizes', '64K', '--rows-per-transaction-list', '1000', '--repeat', '1', '--warmup', '0', '-q'], { env: s3.env(), timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/parent/);
  }, 300_000);

  it('--s3-endpoint is refused for a local directory', async () => {
    const r = await runCli('tsdump', [...connArgs(), '-B', src, '-o', '/tmp/never-written', '--s3-endpoint', s3.endpoint]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--s3-endpoint is for s3:\/\/ locations/);
  });

});
