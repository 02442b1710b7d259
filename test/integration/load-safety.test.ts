/**
 * A load is exact whatever happens around it: a second loader of the same dump into the same target
 * is refused naming the running one (and a loader that died does not stand in the way).
 */
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connArgs, runCli, type CliResult } from '../support/cli.js';
import { signal, waitFor } from '../support/faults.js';
import type { AdminSession } from '../support/server.js';
import { adminSession, uniqueDb } from '../support/server.js';
import { cleanupLoads, dumpFixture, tableHash } from './load-fixture.js';

const KEYLESS_ROWS = 40_000;

describe('load safety', () => {
  let admin: AdminSession;
  const src = uniqueDb('load_safe_src');
  const targets: string[] = [];
  const dumps: string[] = [];
  let dump = '';
  let sourceHash = '';

  beforeAll(async () => {
    admin = await adminSession();
    const t = `\`${src}\`.keyless`;
    await admin.query(`CREATE DATABASE \`${src}\`; CREATE TABLE ${t} (x INT, y VARCHAR(20), KEY kx (x)) ENGINE=InnoDB`);
    await admin.query(`INSERT INTO ${t} VALUES (1, 'a'), (2, NULL)`);
    for (let have = 2; have < KEYLESS_ROWS; have *= 2) await admin.query(`INSERT INTO ${t} SELECT x + ${have}, CONCAT(IFNULL(y, 'n'), x % 7) FROM ${t} LIMIT ${KEYLESS_ROWS - have}`);
    sourceHash = await tableHash(admin, src, 'keyless');
    dump = await dumpFixture(src, { format: 'csv', gzip: false });
    dumps.push(dump);
  }, 300_000);

  afterAll(async () => {
    await cleanupLoads(src, targets, dumps);
    await admin?.close();
  });

  const loadArgs = (dir: string, dst: string, extra: readonly string[] = []): string[] => [...connArgs(), '-d', dir, '-B', dst, '-t', '2', '--rows-per-transaction', '200', '--progress', 'plain', ...extra];
  const committed = async (dst: string): Promise<number> => Number(await admin.scalar('SELECT COUNT(*) FROM tsload_progress.progress WHERE target_db = ?', [dst]).catch(() => 0));

  /** Starts a load and calls `onRunning` (with its pid) once it has committed a few sub-chunks. */
  async function whileLoading(dst: string, args: string[], onRunning: (pid: number) => Promise<void>): Promise<CliResult> {
    let pid = 0;
    const run = runCli('tsload', args, { timeoutMs: 300_000, onSpawn: (p) => (pid = p) });
    await waitFor('committed sub-chunks', async () => (await committed(dst)) > 3, 120_000, 5);
    try {
      await onRunning(pid);
    } finally {
      signal(pid, 'SIGCONT');
    }
    return run;
  }

  it('a second load of the same dump into the same target while the first runs is refused naming it; the first ends exact', async () => {
    const dst = uniqueDb('load_safe_twice');
    targets.push(dst);
    let second: CliResult | undefined;
    let firstPid = 0;
    const first = await whileLoading(dst, loadArgs(dump, dst), async (pid) => {
      firstPid = pid;
      // frozen, the first loader holds its lock but does nothing: the second cannot overtake it
      signal(pid, 'SIGSTOP');
      second = await runCli('tsload', loadArgs(dump, dst), { timeoutMs: 300_000 });
    });
    expect(second?.code, second?.stderr).toBe(1);
    expect(second?.stderr).toMatch(new RegExp(`database ${dst} is being loaded right now by tsload pid ${firstPid} on host ${os.hostname()}, running since \\d{4}-\\d\\d-\\d\\d`));
    expect(first.code, first.stderr).toBe(0);
    expect(await tableHash(admin, dst, 'keyless')).toBe(sourceHash);
  }, 300_000);

  it('a loader killed with kill -9 does not block the rerun, which ends exact', async () => {
    const dst = uniqueDb('load_safe_killed');
    targets.push(dst);
    const killed = await whileLoading(dst, loadArgs(dump, dst), async (pid) => {
      signal(pid, 'SIGKILL');
    });
    expect(killed.signal).toBe('SIGKILL');
    const again = await runCli('tsload', loadArgs(dump, dst), { timeoutMs: 300_000 });
    expect(again.code, again.stderr).toBe(0);
    expect(await tableHash(admin, dst, 'keyless')).toBe(sourceHash);
  }, 300_000);
});
