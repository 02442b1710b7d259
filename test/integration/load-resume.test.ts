/**
 * Exactly-once resume: tsload is killed with SIGKILL at random instants (schema, data sub-chunks,
 * commits, index builds, post-data objects) and rerun with the same command until it exits 0; the
 * target must then hold exactly the source content — the keyless table with duplicate rows included.
 * A target changed between runs (table dropped and recreated, another dump) is detected. Each
 * resumed target database keeps the transaction size its own interrupted run recorded.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareDatabases, failures, formatReport } from '../support/checker.js';
import { connArgs, runCli, type CliResult } from '../support/cli.js';
import type { AdminSession } from '../support/server.js';
import { adminSession, uniqueDb } from '../support/server.js';
import { cleanupLoads, createLoadFixture, dumpFixture, tableHash } from './load-fixture.js';

const TABLES = ['parent', 'comp', 'keyless', 'child', 'lat'];

describe('tsload resume after kill -9', () => {
  let admin: AdminSession;
  const src = uniqueDb('load_kill_src');
  const targets: string[] = [];
  let dump = '';
  /** Dumps of more than `src` made by a test itself. */
  const dumps: string[] = [];
  const srcHashes = new Map<string, string>();

  beforeAll(async () => {
    admin = await adminSession();
    await createLoadFixture(admin, src, 2);
    dump = await dumpFixture(src, { format: 'csv', gzip: true, extra: ['--checksum'] });
    for (const t of TABLES) srcHashes.set(t, await tableHash(admin, src, t));
  }, 300_000);

  afterAll(async () => {
    await cleanupLoads(src, targets, [...(dump ? [dump] : []), ...dumps]);
    await admin?.close();
  });

  const loadArgs = (dst: string): string[] => [...connArgs(), '-d', dump, '-B', dst, '-t', '2', '--rows-per-transaction', '25', '--progress', 'plain'];

  async function runKilledAfter(dst: string, delayMs: number): Promise<CliResult> {
    let timer: NodeJS.Timeout | undefined;
    const r = await runCli('tsload', loadArgs(dst), {
      timeoutMs: 300_000,
      onSpawn: (pid) => {
        timer = setTimeout(() => {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            /* already exited */
          }
        }, delayMs);
      },
    });
    clearTimeout(timer);
    return r;
  }

  it('ends with exactly the source content after at least 10 random kills', async () => {
    // reference duration of an uninterrupted run
    const ref = uniqueDb('load_kill_ref');
    targets.push(ref);
    const t0 = Date.now();
    const first = await runCli('tsload', loadArgs(ref), { timeoutMs: 300_000 });
    const duration = Date.now() - t0;
    expect(first.code, first.stderr).toBe(0);

    let kills = 0;
    const points: number[] = [];
    // Rounds go on until at least 10 kills landed (a fast machine finishes some runs before the kill).
    for (let round = 0; kills < 12 && round < 24; round++) {
      const dst = uniqueDb(`load_kill_${round}`);
      targets.push(dst);
      let finished = false;
      for (let attempt = 0; attempt < 40 && !finished; attempt++) {
        const delay = attempt < 6 ? 100 + Math.floor(Math.random() * Math.max(100, duration - 150)) : 600_000;
        const r = await runKilledAfter(dst, delay);
        if (r.signal === 'SIGKILL') {
          kills++;
          points.push(delay);
          continue;
        }
        expect(r.code, `round ${round} attempt ${attempt} failed:\n${r.stderr}`).toBe(0);
        finished = true;
      }
      expect(finished).toBe(true);
      for (const t of TABLES) expect(await tableHash(admin, dst, t), `${dst}.${t} after ${kills} kills`).toBe(srcHashes.get(t));
      const results = await compareDatabases(admin, src, dst);
      expect(failures(results), formatReport(results, dst)).toEqual([]);
    }
    console.log(`resume: ${kills} kill -9 points (ms after start: ${points.join(', ')}), reference run ${duration} ms`);
    expect(kills).toBeGreaterThanOrEqual(10);
  }, 900_000);

  /** Runs tsload with `args` and kill -9s it once more than `after` sub-chunks of `dst` are committed. */
  async function killAfterSubChunks(dst: string, args: string[], after: number): Promise<CliResult> {
    let pidKilled = false;
    return runCli('tsload', args, {
      timeoutMs: 300_000,
      onSpawn: (pid) => {
        const poll = setInterval(() => {
          void admin
            .scalar('SELECT COUNT(*) FROM tsload_progress.progress WHERE target_db = ?', [dst])
            .then((n) => {
              if (Number(n) > after && !pidKilled) {
                pidKilled = true;
                clearInterval(poll);
                process.kill(pid, 'SIGKILL');
              }
            })
            .catch(() => undefined);
        }, 10);
        setTimeout(() => clearInterval(poll), 120_000);
      },
    });
  }

  async function killDuringData(dst: string): Promise<void> {
    const r = await killAfterSubChunks(dst, loadArgs(dst), 3);
    expect(r.signal, `load was not killed mid-data:\n${r.stderr}`).toBe('SIGKILL');
  }

  it('detects a table dropped and recreated between runs', async () => {
    const dst = uniqueDb('load_kill_changed');
    targets.push(dst);
    await killDuringData(dst);
    const create = (await admin.query<Record<string, string>>(`SHOW CREATE TABLE \`${dst}\`.parent`))[0]!['Create Table']!;
    await admin.query(`DROP TABLE \`${dst}\`.parent`);
    await admin.query(`USE \`${dst}\``);
    await admin.query(create);
    const r = await runCli('tsload', loadArgs(dst));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/dropped and recreated|no longer exists/);
    expect(r.stderr).toMatch(/parent/);
  }, 300_000);

  it('detects progress of another dump in the same target', async () => {
    const dst = uniqueDb('load_kill_other');
    targets.push(dst);
    await killDuringData(dst);
    const other = await dumpFixture(src, { format: 'sql', gzip: false });
    try {
      const r = await runCli('tsload', [...connArgs(), '-d', other, '-B', dst]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/another dump/);
    } finally {
      rmSync(path.dirname(other), { recursive: true, force: true });
    }
  }, 300_000);

  it('non-transactional engine: a killed load resumes by deleting unfinished chunk ranges', async () => {
    const dst = uniqueDb('load_kill_myisam');
    targets.push(dst);
    const args = [...loadArgs(dst), '--engine', 'MyISAM'];
    const killed = await killAfterSubChunks(dst, args, 5);
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    const r = await runCli('tsload', args, { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/non-transactional engine MyISAM/);
    for (const t of TABLES) expect(await tableHash(admin, dst, t), `${dst}.${t}`).toBe(srcHashes.get(t));
  }, 300_000);

  it('a resume reuses the recorded transaction size whatever is given on the rerun', async () => {
    const dst = uniqueDb('load_kill_size');
    targets.push(dst);
    await killDuringData(dst);
    const r = await runCli('tsload', [...connArgs(), '-d', dump, '-B', dst, '-t', '3', '--rows-per-transaction', '333', '--progress', 'plain'], { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/resuming with the transaction size of the interrupted run \(25 rows/);
    for (const t of TABLES) expect(await tableHash(admin, dst, t), `${dst}.${t}`).toBe(srcHashes.get(t));
  }, 300_000);

  /** Chunks of `db` with some sub-chunks committed and not the last one: a resume skips those by number. */
  async function partlyLoadedChunks(db: string): Promise<number> {
    const n = await admin.scalar('SELECT COUNT(*) FROM (SELECT 1 FROM tsload_progress.progress WHERE target_db = ? GROUP BY tbl, chunk HAVING MAX(last_sub) = 0) p', [db]);
    return Number(n);
  }

  it('resumes each database with the transaction size of its own interrupted run, and a fresh one with the given size', async () => {
    // One gzip dump of three databases: its chunks are read again from line 1 on a resume, and the
    // committed sub-chunks skipped by number, which is only right when they are cut as before.
    const [srcB, srcC] = [uniqueDb('load_size_srcb'), uniqueDb('load_size_srcc')];
    const [dstA, dstB, dstC] = [uniqueDb('load_size_a'), uniqueDb('load_size_b'), uniqueDb('load_size_c')];
    targets.push(srcB, srcC, dstA, dstB, dstC);
    await createLoadFixture(admin, srcB);
    await createLoadFixture(admin, srcC);
    const multi = await dumpFixture(src, { format: 'csv', gzip: true, extra: ['-B', srcB, '-B', srcC] });
    dumps.push(multi);
    const base = [...connArgs(), '-d', multi, '-t', '2', '--progress', 'plain'];
    const killedA = await killAfterSubChunks(dstA, [...base, '-s', src, '--rename', `${src}=${dstA}`, '--rows-per-transaction', '10'], 3);
    expect(killedA.signal, `load of ${dstA} was not killed mid-data:\n${killedA.stderr}`).toBe('SIGKILL');
    const killedB = await killAfterSubChunks(dstB, [...base, '-s', srcB, '--rename', `${srcB}=${dstB}`, '--rows-per-transaction', '40'], 3);
    expect(killedB.signal, `load of ${dstB} was not killed mid-data:\n${killedB.stderr}`).toBe('SIGKILL');
    expect(await partlyLoadedChunks(dstA), `${dstA}: no chunk committed in part`).toBeGreaterThan(0);
    expect(await partlyLoadedChunks(dstB), `${dstB}: no chunk committed in part`).toBeGreaterThan(0);

    const renames = ['--rename', `${src}=${dstA}`, '--rename', `${srcB}=${dstB}`, '--rename', `${srcC}=${dstC}`];
    const r = await runCli('tsload', [...base, '-s', src, '-s', srcB, '-s', srcC, ...renames, '--rows-per-transaction', '70'], { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`${dstA}: resuming with the transaction size of the interrupted run \\(10 rows`));
    expect(r.stderr).toMatch(new RegExp(`${dstB}: resuming with the transaction size of the interrupted run \\(40 rows`));
    expect(r.stderr).not.toMatch(new RegExp(`${dstC}: resuming`));
    const recorded = await admin.query<{ target_db: string; rows_per_tx: string }>('SELECT CONVERT(target_db USING utf8mb4) AS target_db, rows_per_tx FROM tsload_progress.runs WHERE target_db IN (?, ?, ?) ORDER BY target_db', [dstA, dstB, dstC]);
    expect(Object.fromEntries(recorded.map((x) => [x.target_db, Number(x.rows_per_tx)]))).toEqual({ [dstA]: 10, [dstB]: 40, [dstC]: 70 });
    for (const [from, to] of [[src, dstA], [srcB, dstB], [srcC, dstC]] as const) {
      const results = await compareDatabases(admin, from, to);
      expect(failures(results), formatReport(results, to)).toEqual([]);
    }
  }, 600_000);


  it('a merge killed mid-data resumes only with the --on-duplicate it started with', async () => {
    // The target holds every row of `parent` with another name; a REPLACE merge is killed part-way.
    // Resumed as IGNORE, the rows replaced so far would keep the dump's values and the rest their
    // own: neither merge. The rerun is refused; resumed as REPLACE it ends as the source.
    const dst = uniqueDb('load_kill_merge');
    targets.push(dst);
    const full = await runCli('tsload', loadArgs(dst), { timeoutMs: 300_000 });
    expect(full.code, full.stderr).toBe(0);
    await admin.query('DELETE FROM tsload_progress.runs WHERE target_db = ?', [dst]);
    await admin.query(`UPDATE \`${dst}\`.parent SET name = CONCAT('old ', id)`);
    const merge = (mode: string): string[] => [...loadArgs(dst), '-T', `${src}.parent`, '--no-schema', '--drop-table', 'append', '--on-duplicate', mode];
    const killed = await killAfterSubChunks(dst, merge('replace'), 3);
    expect(killed.signal, `merge was not killed mid-data:\n${killed.stderr}`).toBe('SIGKILL');
    expect(Number(await admin.scalar(`SELECT COUNT(*) FROM \`${dst}\`.parent WHERE name LIKE 'old %'`)), 'the merge replaced every row before the kill').toBeGreaterThan(0);

    const other = await runCli('tsload', merge('ignore'), { timeoutMs: 300_000 });
    expect(other.code, other.stderr).toBe(2);
    expect(other.stderr).toMatch(new RegExp(`database ${dst} holds an unfinished load that ran with --on-duplicate replace; this run asks for --on-duplicate ignore`));
    const resumed = await runCli('tsload', merge('replace'), { timeoutMs: 300_000 });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(await tableHash(admin, dst, 'parent')).toBe(srcHashes.get('parent'));
  }, 300_000);
  it('retries a sub-chunk on a fresh connection when its connection is killed', async () => {
    const dst = uniqueDb('load_kill_conn');
    targets.push(dst);
    let killedConnections = 0;
    let stop = false;
    // A LOAD DATA of 25 rows is over in a millisecond, and `parent` (AUTO_INCREMENT) loads by bulk
    // INSERT: a killer that polls may see none (it did). So `comp` is held locked until a LOAD DATA
    // into it waits there, which is then killed, three times.
    const locker = await adminSession();
    await locker.query('SET SESSION lock_wait_timeout = 5');
    const killer = (async () => {
      while (!stop && killedConnections < 3) {
        const exists = await admin.scalar("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'comp'", [dst]);
        if (exists !== '1' || (await locker.query(`LOCK TABLES \`${dst}\`.comp WRITE`).then(() => false, () => true))) {
          await new Promise((res) => setTimeout(res, 10));
          continue;
        }
        try {
          for (let i = 0; i < 300 && !stop; i++) {
            const rows = await admin
              .query<{ ID: string }>("SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE 'LOAD DATA LOCAL INFILE%' AND INFO LIKE ?", [`%${dst}\`.\`comp%`])
              .catch(() => []);
            if (rows.length > 0) {
              await admin.query(`KILL CONNECTION ${Number(rows[0]!.ID)}`).catch(() => undefined);
              killedConnections++;
              break;
            }
            await new Promise((res) => setTimeout(res, 10));
          }
        } finally {
          await locker.query('UNLOCK TABLES');
        }
      }
    })();
    const r = await runCli('tsload', loadArgs(dst), { timeoutMs: 300_000 });
    stop = true;
    await killer;
    await locker.close();
    expect(r.code, r.stderr).toBe(0);
    expect(killedConnections).toBe(3);
    expect(r.stderr).toMatch(/transient error .* retry 1\/4 on a fresh connection/);
    for (const t of TABLES) expect(await tableHash(admin, dst, t), `${dst}.${t}`).toBe(srcHashes.get(t));
  }, 300_000);
});
