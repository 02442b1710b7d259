/**
 * Issue 13 "Done when": the S3 round trip is exact on every type. The whole edge-case corpus of the
 * fidelity suite (test/support/corpus.ts) goes tsdump → s3:// → tsload once, through a real S3 API
 * server started by the test, in several chunks per big table; the checker compares source and copy
 * object by object (content checksums over all columns).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareDatabases, failures, formatReport } from '../support/checker.js';
import { connArgs, runCli } from '../support/cli.js';
import { createCorpus, type CorpusInfo } from '../support/corpus.js';
import { startS3Server, uniqueBucket, type S3TestServer } from '../support/s3-server.js';
import type { AdminSession } from '../support/server.js';
import { adminSession, dropDbs, uniqueDb } from '../support/server.js';

describe('fidelity through S3', () => {
  let admin: AdminSession;
  let corpus: CorpusInfo;
  let s3: S3TestServer;
  const bucket = uniqueBucket('tsfidelity');
  const src = uniqueDb('s3fid_src');
  const dst = uniqueDb('s3fid_dst');

  beforeAll(async () => {
    admin = await adminSession();
    s3 = await startS3Server([bucket]);
    corpus = await createCorpus(admin, src);
  }, 600_000);

  afterAll(async () => {
    await dropDbs(src, dst);
    await s3?.stop();
    await admin?.close();
  });

  it('round-trips the whole corpus through s3:// exactly', async () => {
    const location = `s3://${bucket}/corpus`;
    const dump = await runCli('tsdump', [...connArgs(), '-B', src, '-o', location, '--rows', '5000', '-t', '4'], { env: s3.env(), timeoutMs: 300_000 });
    expect(dump.code, `tsdump failed:\n${dump.stderr}`).toBe(0);
    const keys = await s3.keys(bucket, 'corpus/');
    for (const t of corpus.bigTables.slice(0, 2)) {
      expect(keys.filter((k) => k.includes(`/${t}.`) && /\.\d{6}\.csv$/.test(k)).length, `chunks of ${t}`).toBeGreaterThan(1);
    }
    const verify = await runCli('tsdump', ['verify', location], { env: s3.env() });
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    const load = await runCli('tsload', [...connArgs(), '-d', location, '-B', dst, '-t', '4'], { env: s3.env(), timeoutMs: 300_000 });
    expect(load.code, `tsload failed:\n${load.stderr}`).toBe(0);
    const results = await compareDatabases(admin, src, dst);
    const report = formatReport(results, 's3');
    console.log(report);
    expect(failures(results), report).toEqual([]);
  }, 900_000);
});
