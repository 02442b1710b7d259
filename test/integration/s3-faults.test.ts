/**
 * Issue 13 §2, faults on the way to and from S3 (a real S3 API server, and a proxy in the test that
 * injects bounded faults between it and the tools): a reset mid-upload and a 503 storm are retried
 * and the result is exact; a reset mid-download resumes the read where it broke off; a permanent
 * failure mid-upload aborts the multipart upload (nothing visible, nothing left pending); a missing
 * object, a missing bucket and wrong credentials are clear errors naming the object, the bucket and
 * the credential source; a damaged block stops the load before any of its rows; a killed load from
 * S3 resumes exactly, reading the partly loaded chunk once from its start (the prefix hash of the
 * block where it stopped covers the blocks before it) and loading from that block on. A killed dump's
 * incomplete multipart uploads are aborted by the next --overwrite, and nobody else's (a sibling
 * prefix, a name tsdump does not write).
 */
import { CreateMultipartUploadCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { compareDatabases, failures, formatReport } from '../support/checker.js';
import { connArgs, runCli, type CliResult } from '../support/cli.js';
import { bigTable } from '../support/faults.js';
import { startFaultProxy, type FaultProxy, type ProxiedRequest } from '../support/s3-proxy.js';
import { startS3Server, uniqueBucket, type S3TestServer } from '../support/s3-server.js';
import type { AdminSession } from '../support/server.js';
import { adminSession, uniqueDb } from '../support/server.js';
import { cleanupLoads, createLoadFixture } from './load-fixture.js';

const BLOCK = 4 * 1024 * 1024;

describe('S3 faults', () => {
  let admin: AdminSession;
  let s3: S3TestServer;
  let proxy: FaultProxy;
  const bucket = uniqueBucket('tsfault');
  const src = uniqueDb('s3f_src');
  // two chunks bigger than a part, so both threads have a multipart upload in flight
  const twoBig = uniqueDb('s3f_twobig');
  const targets: string[] = [];
  let bigKey = '';

  const isPut = (r: ProxiedRequest): boolean => r.method === 'PUT';
  const isGet = (r: ProxiedRequest): boolean => r.method === 'GET' && !r.url.includes('list-type');

  beforeAll(async () => {
    admin = await adminSession();
    s3 = await startS3Server([bucket]);
    proxy = await startFaultProxy(s3.endpoint);
    await createLoadFixture(admin, src);
    // ~12.5 MB in one chunk: four 4 MiB blocks, two 8 MiB parts
    await bigTable(admin, src, 'big', 60_000, 200);
    await admin.query(`CREATE DATABASE \`${twoBig}\``);
    await bigTable(admin, twoBig, 'one', 100_000, 200);
    await bigTable(admin, twoBig, 'two', 100_000, 200);
    const r = await dump('pristine');
    expect(r.code, r.stderr).toBe(0);
    bigKey = (await s3.keys(bucket, 'pristine/')).find((k) => /big\.000001\.csv$/.test(k))!;
    expect(bigKey).toBeTruthy();
  }, 300_000);

  beforeEach(() => proxy.clear());

  afterAll(async () => {
    await cleanupLoads(src, targets, []);
    await admin?.query(`DROP DATABASE IF EXISTS \`${twoBig}\``);
    await proxy?.stop();
    await s3?.stop();
    await admin?.close();
  });

  function dump(prefix: string, env: Record<string, string | undefined> = s3.env(proxy.endpoint)): Promise<CliResult> {
    return runCli('tsdump', [...connArgs(), '-B', src, '-o', `s3://${bucket}/${prefix}`, '-t', '2', '--chunk-size', '16M', '-q'], { env, timeoutMs: 300_000 });
  }

  function load(prefix: string, dst: string, extra: string[] = [], env = s3.env(proxy.endpoint), onSpawn?: (pid: number) => void): Promise<CliResult> {
    return runCli('tsload', [...connArgs(), '-d', `s3://${bucket}/${prefix}`, '-B', dst, '-t', '2', ...extra], { env, timeoutMs: 300_000, ...(onSpawn ? { onSpawn } : {}) });
  }

  async function expectExact(dst: string): Promise<void> {
    const results = await compareDatabases(admin, src, dst);
    expect(failures(results), formatReport(results, dst)).toEqual([]);
  }

  it('a reset in the middle of an upload is retried; the dump loads exactly', async () => {
    proxy.add({ kind: 'reset-request', afterBytes: 3 * 1024 * 1024, count: 2, match: isPut });
    const r = await dump('reset-up');
    expect(r.code, r.stderr).toBe(0);
    expect(proxy.injected['reset-request']).toBe(2);
    expect(s3.pendingUploads(bucket)).toBe(0);
    const dst = uniqueDb('s3f_resetup');
    targets.push(dst);
    expect((await load('reset-up', dst, [], s3.env())).code).toBe(0);
    await expectExact(dst);
  }, 600_000);

  it('a storm of 503 SlowDown is retried with backoff, on dump and on load', async () => {
    proxy.add({ kind: 'status', status: 503, code: 'SlowDown', count: 6, match: () => true });
    const r = await dump('storm');
    expect(r.code, r.stderr).toBe(0);
    expect(proxy.injected.status).toBe(6);
    proxy.clear();
    proxy.add({ kind: 'status', status: 503, code: 'SlowDown', count: 6, match: () => true });
    const dst = uniqueDb('s3f_storm');
    targets.push(dst);
    const l = await load('storm', dst);
    expect(l.code, l.stderr).toBe(0);
    expect(proxy.injected.status).toBe(6);
    await expectExact(dst);
  }, 600_000);

  it('a reset in the middle of a download goes on from where it broke off', async () => {
    proxy.add({ kind: 'reset-response', afterBytes: 5 * 1024 * 1024 + 123, count: 1, match: (q) => isGet(q) && q.url.includes('big.000001') });
    const dst = uniqueDb('s3f_resetdown');
    targets.push(dst);
    const l = await load('pristine', dst);
    expect(l.code, l.stderr).toBe(0);
    expect(proxy.injected['reset-response']).toBe(1);
    const gets = proxy.log.filter((q) => isGet(q) && q.url.includes('big.000001'));
    expect(gets.map((q) => q.range)).toEqual([undefined, expect.stringMatching(/^bytes=\d+-$/)]);
    // where it broke off: past the start, short of what the proxy had sent (a reset discards what
    // the loader's socket had received and not yet read, so how much arrived depends on the load)
    const from = Number(/bytes=(\d+)-/.exec(gets[1]!.range!)![1]);
    expect(from).toBeGreaterThan(0);
    expect(from).toBeLessThanOrEqual(5 * 1024 * 1024 + 123);
    await expectExact(dst);
  }, 600_000);

  it('a permanent failure mid-upload aborts the multipart upload: nothing visible, nothing pending', async () => {
    proxy.add({ kind: 'status', status: 403, code: 'AccessDenied', count: 1000, match: (q) => isPut(q) && q.url.includes('partNumber=2') });
    const r = await dump('denied');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/access denied to bucket '[^']+' at http:\S+ \(AccessDenied/);
    expect(r.stderr).toMatch(/big\.000001\.csv/);
    expect(proxy.log.some((q) => q.method === 'DELETE' && q.url.includes('uploadId='))).toBe(true);
    expect(s3.pendingUploads(bucket)).toBe(0);
    const keys = await s3.keys(bucket, 'denied/');
    expect(keys.filter((k) => /big\.000001/.test(k) || k.endsWith('manifest.json'))).toEqual([]);
  }, 300_000);

  /**
   * Dumps twoBig into `prefix`, sending `signal` once `ready` holds (by default: both threads have a
   * multipart upload begun), through `endpoint` (default: the server itself).
   */
  async function stopMidUpload(prefix: string, signal: NodeJS.Signals, { ready = () => s3.pendingUploadKeys(bucket).filter((k) => k.startsWith(`${prefix}/`)).length >= 2, endpoint = s3.endpoint } = {}): Promise<CliResult> {
    let sent = false;
    const r = await runCli('tsdump', [...connArgs(), '-B', twoBig, '-o', `s3://${bucket}/${prefix}`, '-t', '2', '--chunk-size', '32M', '-q'], {
      env: s3.env(endpoint),
      timeoutMs: 300_000,
      onSpawn: (pid) => {
        const poll = setInterval(() => {
          if (!sent && ready()) {
            sent = true;
            clearInterval(poll);
            process.kill(pid, signal);
          }
        }, 5);
        setTimeout(() => clearInterval(poll), 240_000);
      },
    });
    expect(sent, `never ready to stop:\n${r.stderr}`).toBe(true);
    return r;
  }

  it("a killed dump's unfinished uploads are aborted by --overwrite; a sibling prefix's and other names' are not", async () => {
    const r = await stopMidUpload('killed', 'SIGKILL');
    expect(r.signal).toBe('SIGKILL');
    const left = s3.pendingUploadKeys(bucket).filter((k) => k.startsWith('killed/'));
    expect(left.length).toBeGreaterThanOrEqual(2);
    // not ours: a dump under a sibling prefix that merely starts with the same letters, and a name tsdump never writes
    for (const Key of [`killed2/${twoBig}/one.000001.csv`, 'killed/notes.bin']) await s3.client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key }));
    const again = await runCli('tsdump', [...connArgs(), '-B', twoBig, '-o', `s3://${bucket}/killed`, '-t', '2', '--chunk-size', '32M', '-q', '--overwrite'], { env: s3.env(), timeoutMs: 300_000 });
    expect(again.code, again.stderr).toBe(0);
    expect(s3.pendingUploadKeys(bucket).filter((k) => k.startsWith('killed'))).toEqual([`killed/notes.bin`, `killed2/${twoBig}/one.000001.csv`]);
  }, 300_000);

  it.each(['SIGINT', 'SIGTERM'] as const)('%s mid-upload: exit 5, and no upload of the run is left unfinished (stored and billed)', async (sig) => {
    const prefix = `stopped-${sig}`;
    const r = await stopMidUpload(prefix, sig);
    expect(r.code, r.stderr).toBe(5);
    expect(s3.pendingUploadKeys(bucket).filter((k) => k.startsWith(`${prefix}/`))).toEqual([]);
    expect((await s3.keys(bucket, `${prefix}/`)).filter((k) => k.endsWith('manifest.json'))).toEqual([]);
  }, 300_000);

  it('SIGINT while the uploads are being begun (CreateMultipartUpload sent, not yet served): none is left unfinished', async () => {
    const prefix = 'stopped-begun';
    const creating = (q: ProxiedRequest): boolean => q.method === 'POST' && q.url.includes(`/${prefix}/`) && /[?&]uploads(=|&|$)/.test(q.url);
    proxy.add({ kind: 'delay-request', ms: 1500, count: 2, match: creating });
    const r = await stopMidUpload(prefix, 'SIGINT', { ready: () => proxy.log.filter(creating).length >= 2, endpoint: proxy.endpoint });
    expect(r.code, r.stderr).toBe(5);
    // the late requests reach the server whatever the run did: wait for them to be served
    expect(proxy.injected['delay-request']).toBe(2);
    for (let i = 0; i < 600 && proxy.lateServed < 2; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(proxy.lateServed).toBe(2);
    expect(s3.pendingUploadKeys(bucket).filter((k) => k.startsWith(`${prefix}/`))).toEqual([]);
  }, 300_000);

  it('a missing object on load: refused before any data, naming the object', async () => {
    const prefix = 'missing';
    expect((await dump(prefix)).code).toBe(0);
    const victim = (await s3.keys(bucket, `${prefix}/`)).find((k) => /parent\.000001\.csv$/.test(k))!;
    await s3.deleteObject(bucket, victim);
    const dst = uniqueDb('s3f_missing');
    targets.push(dst);
    const l = await load(prefix, dst);
    expect(l.code).toBe(6);
    expect(l.stderr).toMatch(/missing: .*parent\.000001\.csv: file is missing/);
  }, 300_000);

  it('no such bucket: a clear error naming the bucket, for dump, verify and load', async () => {
    const d = await runCli('tsdump', [...connArgs(), '-B', src, '-o', 's3://no-such-bucket-here/x', '-q'], { env: s3.env() });
    expect(d.code).toBe(1);
    expect(d.stderr).toMatch(/the bucket 'no-such-bucket-here' does not exist at http:\/\/127\.0\.0\.1:\d+/);
    const v = await runCli('tsdump', ['verify', 's3://no-such-bucket-here/x'], { env: s3.env() });
    expect(v.stderr).toMatch(/the bucket 'no-such-bucket-here' does not exist/);
    const l = await runCli('tsload', [...connArgs(), '-d', 's3://no-such-bucket-here/x'], { env: s3.env() });
    expect(l.code).not.toBe(0);
    expect(l.stderr).toMatch(/the bucket 'no-such-bucket-here' does not exist/);
  });

  it('wrong credentials: access denied, naming the bucket and where the credentials came from, never the secret', async () => {
    const env = { ...s3.env(), AWS_ACCESS_KEY_ID: 'AKWRONGKEY0000001234' };
    const d = await dump('wrong-creds', env);
    expect(d.code).toBe(3);
    expect(d.stderr).toMatch(new RegExp(`access denied to bucket '${bucket}' .*InvalidAccessKeyId.* using credentials from the environment \\(AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY\\), access key …1234`));
    expect(d.stderr).not.toContain(s3.secretAccessKey);
    const l = await runCli('tsload', [...connArgs(), '-d', `s3://${bucket}/pristine`], { env });
    expect(l.code).toBe(3);
    expect(l.stderr).toMatch(/access denied/);
  });

  it('a damaged block stops the load before any of its rows; an intact copy then resumes exactly', async () => {
    const prefix = 'damaged';
    expect((await dump(prefix)).code).toBe(0);
    const key = (await s3.keys(bucket, `${prefix}/`)).find((k) => /big\.000001\.csv$/.test(k))!;
    const good = await s3.getObject(bucket, key);
    const bad = Buffer.from(good);
    bad[2 * BLOCK + 1000] ^= 0x01; // in block 3
    await s3.putObject(bucket, key, bad);
    const dst = uniqueDb('s3f_damaged');
    targets.push(dst);
    const l = await load(prefix, dst, ['-t', '1', '--rows-per-transaction', '2000']);
    expect(l.code).toBe(6);
    expect(l.stderr).toMatch(/big\.000001\.csv: sha256 of block 3 of \d \(bytes 8388608-\d+\) .* differs/);
    // what committed lies wholly in blocks 1-2 (authentic rows), and it is recorded
    const p = await admin.query<{ n: string; e: string | null }>(`SELECT COUNT(*) AS n, MAX(end_offset) AS e FROM tsload_progress.progress WHERE target_db = ? AND tbl = 'big'`, [dst]);
    expect(Number(p[0]!.n)).toBeGreaterThan(0);
    expect(Number(p[0]!.e)).toBeLessThanOrEqual(2 * BLOCK);
    await s3.putObject(bucket, key, good);
    const again = await load(prefix, dst, ['-t', '1', '--rows-per-transaction', '2000']);
    expect(again.code, again.stderr).toBe(0);
    await expectExact(dst);
  }, 600_000);

  it('a load from S3 killed mid-chunk resumes exactly, re-reading that chunk from its start and loading from the block where it stopped', async () => {
    const dst = uniqueDb('s3f_kill');
    targets.push(dst);
    const args = ['-t', '1', '--rows-per-transaction', '1000'];
    let killed = false;
    const first = await load('pristine', dst, args, s3.env(proxy.endpoint), (pid) => {
      const poll = setInterval(() => {
        void admin
          .scalar(`SELECT COUNT(*) FROM tsload_progress.progress WHERE target_db = ? AND tbl = 'big'`, [dst])
          .then((n) => {
            // ≈ 210 KB per sub-chunk: past 25 of them the load is beyond the first 4 MiB block
            if (Number(n) > 25 && !killed) {
              killed = true;
              clearInterval(poll);
              process.kill(pid, 'SIGKILL');
            }
          })
          .catch(() => undefined);
      }, 10);
      setTimeout(() => clearInterval(poll), 240_000);
    });
    expect(first.signal, `not killed mid-chunk:\n${first.stderr}`).toBe('SIGKILL');
    const committed = await admin.query<{ e: string }>(`SELECT MAX(end_offset) AS e FROM tsload_progress.progress WHERE target_db = ? AND tbl = 'big'`, [dst]);
    const resumeAt = Number(committed[0]!.e);
    expect(resumeAt).toBeGreaterThan(BLOCK);
    proxy.clear();
    const second = await load('pristine', dst, args);
    expect(second.code, second.stderr).toBe(0);
    // one read of the chunk from byte 0: the blocks before the one it resumes in are read again to
    // check its prefix hash (their rows are not loaded again: exact, below)
    const gets = proxy.log.filter((q) => isGet(q) && q.url.includes('big.000001'));
    expect(gets.map((q) => q.range)).toEqual([undefined]);
    await expectExact(dst);
  }, 600_000);
});
