/**
 * Fault injection on the dump side. Every fault must end in a non-zero exit, a message naming the
 * table and chunk, no manifest.json (the mark of a complete dump) and no *.partial files left.
 *
 * The faults hit a private server (not the shared one other test files use). To hit a chunk while
 * it streams without timing guesses, the tsdump process is frozen with SIGSTOP once a chunk's
 * .partial file has data and its SELECT is visible in the processlist, the fault is injected, and
 * the process is resumed with SIGCONT.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli, type CliResult } from '../support/cli.js';
import { bigTable, largestPartial, listFiles, partialFiles, removeTemps, sessionsRunning, signal, tempDir, waitFor } from '../support/faults.js';
import type { AdminSession, ServerHandle } from '../support/server.js';
import { adminSessionOn, startPrivateServer, uniqueDb } from '../support/server.js';

const ROWS = 150_000;
const PAD = 250;

/** A root session on a private fault-test server. */
const adminFor = (handle: ServerHandle): Promise<AdminSession> => adminSessionOn(handle.info);

function expectNoCompleteDump(out: string): void {
  expect(existsSync(path.join(out, 'manifest.json'))).toBe(false);
  expect(partialFiles(out)).toEqual([]);
}

/** Spawns tsdump through a shell that sets RLIMIT_FSIZE (ulimit -f, in KiB) first. */
function runWithFileLimit(kib: number, args: readonly string[]): Promise<CliResult> {
  const script = path.join(REPO_ROOT, 'dist', 'cli', 'tsdump.js');
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.MYSQL_PWD;
  const child = spawn('bash', ['-c', `ulimit -f ${kib}; exec "$0" "$@"`, process.execPath, script, ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      resolve({ code, signal: sig, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

describe('dump faults', () => {
  let server: ServerHandle;
  let admin: AdminSession;
  const db = uniqueDb('fault_dump');

  const conn = (): string[] => ['--no-defaults', '-h', server.info.host, '-P', String(server.info.port), '-u', server.info.user];
  const out = (): string => path.join(tempDir('fault-dump'), 'dump');

  beforeAll(async () => {
    server = await startPrivateServer();
    admin = await adminFor(server);
    await admin.query(`CREATE DATABASE \`${db}\``);
    await bigTable(admin, db, 'big', ROWS, PAD);
    await admin.query(`CREATE TABLE \`${db}\`.small (id INT PRIMARY KEY, v VARCHAR(20)); INSERT INTO \`${db}\`.small VALUES (1,'one'),(2,'two')`);
  }, 300_000);

  afterAll(async () => {
    await admin?.close();
    await server?.destroy();
    removeTemps();
  }, 120_000);

  /**
   * Starts a dump of the big table as one chunk per worker, freezes the process once that chunk
   * streams, runs `inject`, resumes it and returns the result.
   */
  async function freezeMidChunk(dir: string, extra: readonly string[], inject: (pid: number) => Promise<void>): Promise<CliResult> {
    let pid = 0;
    const run = runCli('tsdump', [...conn(), '-T', `${db}.big`, '-o', dir, '-t', '1', '--rows', String(ROWS), '-q', ...extra], {
      env: { MYSQL_PWD: undefined },
      onSpawn: (p) => {
        pid = p;
      },
    });
    try {
      await waitFor('a chunk streaming into its .partial file', () => largestPartial(dir) > 0, 60_000, 5);
      signal(pid, 'SIGSTOP');
      await inject(pid);
    } finally {
      signal(pid, 'SIGCONT');
    }
    return run;
  }

  it('a worker connection killed from the server side mid-chunk: non-zero exit naming table and chunk, no manifest, no partials', async () => {
    const dir = out();
    let killed = 0;
    const r = await freezeMidChunk(dir, [], async () => {
      const running = await waitFor('the chunk SELECT in the processlist', async () => {
        const rows = await sessionsRunning(admin, `FROM \`${db}\`.\`big\``);
        return rows.length > 0 ? rows : undefined;
      });
      for (const row of running) {
        await admin.query(`KILL CONNECTION ${Number(row.ID)}`);
        killed++;
      }
    });
    expect(killed).toBe(1);
    console.log(`killed worker connection:\n${r.stderr}`);
    // a lost connection is reported as a connection error (3); the dump failed either way
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`table ${db}.big`);
    expect(r.stderr).toMatch(/chunk 1/);
    expect(r.stderr).toMatch(/lost connection/i);
    expect(r.stderr).toMatch(/hint: .*run it again with --overwrite/);
    expectNoCompleteDump(dir);
  });

  it("tsdump's idle control and planner sessions killed mid-chunk: exit 1 naming the session that was lost, no manifest, no partials", async () => {
    const dir = out();
    const killed: number[] = [];
    const r = await freezeMidChunk(dir, [], async () => {
      await waitFor('the chunk SELECT in the processlist', async () => ((await sessionsRunning(admin, `FROM \`${db}\`.\`big\``)).length > 0 ? true : undefined));
      const idle = await admin.query<{ ID: string }>("SELECT ID FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() AND COMMAND = 'Sleep'");
      for (const row of idle) {
        await admin.query(`KILL CONNECTION ${Number(row.ID)}`);
        killed.push(Number(row.ID));
      }
    });
    expect(killed.length).toBe(2);
    expect(r.code, r.stderr).toBe(1);
    // it used to say only "lost connection: Can't add new command when connection is in closed state"
    const named = /lost connection: the (control|planner) session \(connection (\d+)\)/.exec(r.stderr);
    expect(named, r.stderr).not.toBeNull();
    expect(killed).toContain(Number(named![2]));
    expect(r.stderr).toMatch(/hint: .*run it again with --overwrite/);
    expectNoCompleteDump(dir);
  });

  it('the server shut down mid-dump: exit non-zero naming table and chunk, no manifest, no partials', async () => {
    const dir = out();
    const r = await freezeMidChunk(dir, [], async () => {
      await waitFor('the chunk SELECT in the processlist', async () => ((await sessionsRunning(admin, `FROM \`${db}\`.\`big\``)).length > 0 ? true : undefined));
      await server.stop();
    });
    await server.start();
    await admin.close();
    admin = await adminFor(server);
    console.log(`server shutdown:\n${r.stderr}`);
    expect(r.code).not.toBe(0);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`table ${db}.big`);
    expect(r.stderr).toMatch(/chunk 1/);
    expectNoCompleteDump(dir);
  });

  it('the server killed (SIGKILL, as by the OOM killer) mid-dump: exit non-zero naming table and chunk, no manifest', async () => {
    const dir = out();
    const r = await freezeMidChunk(dir, [], async () => {
      await waitFor('the chunk SELECT in the processlist', async () => ((await sessionsRunning(admin, `FROM \`${db}\`.\`big\``)).length > 0 ? true : undefined));
      await server.kill();
    });
    await server.start();
    await admin.close();
    admin = await adminFor(server);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`table ${db}.big`);
    expect(r.stderr).toMatch(/chunk 1/);
    expectNoCompleteDump(dir);
    // the data itself is intact after the crash recovery
    expect(Number(await admin.scalar(`SELECT COUNT(*) FROM \`${db}\`.big`))).toBe(ROWS);
  });

  it('the output disk full (a 2 MiB tmpfs): exit 1 with a disk-full message naming table and chunk, no manifest, no partials', async (ctx) => {
    const mountPoint = tempDir('tmpfs');
    const mounted = process.getuid?.() === 0 && spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mountPoint]).status === 0;
    if (!mounted) {
      ctx.skip();
      return;
    }
    try {
      const dir = path.join(mountPoint, 'dump');
      const r = await runCli('tsdump', [...conn(), '-B', db, '-o', dir, '-t', '2', '--rows', '20000', '-q'], { env: { MYSQL_PWD: undefined } });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/disk full/);
      expect(r.stderr).toContain(`table ${db}.big`);
      expect(r.stderr).toMatch(/chunk \d+/);
      expect(r.stderr).toMatch(/hint: free space/);
      expectNoCompleteDump(dir);
    } finally {
      spawnSync('umount', ['-l', mountPoint]);
    }
  });

  it('a file size limit (RLIMIT_FSIZE, EFBIG): exit 1 with a clear message naming table and chunk, no manifest, no partials', async () => {
    const dir = out();
    mkdirSync(path.dirname(dir), { recursive: true });
    // 1 MiB per file; the big table is one ~38 MB chunk
    const r = await runWithFileLimit(1024, [...conn(), '-T', `${db}.big`, '-o', dir, '-t', '1', '--rows', String(ROWS), '-q']);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/file size limit/);
    expect(r.stderr).toContain(`table ${db}.big`);
    expect(r.stderr).toMatch(/chunk 1/);
    expectNoCompleteDump(dir);
  });

  it.each(['SIGINT', 'SIGTERM'] as const)('%s mid-run: exit 5, no manifest, partials cleaned, a message saying how to redo it', async (sig) => {
    const dir = out();
    let pid = 0;
    const run = runCli('tsdump', [...conn(), '-B', db, '-o', dir, '-t', '2', '--rows', '20000', '-q'], {
      env: { MYSQL_PWD: undefined },
      timeoutMs: 60_000,
      onSpawn: (p) => {
        pid = p;
      },
    });
    await waitFor('a chunk streaming', () => largestPartial(dir) > 0, 60_000, 5);
    signal(pid, sig);
    const r = await run;
    // one signal must be enough (the harness sends a second SIGTERM only if it hangs)
    expect(r.stderr.match(/received/g)?.length, r.stderr).toBe(1);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(`${sig} received`);
    expect(r.stderr).toMatch(/interrupted/);
    expectNoCompleteDump(dir);
    // the directory is marked as an unfinished dump, and a rerun with --overwrite completes it
    expect(listFiles(dir)).toContain('.tsdump-in-progress');
    const again = await runCli('tsdump', [...conn(), '-B', db, '-o', dir, '-t', '2', '--rows', '50000', '-q', '--overwrite'], { env: { MYSQL_PWD: undefined } });
    // the server restarts of the earlier cases came before InnoDB recalculated big's statistics in the
    // background: the dump says so, rightly (dump/stale-statistics.ts); nothing else may be said
    expect(again.stderr.replace(/^warning: \S+\.big: information_schema puts this table at .*statistics are stale.*\n/m, '')).toBe('');
    expect(again.code).toBe(0);
    const v = await runCli('tsdump', ['verify', dir]);
    expect(v.code).toBe(0);
  });

  it('FTWRL blocked by a long-running query: fails after --lock-wait-timeout naming the query id, and the server is not stalled', async () => {
    const blocker = await adminFor(server);
    const blockerId = Number(await blocker.scalar('SELECT CONNECTION_ID()'));
    // A running write holds the global intention lock FTWRL must wait for (MariaDB's FTWRL no longer
    // waits for running SELECTs, so a SELECT SLEEP would not block it).
    const sleeping = blocker.query(`UPDATE \`${db}\`.small SET v = SLEEP(60) WHERE id = 1`).catch(() => undefined);
    try {
      await waitFor('the blocking query to run', async () => ((await sessionsRunning(admin, 'SLEEP(60)')).length > 0 ? true : undefined));
      const dir = out();
      const r = await runCli('tsdump', [...conn(), '-B', db, '-o', dir, '--lock-mode', 'ftwrl', '--lock-wait-timeout', '2', '-q'], { env: { MYSQL_PWD: undefined }, timeoutMs: 60_000 });
      expect(r.signal).toBeNull();
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/FLUSH TABLES WITH READ LOCK did not get the lock within 2s/);
      expect(r.stderr).toContain(`query id ${blockerId}`);
      expect(r.stderr).toMatch(/SLEEP\(60\)/);
      // only the blocker is named, not tsdump's own lock statement
      expect(r.stderr).not.toMatch(/query id \d+ \([^)]*\): FLUSH TABLES/);
      expectNoCompleteDump(dir);
      // no FTWRL left waiting, and writes to the table still go through
      expect(await sessionsRunning(admin, 'FLUSH TABLES WITH READ LOCK')).toEqual([]);
      await admin.query('SET SESSION lock_wait_timeout = 10');
      await admin.query(`INSERT INTO \`${db}\`.small VALUES (3, 'three')`);
      expect(Number(await admin.scalar(`SELECT COUNT(*) FROM \`${db}\`.big`))).toBe(ROWS);
      await admin.query(`DELETE FROM \`${db}\`.small WHERE id = 3`);
    } finally {
      await admin.query(`KILL CONNECTION ${blockerId}`).catch(() => undefined);
      await sleeping;
      await blocker.close();
    }
  });
});
