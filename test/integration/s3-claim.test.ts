/**
 * tsdump claims an s3:// prefix with conditional writes (PutObject If-None-Match: *): of two runs
 * started at once into one prefix, exactly one dumps and the other stops naming it, deleting
 * nothing; a server that ignores the condition (s3rver as it is, older S3-compatible servers) still
 * takes the dump, with a warning that the claim is not exclusive there. A claim that fails half-way
 * is removed; a run whose prefix was taken over is told and never puts its marker back.
 */
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finishOutput, prepareOutput, type OutputHold } from '../../src/dump/output.js';
import { s3Store } from '../../src/storage/s3-store.js';
import { connArgs, runCli } from '../support/cli.js';
import { waitFor, whileOneHolds } from '../support/faults.js';
import { startFaultProxy, type FaultProxy, type ProxiedRequest } from '../support/s3-proxy.js';
import { startS3Server, uniqueBucket, type S3TestServer } from '../support/s3-server.js';
import { adminSession, dropDbs, uniqueDb, type AdminSession } from '../support/server.js';

describe('the claim of an s3:// output', () => {
  let admin: AdminSession;
  let s3: S3TestServer;
  let plain: S3TestServer;
  let refusing: S3TestServer;
  const bucket = uniqueBucket('tsdump-claim');
  const db = uniqueDb('s3_claim');

  beforeAll(async () => {
    admin = await adminSession();
    [s3, plain, refusing] = await Promise.all([startS3Server([bucket]), startS3Server([bucket], { conditionalWrites: false }), startS3Server([bucket], { conditionalWrites: 'refused' })]);
    await admin.query(`CREATE DATABASE \`${db}\`; USE \`${db}\`;
      CREATE TABLE a (id INT PRIMARY KEY, v VARCHAR(10)); INSERT INTO a SELECT seq, 'x' FROM seq_1_to_300;`);
  }, 120_000);

  afterAll(async () => {
    await dropDbs(db);
    await Promise.all([s3?.stop(), plain?.stop(), refusing?.stop()]);
    await admin?.close();
  });

  const dump = (server: S3TestServer, prefix: string, extra: string[] = []) =>
    runCli('tsdump', [...connArgs(), '-B', db, '-o', `s3://${bucket}/${prefix}`, '--rows', '100', '-q', ...extra], { env: server.env(), timeoutMs: 120_000 });

  /** `body` with the AWS environment of `server` in process.env (the SDK's credential chain reads it), restored after. */
  async function withEnv<T>(server: S3TestServer, body: () => Promise<T>): Promise<T> {
    const saved = { ...process.env };
    for (const [k, v] of Object.entries(server.env())) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    try {
      return await body();
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
    }
  }

  const storeAt = (prefix: string, endpoint = s3.endpoint) => s3Store({ kind: 's3', bucket, prefix, endpoint, region: 'us-east-1' });

  it('two runs that both found the prefix empty: exactly one claims it, the other stops naming it (in-process)', async () => {
    const [a, b] = [storeAt('race/one'), storeAt('race/one')];
    try {
      const results = await withEnv(s3, () => Promise.allSettled([prepareOutput(a, false, 'a'), prepareOutput(b, false, 'b')]));
      expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      const lost = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')!;
      expect(String((lost.reason as Error).message)).toContain(`output s3://${bucket}/race/one is being claimed by another tsdump (pid ${process.pid} on ${os.hostname()}, started `);
      expect(await s3.keys(bucket, 'race/one/')).toEqual(['race/one/.tsdump-in-progress']);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('a run whose prefix another tsdump took over is told, and its refreshes never put its marker back over the new one (in-process)', async () => {
    const proxy = await startFaultProxy(s3.endpoint);
    const [a, b] = [storeAt('takeover', proxy.endpoint), storeAt('takeover')];
    try {
      await withEnv(s3, async () => {
        const holdA = await prepareOutput(a, false, 'a', undefined, 20);
        // its conditional refreshes succeed while the marker is its own (the ETag read is the one matched)
        const refreshes = () => proxy.log.filter((r) => r.method === 'PUT' && r.url.split('?')[0] === `/${bucket}/takeover/.tsdump-in-progress`).length;
        await waitFor('three refreshes of the marker', () => refreshes() >= 3);
        expect(holdA.lost.aborted).toBe(false);
        // b stands for another host's --overwrite that judged a's marker stale
        const holdB = await prepareOutput(b, true, 'b', undefined, 1e9);
        // a's next refresh finds b's marker (a put of a's that put its own back would leave it refreshing on: timed out here)
        await waitFor("a's refresh telling it the output was taken", () => holdA.lost.aborted, 30_000);
        // (a's refresh may see b's marker arrive before it can read it back: then it can only say 'replaced')
        expect(String((holdA.lost.reason as Error).message)).toMatch(new RegExp(`^output s3://${bucket}/takeover is no longer this dump's: its in-progress marker (is now another tsdump's|was replaced)`));
        await expect(finishOutput(a, holdA)).rejects.toThrow("is no longer this dump's");
        await Promise.all([holdA.release(), holdB.release()]);
      });
      expect(JSON.parse((await s3.getObject(bucket, 'takeover/.tsdump-in-progress')).toString('utf8'))).toMatchObject({ version: 'b' });
    } finally {
      await Promise.all([a.close(), b.close()]);
      await proxy.stop();
    }
  });

  /**
   * `body` with the output `prefix` held through a fault proxy of its own (the marker refreshed every
   * `every` ms, its warnings collected; `onMarker` matches the requests of its marker), finished after.
   */
  async function heldThroughProxy(prefix: string, every: number, body: (h: { proxy: FaultProxy; hold: OutputHold; warnings: string[]; onMarker: (method: string) => (r: ProxiedRequest) => boolean }) => Promise<void>): Promise<string[]> {
    const proxy = await startFaultProxy(s3.endpoint);
    const store = storeAt(prefix, proxy.endpoint);
    const warnings: string[] = [];
    const onMarker = (method: string) => (r: ProxiedRequest) => r.method === method && r.url.split('?')[0] === `/${bucket}/${prefix}/.tsdump-in-progress`;
    try {
      await withEnv(s3, async () => {
        const hold = await prepareOutput(store, false, 'a', (m) => warnings.push(m), every);
        await body({ proxy, hold, warnings, onMarker });
        expect(hold.lost.aborted).toBe(false);
        await finishOutput(store, hold);
      });
      return warnings;
    } finally {
      await store.close();
      await proxy.stop();
    }
  }

  it('a marker left unrefreshed for more than two intervals is told (the dump goes on), and so is the first refresh that works again; a single failed refresh is not (in-process)', async () => {
    // 500 ms refreshes: told at the tick 1.5 s after the last that worked (90 s at the default 30 s)
    const warnings = await heldThroughProxy('refresh-fails', 500, async ({ proxy, warnings, onMarker }) => {
      const puts = () => proxy.log.filter(onMarker('PUT')).length;
      const refuse = (count: number) => proxy.add({ kind: 'status', status: 403, code: 'AccessDenied', count, match: onMarker('PUT') });
      // one refresh refused (AccessDenied: the SDK does not retry it), then two that work: nothing to tell
      refuse(1);
      await waitFor('a refused refresh', () => proxy.injected.status === 1);
      const after = puts();
      await waitFor('two refreshes after it', () => puts() >= after + 2);
      expect(warnings).toEqual([]);
      // four refused in a row (2 s unrefreshed): told once, then told when a refresh works again
      refuse(4);
      await waitFor('the marker refreshed again after four refused puts', () => proxy.injected.status === 5 && warnings.length === 2);
    });
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(new RegExp(`^the in-progress marker of output s3://${bucket}/refresh-fails has not been refreshed for \\d+ s \\(.+\\); the dump goes on and keeps trying: a tsdump --overwrite on another host takes a marker not refreshed for 2 minutes for a killed run's and would replace this dump$`));
    expect(warnings[0]).toMatch(/denied/i);
    expect(warnings[1]).toMatch(new RegExp(`^the in-progress marker of output s3://${bucket}/refresh-fails is refreshed again, after \\d+ s$`));
  });

  it('the marker is refreshed once at once when the hold starts (an --overwrite that deleted a large dump took time since its put), then every interval (in-process)', async () => {
    await heldThroughProxy('refresh-first', 1e9, async ({ proxy, onMarker }) => {
      await waitFor('the refresh at the start of the hold', () => proxy.log.filter(onMarker('GET')).length >= 1, 10_000);
    });
  });

  it('a refresh that hangs is told while it hangs, and queues no others behind it (in-process)', async () => {
    const warnings = await heldThroughProxy('refresh-hangs', 300, async ({ proxy, warnings, onMarker }) => {
      // the next refresh's GET held 3 s by the proxy: ten ticks pass meanwhile
      proxy.add({ kind: 'delay-request', ms: 3_000, count: 1, match: onMarker('GET') });
      await waitFor('the warning while the refresh hangs', () => warnings.length >= 1, 10_000);
      expect(proxy.injected['delay-request']).toBe(1);
      expect(warnings[0]).toMatch(/has not been refreshed for \d+ s \(a refresh is still waiting for the store\)/);
      await waitFor('the refresh done', () => warnings.length === 2, 10_000);
      // no refreshes were queued behind the held one: in the next 600 ms two ticks' worth, not ten queued ones at once
      const gets = () => proxy.log.filter(onMarker('GET')).length;
      const before = gets();
      await new Promise((r) => setTimeout(r, 600));
      expect(gets() - before).toBeLessThanOrEqual(3);
    });
    expect(warnings[1]).toMatch(/is refreshed again, after \d+ s$/);
  });

  it("a refresh racing another run's replace of the marker never leaves its own bytes over the replacement (100 rounds; the store settles a key's writes one at a time, as S3 does)", async () => {
    const [a, b] = [storeAt('refresh-race'), storeAt('refresh-race')];
    const [mine, theirs] = [Buffer.from('{"run":"a"}\n'), Buffer.from('{"run":"b"}\n')];
    try {
      const outcomes = new Map<string, number>();
      await withEnv(s3, async () => {
        for (let round = 0; round < 100; round++) {
          await a.replace('.tsdump-in-progress', mine);
          const [refreshed] = await Promise.all([a.refresh('.tsdump-in-progress', mine), new Promise((r) => setTimeout(r, (round % 10) * 3)).then(() => b.replace('.tsdump-in-progress', theirs))]);
          outcomes.set(refreshed, (outcomes.get(refreshed) ?? 0) + 1);
          expect((await s3.getObject(bucket, 'refresh-race/.tsdump-in-progress')).toString('utf8'), `round ${round}, refresh: ${refreshed}`).toBe(theirs.toString('utf8'));
        }
      });
      // both orders were met: the refresh before the replace, and after it
      expect([...outcomes.keys()].sort()).toEqual(['refreshed', 'replaced']);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('a claim that fails after its first put (the second, which tells whether the server honours the condition) is removed: the next run claims the prefix', async () => {
    const proxy = await startFaultProxy(s3.endpoint);
    let claims = 0;
    proxy.add({ kind: 'status', status: 400, code: 'InvalidRequest', count: 1, match: (r) => r.method === 'PUT' && r.url.includes('.tsdump-in-progress.partial') && ++claims === 2 });
    const failing = storeAt('failed-claim', proxy.endpoint);
    try {
      await withEnv(s3, async () => {
        await expect(prepareOutput(failing, false, 'a')).rejects.toThrow();
        expect(proxy.injected.status).toBe(1);
        expect(await s3.keys(bucket, 'failed-claim/')).toEqual([]);
        const next = storeAt('failed-claim');
        try {
          await (await prepareOutput(next, false, 'b')).release();
        } finally {
          await next.close();
        }
      });
      expect(await s3.keys(bucket, 'failed-claim/')).toEqual(['failed-claim/.tsdump-in-progress']);
    } finally {
      await failing.close();
      await proxy.stop();
    }
  });

  it('two tsdumps --overwrite started at once over an earlier dump: one replaces it, the other exits 2 naming the other run; the dump verifies', async () => {
    const prefix = 'race/over';
    expect((await dump(s3, prefix)).code).toBe(0);
    const runs = await whileOneHolds(admin, () => [dump(s3, prefix, ['--overwrite']), dump(s3, prefix, ['--overwrite'])]);
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
    expect(quiet.stderr).not.toContain('does not honour conditional writes');
  }, 300_000);

  it('a server that answers conditional writes 501 NotImplemented takes the dump: its marker is refreshed by plain puts, the dump completes and verifies', async () => {
    const r = await dump(refusing, 'refused');
    // the refresh before the manifest used to put with If-Match and fail the dump with its 501 after all its data
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`s3://${bucket}/refused does not honour conditional writes (If-None-Match), so the claim of the output is not exclusive`);
    expect(r.stderr).not.toContain('NotImplemented');
    const keys = await refusing.keys(bucket, 'refused/');
    expect(keys).toContain('refused/manifest.json');
    expect(keys.filter((k) => k.includes('.tsdump-in-progress'))).toEqual([]);
    const v = await runCli('tsdump', ['verify', `s3://${bucket}/refused`], { env: refusing.env() });
    expect(v.code, v.stdout + v.stderr).toBe(0);
  }, 300_000);

  it('on a server that answers conditional writes 501, the marker is refreshed: by the run that claimed it, and by a store that learns it at the refresh (in-process)', async () => {
    const marker = 'refreshed/.tsdump-in-progress';
    const [a, b] = [storeAt('refreshed', refusing.endpoint), storeAt('refreshed', refusing.endpoint)];
    try {
      await withEnv(refusing, async () => {
        const hold = await prepareOutput(a, false, 'a', undefined, 1e9);
        const bytes = await refusing.getObject(bucket, marker);
        // each used to put with If-Match, answered 501: every heartbeat failed, the marker went stale
        expect(await a.refresh('.tsdump-in-progress', bytes)).toBe('refreshed');
        expect(await b.refresh('.tsdump-in-progress', bytes)).toBe('refreshed');
        expect(await b.refresh('.tsdump-in-progress', Buffer.from('another run\n'))).toBe('replaced');
        await finishOutput(a, hold);
      });
      expect(await refusing.keys(bucket, 'refreshed/')).toEqual([]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
