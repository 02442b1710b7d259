/**
 * Issue 14: restoring another tool's dump (a mariadb-dump file, a mydumper directory) is as safe as
 * restoring ours. A second import into the same target while one runs is refused naming it; SIGTERM
 * stops an import at once, whatever its sessions wait for (rows or an index build), leaving no
 * session of it on the server, and the rerun is exact; --statement-timeout kills a batch that makes
 * no progress; --restore-test loads into scratch databases, verifies, and drops them whatever the
 * outcome.
 *
 * The imports run as an account of their own, so "no session of ours left" is a processlist query
 * by user that no other session of the suite can disturb.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MYDUMPER_NO_LOCKS, runCli, type CliResult } from '../support/cli.js';
import { signal, waitFor } from '../support/faults.js';
import type { AdminSession } from '../support/server.js';
import { adminSession, dropDbs, testServer, uniqueDb } from '../support/server.js';

const ROWS = 100_000;
const HAVE_MYDUMPER = spawnSync('mydumper', ['--version'], { encoding: 'utf8' }).status === 0;

describe('import safety', () => {
  let admin: AdminSession;
  const src = uniqueDb('imp_safe_src');
  const user = `imp_safe_${src.slice(-8)}`;
  const password = `pw-${src.slice(-8)}`;
  const targets: string[] = [];
  let dir: string;
  let file: string;
  let sourceSum = '';

  /** mariadb-dump of the source, as root; small extended INSERTs, so the file holds a few hundred of them. */
  function mariadbDump(args: readonly string[], out: string): void {
    const s = testServer();
    const fd = openSync(out, 'w');
    try {
      const r = spawnSync('mariadb-dump', ['--no-defaults', '-h', s.host, '-P', String(s.port), '-u', s.user, '--net-buffer-length=16384', ...args], { stdio: ['ignore', fd, 'pipe'], env: { ...process.env, MYSQL_PWD: s.password }, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`mariadb-dump failed: ${r.stderr}`);
    } finally {
      closeSync(fd);
    }
  }

  beforeAll(async () => {
    admin = await adminSession();
    await admin.query(`CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'; GRANT ALL PRIVILEGES ON *.* TO '${user}'@'%'`);
    const t = `\`${src}\`.t`;
    await admin.query(`CREATE DATABASE \`${src}\`; CREATE TABLE ${t} (id INT NOT NULL PRIMARY KEY, n INT NOT NULL, pad VARCHAR(40) NOT NULL, KEY kn (n)) ENGINE=InnoDB`);
    await admin.query(`INSERT INTO ${t} SELECT seq, seq % 977, REPEAT(CHAR(97 + seq % 26), 10 + seq % 30) FROM \`${src}\`.seq_1_to_${ROWS}`);
    sourceSum = await checksum(src);
    dir = mkdtempSync(path.join(os.tmpdir(), 'tsload-import-safety-'));
    file = path.join(dir, 'one.sql');
    // a one-database dump without --databases: the file does not name its database
    mariadbDump([src], file);
  }, 300_000);

  afterAll(async () => {
    await dropDbs(src, ...targets);
    await admin?.query(`DROP USER IF EXISTS '${user}'@'%'`);
    if (dir) rmSync(dir, { recursive: true, force: true });
    await admin?.close();
  });

  async function checksum(db: string): Promise<string> {
    const r = await admin.query<{ Checksum: string | null }>(`CHECKSUM TABLE \`${db}\`.t`);
    return String(r[0]!.Checksum);
  }
  const args = (dst: string, extra: readonly string[] = []): string[] => {
    const s = testServer();
    return ['--no-defaults', '-h', s.host, '-P', String(s.port), '-u', user, '-d', file, '-B', dst, '-t', '2', '--rows-per-transaction', '1', '--progress', 'plain', ...extra];
  };
  const load = (dst: string, extra: readonly string[] = [], onSpawn?: (pid: number) => void): Promise<CliResult> => runCli('tsload', args(dst, extra), { env: { MYSQL_PWD: password }, timeoutMs: 120_000, onSpawn });
  const committed = async (dst: string): Promise<number> => Number(await admin.scalar('SELECT COUNT(*) FROM tsload_progress.progress WHERE target_db = ?', [dst]).catch(() => 0));
  const tableExists = async (db: string): Promise<boolean> => Number(await admin.scalar("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 't'", [db])) > 0;
  /** The importer's sessions on the server (it connects as its own account). */
  const ours = async (): Promise<{ ID: number; STATE: string | null; INFO: string | null }[]> => admin.query('SELECT ID, STATE, INFO FROM information_schema.PROCESSLIST WHERE USER = ?', [user]);
  /** What the importer left on the server once it exited (a killed thread may take a moment to go). */
  const left = (): Promise<number> => waitFor('no session of the importer left', async () => ((await ours()).length === 0 ? 0 : undefined), 10_000, 50).catch(async () => (await ours()).length);
  const waitingFor = (what: RegExp): Promise<unknown> => waitFor(`a session of the importer waiting: ${what.source}`, async () => (await ours()).find((r) => /metadata lock/.test(r.STATE ?? '') && what.test(r.INFO ?? '')), 60_000, 10);

  it('a second import into the same target while the first runs is refused naming it; the first ends exact', async () => {
    const dst = uniqueDb('imp_safe_twice');
    targets.push(dst);
    let pid = 0;
    const first = load(dst, [], (p) => (pid = p));
    let second: CliResult;
    try {
      await waitFor('batches committed', async () => (await committed(dst)) > 3, 60_000, 5);
      // frozen, the first importer holds its lock but does nothing: the second cannot overtake it
      signal(pid, 'SIGSTOP');
      second = await load(dst);
    } finally {
      signal(pid, 'SIGCONT');
    }
    expect(second.code, second.stderr).toBe(1);
    expect(second.stderr).toMatch(new RegExp(`database ${dst} is being loaded right now by tsload pid ${pid} on host ${os.hostname()}, running since \\d{4}-\\d\\d-\\d\\d`));
    const r = await first;
    expect(r.code, r.stderr).toBe(0);
    expect(await checksum(dst)).toBe(sourceSum);
  }, 300_000);

  it('an importer cut off from the server (every connection lost) does not block a second one, and stops instead of committing behind it', async () => {
    const dst = uniqueDb('imp_safe_cut');
    targets.push(dst);
    let pid = 0;
    const first = load(dst, [], (p) => (pid = p));
    let second: CliResult;
    try {
      await waitFor('batches committed', async () => (await committed(dst)) > 3, 60_000, 5);
      signal(pid, 'SIGSTOP');
      // as a network cut would: every connection of the first importer ends
      for (const { ID } of await ours()) await admin.query(`KILL CONNECTION ${Number(ID)}`).catch(() => undefined);
      second = await load(dst);
    } finally {
      signal(pid, 'SIGCONT');
    }
    const r = await first;
    expect(second.code, second.stderr).toBe(0);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`error: another loader took over database ${dst} while this loader's control connection was lost`));
    expect(r.stderr).not.toMatch(/Duplicate entry/);
    expect(await checksum(dst)).toBe(sourceSum);
  }, 300_000);

  /**
   * Runs an import into `dst` until one of its sessions waits for a lock another session holds —
   * `hold` takes it (while the importer is frozen) once `ready` — then calls `whileStuck` and
   * returns the result once the importer exited, with how many of its sessions were left on the
   * server. The lock is released after.
   */
  async function stuckImport(dst: string, extra: string[], ready: () => Promise<boolean>, hold: (s: AdminSession) => Promise<unknown>, stuck: RegExp, whileStuck: (pid: number) => void): Promise<{ r: CliResult; left: number }> {
    const holder = await adminSession();
    let pid = 0;
    try {
      const run = load(dst, extra, (p) => (pid = p));
      await waitFor('the import to be under way', ready, 60_000, 5);
      signal(pid, 'SIGSTOP');
      const held = hold(holder);
      signal(pid, 'SIGCONT');
      await held;
      await waitingFor(stuck);
      whileStuck(pid);
      const r = await run;
      return { r, left: await left() };
    } finally {
      signal(pid, 'SIGCONT');
      await holder.query('UNLOCK TABLES; COMMIT').catch(() => undefined);
      await holder.close();
    }
  }

  it('SIGTERM while its INSERTs wait for a lock: the import stops at once (one signal, exit 5), no session of it is left, the rerun is exact', async () => {
    const dst = uniqueDb('imp_safe_term');
    targets.push(dst);
    // LOCK TABLES … WRITE: every INSERT into the table waits, and would wait for a year
    const { r, left: n } = await stuckImport(dst, [], async () => (await committed(dst)) > 3, (s) => s.query(`LOCK TABLES \`${dst}\`.t WRITE`), /^INSERT INTO/, (pid) => signal(pid, 'SIGTERM'));
    expect(r.stderr.match(/received/g)?.length, r.stderr).toBe(1);
    expect(r.code, r.stderr).toBe(5);
    expect(r.stderr).toMatch(/rerun the same command to resume/);
    expect(n, 'sessions of the stopped importer still on the server').toBe(0);
    const again = await load(dst);
    expect(again.code, again.stderr).toBe(0);
    expect(await checksum(dst)).toBe(sourceSum);
  }, 300_000);

  it('SIGTERM while an index build waits for a lock: stopped at once (exit 5), the ALTER is killed on the server, the rerun builds the index and is exact', async () => {
    const dst = uniqueDb('imp_safe_ix');
    targets.push(dst);
    // a transaction that read the table holds its metadata lock: the rows go in, the ALTER waits
    const { r, left: n } = await stuckImport(dst, [], () => tableExists(dst), (s) => s.query(`START TRANSACTION; SELECT COUNT(*) FROM \`${dst}\`.t`), /^ALTER TABLE/, (pid) => signal(pid, 'SIGTERM'));
    expect(r.stderr.match(/received/g)?.length, r.stderr).toBe(1);
    expect(r.code, r.stderr).toBe(5);
    // (a second signal would exit at once, without this line)
    expect(r.stderr).toMatch(/rerun the same command to resume/);
    expect(n, 'sessions of the stopped importer still on the server').toBe(0);
    expect(Number(await admin.scalar("SELECT COUNT(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 't' AND INDEX_NAME = 'kn'", [dst]))).toBe(0);
    const again = await load(dst);
    expect(again.code, again.stderr).toBe(0);
    expect(await checksum(dst)).toBe(sourceSum);
    expect(Number(await admin.scalar("SELECT COUNT(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 't' AND INDEX_NAME = 'kn'", [dst]))).toBe(1);
  }, 300_000);

  it('a batch that makes no progress past --statement-timeout is killed: the import fails naming the table and line, the rerun is exact', async () => {
    const dst = uniqueDb('imp_safe_stuck');
    targets.push(dst);
    const { r, left: n } = await stuckImport(dst, ['--statement-timeout', '2'], async () => (await committed(dst)) > 3, (s) => s.query(`LOCK TABLES \`${dst}\`.t WRITE`), /^INSERT INTO/, () => undefined);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`error: the server did not finish the INSERT statements of ${dst}\\.t at line \\d+ of \\S+one\\.sql within 2 s; the statement was killed`));
    expect(r.stderr).toMatch(/hint: the server makes no progress on it/);
    expect(n).toBe(0);
    const again = await load(dst);
    expect(again.code, again.stderr).toBe(0);
    expect(await checksum(dst)).toBe(sourceSum);
  }, 300_000);

  /** The scratch databases a drill announced (its info events), and whether any of them still exists. */
  /** `during` runs while the drill does (it must let the drill go on before it returns). */
  async function drill(input: string, extra: readonly string[] = [], during?: () => Promise<void>): Promise<{ r: CliResult; scratch: string[]; remaining: number; summary: { ok?: boolean; rows?: number } | undefined; infos: string[] }> {
    const s = testServer();
    const run = runCli('tsload', ['--no-defaults', '-h', s.host, '-P', String(s.port), '-u', user, '-d', input, '--restore-test', '-t', '2', '--progress', 'json', ...extra], { env: { MYSQL_PWD: password }, timeoutMs: 120_000 });
    try {
      await during?.();
    } finally {
      await run;
    }
    const r = await run;
    const events = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { kind: string; message?: string; ok?: boolean; rows?: number });
    const scratch = events.flatMap((e) => (e.kind === 'info' && /^restore test: loading /.test(e.message ?? '') ? [...(e.message ?? '').matchAll(/→ (tsdrill_\w+)/g)].map((m) => m[1]!) : []));
    let remaining = 0;
    for (const name of scratch) remaining += Number(await admin.scalar('SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [name]));
    return { r, scratch, remaining, summary: events.find((e) => e.kind === 'summary'), infos: events.flatMap((e) => (e.kind === 'info' ? [e.message ?? ''] : [])) };
  }

  it('--restore-test on a mariadb-dump file: loaded into a scratch database, verified, dropped; exit 0; a damaged file fails the drill and leaves nothing', async () => {
    const ok = await drill(file);
    expect(ok.r.code, ok.r.stderr).toBe(0);
    expect(ok.scratch).toHaveLength(1);
    expect(ok.infos).toContain("restore test: every table's row count verified against the dump");
    expect(ok.summary?.ok).toBe(true);
    expect(ok.summary?.rows, 'rows loaded into the scratch database').toBe(ROWS);
    expect(ok.infos).toContain(`restore test: scratch database(s) dropped: ${ok.scratch[0]}`);
    expect(ok.remaining).toBe(0);
    // what the drill did not create is untouched
    expect(await checksum(src)).toBe(sourceSum);

    // a row whose key is taken: refused once the scratch database holds the table
    const text = readFileSync(file, 'latin1');
    const dup = path.join(dir, 'dup.sql');
    const tampered = text.replace(/(INSERT INTO `t` VALUES\s*)\(1,/, "$1(2,1,'dup'),(1,");
    expect(tampered).not.toBe(text);
    writeFileSync(dup, Buffer.from(tampered, 'latin1'));
    const bad = await drill(dup);
    expect(bad.r.code, bad.r.stderr).toBe(1);
    // (MariaDB's bulk insert into an empty table reports the duplicate at COMMIT, as error 1180)
    expect(bad.r.stderr).toMatch(/refused the statement at line \d+ \(byte \d+\) of .*dup\.sql/);
    expect(bad.scratch).toHaveLength(1);
    expect(bad.remaining, 'scratch database left after a failed drill').toBe(0);
    expect(bad.infos).toContain(`restore test: scratch database(s) dropped: ${bad.scratch[0]}`);

    // cut short: refused before anything is created
    const cut = path.join(dir, 'cut.sql');
    writeFileSync(cut, readFileSync(file).subarray(0, Math.floor(text.length / 2)));
    const short = await drill(cut);
    expect(short.r.code, short.r.stderr).toBe(6);
    expect(short.r.stderr).toMatch(/not a complete dump/);
    expect(short.scratch).toEqual([]);
  }, 300_000);

  it('--restore-test creates the dump\'s events disabled (enabled in the file): nothing of the copy runs meanwhile', async () => {
    const db = uniqueDb('imp_safe_ev');
    const aux = uniqueDb('imp_safe_aux');
    targets.push(db, aux);
    const event = `ev_${db.slice(-8)}`;
    // After the event in the file (mariadb-dump writes views last) comes a view on a table outside
    // the dump that the test holds locked: the drill waits there, its event created, for the look.
    await admin.query(`CREATE DATABASE \`${aux}\`; CREATE TABLE \`${aux}\`.x (a INT); CREATE DATABASE \`${db}\`; CREATE TABLE \`${db}\`.t (id INT PRIMARY KEY); INSERT INTO \`${db}\`.t SELECT seq FROM \`${db}\`.seq_1_to_100`);
    await admin.query(`CREATE EVENT \`${db}\`.\`${event}\` ON SCHEDULE EVERY 1 DAY STARTS NOW() + INTERVAL 1 YEAR ENABLE DO DELETE FROM \`${db}\`.t; CREATE VIEW \`${db}\`.v AS SELECT a FROM \`${aux}\`.x`);
    const out = path.join(dir, 'events.sql');
    mariadbDump(['--events', db], out);
    const text = readFileSync(out, 'utf8');
    expect(text.indexOf(`EVENT \`${event}\``), 'the event before the view in the file').toBeGreaterThan(0);
    expect(text.lastIndexOf('VIEW `v`')).toBeGreaterThan(text.indexOf(`EVENT \`${event}\``));
    const statuses = async (): Promise<{ EVENT_SCHEMA: string; STATUS: string }[]> => admin.query('SELECT EVENT_SCHEMA, STATUS FROM information_schema.EVENTS WHERE EVENT_NAME = ?', [event]);
    const holder = await adminSession();
    let seen: { EVENT_SCHEMA: string; STATUS: string }[] = [];
    try {
      await holder.query(`LOCK TABLES \`${aux}\`.x WRITE`);
      const d = await drill(out, [], async () => {
        try {
          await waitingFor(/CREATE .*VIEW/s);
          seen = await statuses();
        } finally {
          await holder.query('UNLOCK TABLES');
        }
      });
      expect(d.r.code, d.r.stderr).toBe(0);
      expect(d.scratch).toHaveLength(1);
      expect(d.remaining).toBe(0);
      expect(Object.fromEntries(seen.map((e) => [e.EVENT_SCHEMA, e.STATUS]))).toEqual({ [db]: 'ENABLED', [d.scratch[0]!]: 'DISABLED' });
    } finally {
      await holder.query('UNLOCK TABLES').catch(() => undefined);
      await holder.close();
    }
  }, 300_000);

  it.skipIf(!HAVE_MYDUMPER)('--restore-test on a mydumper directory: exit 0, nothing left', async () => {
    const s = testServer();
    const out = path.join(dir, 'mydumper');
    const d = spawnSync('mydumper', ['-h', s.host, '-P', String(s.port), '-u', s.user, ...(s.password ? ['-p', s.password] : []), MYDUMPER_NO_LOCKS, '-B', src, '-t', '2', '-r', '20000', '-o', out], { encoding: 'utf8' });
    expect(d.status, `${d.stdout}\n${d.stderr}`).toBe(0);
    const r = await drill(out);
    expect(r.r.code, r.r.stderr).toBe(0);
    expect(r.scratch).toHaveLength(1);
    expect(r.scratch[0]).toMatch(new RegExp(`^tsdrill_\\w+_1_${src}$`));
    expect(r.summary?.rows).toBe(ROWS);
    expect(r.remaining).toBe(0);
  }, 300_000);
});
