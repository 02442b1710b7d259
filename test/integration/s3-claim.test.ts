/**
 * tsdump claims an s3:// prefix with conditional writes (PutObject If-None-Match: *): of two runs
 * started at once into one prefix, exactly one dumps and the other stops naming it, deleting
 * nothing; a server that ignores the condition (s3rver as it is, older S3-compatible servers) still
 * takes the dump, with a warning that the claim is not exclusive there.
 */
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareOutput } from '../../src/dump/output.js';
import { s3Store } from '../../src/storage/s3-store.js';
import { connArgs, runCli } from '../support/cli.js';
import { startS3Server, uniqueBucket, type S3TestServer } from '../support/s3-server.js';
import { adminSession, dropDbs, uniqueDb, type AdminSession } from '../support/server.js';

describe('the claim of an s3:// output', () => {
  let admin: AdminSession;
  let s3: S3TestServer;
  let plain: S3TestServer;
  const bucket = uniqueBucket('tsdump-claim');
  const db = uniqueDb('s3_claim');

  beforeAll(async () => {
    admin = await adminSession();
    [s3, plain] = await Promise.all([startS3Server([bucket]), startS3Server([bucket], { conditionalWrites: false })]);
    await admin.query(`CREATE DATABASE \`${db}\`; USE \`${db}\`;
      CREATE TABLE a (id INT PRIMARY KEY, v VARCHAR(10)); INSERT INTO a SELECT seq, 'x' FROM seq_1_to_300;`);
  }, 120_000);

  afterAll(async () => {
    await dropDbs(db);
    await Promise.all([s3?.stop(), plain?.stop()]);
    await admin?.close();
  });

  const dump = (server: S3TestServer, prefix: string, extra: string[] = []) =>
    runCli('tsdump', [...connArgs(), '-B', db, '-o', `s3://${bucket}/${prefix}`, '--rows', '100', '-q', ...extra], { env: server.env(), timeoutMs: 120_000 });

  it('two runs that both found the prefix empty: exactly one claims it, the other stops naming it (in-process)', async () => {
    for (const [k, v] of Object.entries(s3.env())) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    const at = () => s3Store({ kind: 's3', bucket, prefix: 'race/one', endpoint: s3.endpoint, region: 'us-east-1' });
    const [a, b] = [at(), at()];
    try {
      const results = await Promise.allSettled([prepareOutput(a, false, 'a'), prepareOutput(b, false, 'b')]);
      expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      const lost = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')!;
      expect(String((lost.reason as Error).message)).toContain(`output s3://${bucket}/race/one is being claimed by another tsdump (pid ${process.pid} on ${os.hostname()}, started `);
      expect(await s3.keys(bucket, 'race/one/')).toEqual(['race/one/.tsdump-in-progress']);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('two tsdumps --overwrite started at once over an earlier dump: one replaces it, the other exits 2 naming the other run; the dump verifies', async () => {
    const prefix = 'race/over';
    expect((await dump(s3, prefix)).code).toBe(0);
    const runs = await Promise.all([dump(s3, prefix, ['--overwrite']), dump(s3, prefix, ['--overwrite'])]);
    expect(runs.map((r) => r.code).sort(), runs.map((r) => r.stderr).join('\n')).toEqual([0, 2]);
    expect(runs.find((r) => r.code === 2)!.stderr).toMatch(/another tsdump \(pid \d+ on /);
    const v = await runCli('tsdump', ['verify', `s3://${bucket}/${prefix}`], { env: s3.env() });
    expect(v.code, v.stdout + v.stderr).toBe(0);
  }, 300_000);

  it('a server that ignores conditional writes takes the dump, with a warning that the claim is not exclusive there', async () => {
    const r = await dump(plain, 'weak');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`s3://${bucket}/weak does not honour conditional writes (If-None-Match), so the claim of the output is not exclusive`);
    expect(await plain.keys(bucket, 'weak/')).toContain('weak/manifest.json');
    expect((await plain.keys(bucket, 'weak/')).filter((k) => k.includes('.tsdump-in-progress'))).toEqual([]);
    // where the server honours them: no warning
    const quiet = await dump(s3, 'strong');
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stderr).toBe('');
  }, 300_000);
});
