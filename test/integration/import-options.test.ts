/**
 * Issue 14: restoring part of another tool's dump — a mariadb-dump file (--databases, routines,
 * events, triggers) and a mydumper 0.10 directory — with our restores' options: -s / -T /
 * --ignore-table / -x / --exclude-regex, --no-data and --no-schema, by the rules of our own dumps
 * (a trigger goes with its table, a view over a table left out is skipped with a warning naming
 * it, a filter that matches nothing is refused with nothing created, filters name the dump's
 * databases before --rename). Loaded tables are compared with the source by CHECKSUM TABLE; what
 * is left out must be absent. A resume asking for another part than the interrupted load is refused.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MYDUMPER_NO_LOCKS, connArgs, runCli } from '../support/cli.js';
import { killAfterProgressRows } from '../support/faults.js';
import type { AdminSession } from '../support/server.js';
import { adminSession, dropDbs, testServer, uniqueDb } from '../support/server.js';

const HAVE_MYDUMPER = spawnSync('mydumper', ['--version'], { encoding: 'utf8' }).status === 0;
if (!HAVE_MYDUMPER) console.warn('\n!!! import-options.test.ts: the mydumper cases are SKIPPED: no mydumper on PATH (apt-get install mydumper) !!!\n');

const TABLES = ['audit', 'keep_t', 'log_t'] as const;

function serverArgs(): string[] {
  const s = testServer();
  return ['-h', s.host, '-P', String(s.port), '-u', s.user];
}

function mariadbDump(args: readonly string[], out: string): void {
  const fd = openSync(out, 'w');
  try {
    const r = spawnSync('mariadb-dump', ['--no-defaults', ...serverArgs(), '--hex-blob', '--routines', '--events', '--triggers', ...args], { stdio: ['ignore', fd, 'pipe'], env: { ...process.env, MYSQL_PWD: testServer().password }, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`mariadb-dump failed: ${r.stderr}`);
  } finally {
    closeSync(fd);
  }
}

function mydumper(args: readonly string[]): void {
  const s = testServer();
  const r = spawnSync('mydumper', [...serverArgs(), ...(s.password ? ['-p', s.password] : []), MYDUMPER_NO_LOCKS, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`mydumper failed: ${r.stdout}\n${r.stderr}`);
}

describe('tsload: part of a mysqldump file or a mydumper directory', () => {
  const src = uniqueDb('impopt');
  /** Only in the dumps: dropped from the server once they are made, so a load of it would show. */
  const other = uniqueDb('impopt_o');
  const targets: string[] = [];
  let admin: AdminSession;
  let dir: string;
  const inputs: { kind: string; path: string }[] = [];

  beforeAll(async () => {
    admin = await adminSession();
    await admin.query(`CREATE DATABASE \`${other}\`; USE \`${other}\`; CREATE TABLE \`${other}\`.ref (id INT PRIMARY KEY, v VARCHAR(10)); INSERT INTO \`${other}\`.ref SELECT seq, CONCAT('r', seq) FROM seq_1_to_30;
      CREATE PROCEDURE \`${other}\`.p_other () SELECT 1`);
    await admin.query(`CREATE DATABASE \`${src}\`; USE \`${src}\`;
      CREATE TABLE keep_t (id INT PRIMARY KEY, v VARCHAR(20), b VARBINARY(8), KEY kv (v));
      CREATE TABLE log_t (id INT PRIMARY KEY, v VARCHAR(20));
      CREATE TABLE audit (id INT AUTO_INCREMENT PRIMARY KEY, what VARCHAR(40));
      INSERT INTO keep_t SELECT seq, IF(seq % 5 = 0, NULL, CONCAT('k\\t', seq)), UNHEX(HEX(seq)) FROM seq_1_to_3000;
      INSERT INTO log_t SELECT seq, CONCAT('l', seq) FROM seq_1_to_300;
      INSERT INTO audit (what) SELECT CONCAT('a', seq) FROM seq_1_to_50;
      CREATE TRIGGER keep_t_ai AFTER INSERT ON keep_t FOR EACH ROW INSERT INTO audit (what) VALUES (CONCAT('keep ', NEW.id));
      CREATE TRIGGER log_t_ai AFTER INSERT ON log_t FOR EACH ROW INSERT INTO audit (what) VALUES (CONCAT('log ', NEW.id));
      CREATE FUNCTION twice (x INT) RETURNS INT DETERMINISTIC RETURN 2 * x;
      CREATE PROCEDURE p_src () SELECT 1;
      CREATE EVENT e_src ON SCHEDULE EVERY 1 DAY DISABLE DO DELETE FROM audit WHERE id < 0;
      CREATE VIEW v_keep AS SELECT id, twice(id) AS d FROM keep_t;
      CREATE VIEW v_log AS SELECT k.id, l.v FROM keep_t k JOIN log_t l ON l.id = k.id;`);
    dir = mkdtempSync(path.join(os.tmpdir(), 'tsload-impopt-'));
    const sql = path.join(dir, 'both.sql');
    // small statements: the tables span several INSERTs, so a partial run leaves batches behind
    mariadbDump(['--net-buffer-length=16384', '--databases', src, other], sql);
    inputs.push({ kind: 'mysqldump', path: sql });
    if (HAVE_MYDUMPER) {
      const out = path.join(dir, 'mydumper');
      const args = ['--regex', `^(${src}|${other})\\.`, '-G', '-R', '-E', '-t', '2', '-r', '1000', '-o', out];
      mydumper(args);
      // The view v_keep needs the function twice, so the cases below need mydumper's routines file
      // to hold it. mydumper 0.10 sometimes writes none: its per-database threads (-t 2, two
      // databases with routines here) add to one global list of databases whose routines to dump
      // without taking the mutex it has for it (mydumper.c, dump_database_thread: schema_post =
      // g_list_prepend(...)), so one database's -schema-post.sql can be lost (seen once in a full
      // suite: both view cases failed on 'FUNCTION twice does not exist'). The fixture is checked
      // and, when it lost them, said and dumped again.
      const post = path.join(out, `${src}-schema-post.sql`);
      const complete = (): boolean => existsSync(post) && ['twice', 'p_src', 'e_src'].every((n) => readFileSync(post, 'utf8').includes(`\`${n}\``));
      for (let attempt = 2; !complete() && attempt <= 3; attempt++) {
        console.warn(`import-options.test.ts: mydumper's ${src}-schema-post.sql lacks routines or events (files: ${readdirSync(out).join(' ')}; post: ${existsSync(post) ? JSON.stringify(readFileSync(post, 'utf8').slice(0, 2000)) : 'missing'}); dumping again (attempt ${attempt})`);
        rmSync(out, { recursive: true, force: true });
        mydumper(args);
      }
      expect(complete(), `${post} holds twice, p_src and e_src`).toBe(true);
      inputs.push({ kind: 'mydumper', path: out });
    }
    await admin.query(`DROP DATABASE \`${other}\``);
  }, 300_000);

  afterAll(async () => {
    await dropDbs(src, other, ...targets);
    if (dir) rmSync(dir, { recursive: true, force: true });
    await admin?.close();
  });

  const target = (label: string): string => {
    const t = uniqueDb(`impopt_${label}`);
    targets.push(t);
    return t;
  };
  const load = (input: string, args: readonly string[]) => runCli('tsload', [...connArgs(), '-d', input, ...args], { timeoutMs: 300_000 });
  async function checksum(db: string, table: string): Promise<string> {
    const rows = await admin.query<{ Checksum: string | null }>(`CHECKSUM TABLE \`${db}\`.\`${table}\``);
    return String(rows[0]?.Checksum);
  }
  async function names(db: string): Promise<Record<string, string[]>> {
    const q = async (sql: string): Promise<string[]> => (await admin.query<{ n: string }>(sql, [db])).map((r) => r.n).sort();
    return {
      tables: await q("SELECT TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE'"),
      views: await q('SELECT TABLE_NAME AS n FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ?'),
      triggers: await q('SELECT TRIGGER_NAME AS n FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?'),
      routines: await q('SELECT ROUTINE_NAME AS n FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ?'),
      events: await q('SELECT EVENT_NAME AS n FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ?'),
    };
  }
  async function expectSameRows(dst: string, tables: readonly string[]): Promise<void> {
    for (const t of tables) expect(await checksum(dst, t), `${dst}.${t}`).toBe(await checksum(src, t));
  }
  async function otherAbsent(): Promise<void> {
    expect(await admin.query('SHOW DATABASES LIKE ?', [other])).toHaveLength(0);
  }

  it('a partial import killed with SIGKILL resumes exactly with the same -T; another -T is refused', async () => {
    const dst = target('kill');
    // one INSERT per row: hundreds of batches, so the kill lands in the middle of the data
    const rows = path.join(dir, 'rows.sql');
    mariadbDump(['--skip-extended-insert', '--databases', src], rows);
    const args = ['-T', `${src}.keep_t`, '--rename', `${src}=${dst}`, '-t', '1', '--rows-per-transaction', '5'];
    const first = await runCli('tsload', [...connArgs(), '-d', rows, ...args], { timeoutMs: 300_000, onSpawn: killAfterProgressRows(admin, dst, 6) });
    expect(first.signal, `not killed mid-data:\n${first.stderr}`).toBe('SIGKILL');
    const loaded = Number(await admin.scalar(`SELECT COUNT(*) FROM \`${dst}\`.keep_t`));
    expect(loaded).toBeGreaterThan(0);
    expect(loaded).toBeLessThan(3000);
    const other = await load(rows, ['-T', `${src}.log_t`, '--rename', `${src}=${dst}`, '-t', '1', '--rows-per-transaction', '5']);
    expect(other.code, other.stderr).toBe(2);
    expect(other.stderr).toMatch(new RegExp(`the interrupted run was with -T ${src}\\.keep_t, this one is with -T ${src}\\.log_t`));
    expect(Number(await admin.scalar(`SELECT COUNT(*) FROM \`${dst}\`.keep_t`))).toBe(loaded);
    const second = await load(rows, args);
    expect(second.code, second.stderr).toBe(0);
    await expectSameRows(dst, ['keep_t']);
    expect(await names(dst)).toEqual({ tables: ['keep_t'], views: [], triggers: ['keep_t_ai'], routines: [], events: [] });
  }, 300_000);

  for (const kind of ['mysqldump', 'mydumper'] as const) {
    const input = (): string => inputs.find((i) => i.kind === kind)!.path;
    describe.skipIf(kind === 'mydumper' && !HAVE_MYDUMPER)(kind, () => {
      it('-T loads exactly the tables named, each with its triggers; nothing else of the dump', async () => {
        const dst = target('t');
        const r = await load(input(), ['-T', `${src}.keep_t,${src}.log_t`, '--rename', `${src}=${dst}`, '-t', '2']);
        expect(r.code, r.stderr).toBe(0);
        await expectSameRows(dst, ['keep_t', 'log_t']);
        expect(await names(dst)).toEqual({ tables: ['keep_t', 'log_t'], views: [], triggers: ['keep_t_ai', 'log_t_ai'], routines: [], events: [] });
        await otherAbsent();
      }, 300_000);

      it('-s with --ignore-table: the table and its trigger left out, a view reading it skipped with a warning naming it, the rest loaded', async () => {
        const dst = target('ign');
        const r = await load(input(), ['-s', src, '--ignore-table', `${src}.log_t`, '--rename', `${src}=${dst}`]);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stderr).toMatch(new RegExp(`view ${src}\\.v_log is not loaded: it reads ${src}\\.log_t`));
        await expectSameRows(dst, ['keep_t', 'audit']);
        expect(await names(dst)).toEqual({ tables: ['audit', 'keep_t'], views: ['v_keep'], triggers: ['keep_t_ai'], routines: ['p_src', 'twice'], events: ['e_src'] });
        // the database not selected: neither its tables nor its routines
        await otherAbsent();
      }, 300_000);

      it('-x / --exclude-regex pick tables by "db.table"', async () => {
        const dst = target('re');
        const r = await load(input(), ['-x', `^${src}\\.`, '--exclude-regex', '_t$', '--rename', `${src}=${dst}`]);
        expect(r.code, r.stderr).toBe(0);
        await expectSameRows(dst, ['audit']);
        expect((await names(dst)).tables).toEqual(['audit']);
        await otherAbsent();
      }, 300_000);

      it('refuses a filter that matches nothing (exit 2), listing what the dump holds, with nothing created', async () => {
        const dst = target('none');
        const r = await load(input(), ['-T', `${src}.nope`, '--rename', `${src}=${dst}`]);
        expect(r.code, r.stderr).toBe(2);
        expect(r.stderr).toMatch(new RegExp(`-T ${src}\\.nope: no such table`));
        expect(r.stderr).toMatch(new RegExp(`the dump holds: .*${src} \\(audit, keep_t, log_t\\)`));
        const s = await load(input(), ['-s', 'no_such_db', '--rename', `${src}=${dst}`]);
        expect(s.code, s.stderr).toBe(2);
        expect(s.stderr).toMatch(/database 'no_such_db' is not in the dump/);
        expect(await admin.query('SHOW DATABASES LIKE ?', [dst])).toHaveLength(0);
      }, 300_000);

      it('--no-data: tables empty, views, routines, triggers and events there', async () => {
        const dst = target('nodata');
        const r = await load(input(), ['-s', src, '--no-data', '--rename', `${src}=${dst}`]);
        expect(r.code, r.stderr).toBe(0);
        expect(await names(dst)).toEqual({ tables: ['audit', 'keep_t', 'log_t'], views: ['v_keep', 'v_log'], triggers: ['keep_t_ai', 'log_t_ai'], routines: ['p_src', 'twice'], events: ['e_src'] });
        for (const t of TABLES) expect(Number(await admin.scalar(`SELECT COUNT(*) FROM \`${dst}\`.\`${t}\``)), t).toBe(0);
        // the secondary index is there (created with the table: no rows to defer it for)
        expect(await admin.query("SELECT 1 FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'keep_t' AND INDEX_NAME = 'kv'", [dst])).not.toHaveLength(0);
      }, 300_000);

      it('--no-schema: rows into tables created beforehand (missing ones named first), nothing else created', async () => {
        const dst = target('noschema');
        await admin.query(`CREATE DATABASE \`${dst}\`; CREATE TABLE \`${dst}\`.keep_t LIKE \`${src}\`.keep_t; CREATE TABLE \`${dst}\`.audit LIKE \`${src}\`.audit`);
        const missing = await load(input(), ['-s', src, '--no-schema', '--rename', `${src}=${dst}`]);
        expect(missing.code, missing.stderr).toBe(1);
        expect(missing.stderr).toMatch(new RegExp(`--no-schema loads rows into existing tables, but 1 do not exist: \`?${dst}\`?\\.\`?log_t`));
        expect(Number(await admin.scalar(`SELECT COUNT(*) FROM \`${dst}\`.keep_t`))).toBe(0);
        await admin.query(`CREATE TABLE \`${dst}\`.log_t LIKE \`${src}\`.log_t`);
        const r = await load(input(), ['-s', src, '--no-schema', '--rename', `${src}=${dst}`, '-t', '3']);
        expect(r.code, r.stderr).toBe(0);
        await expectSameRows(dst, TABLES);
        expect(await names(dst)).toEqual({ tables: ['audit', 'keep_t', 'log_t'], views: [], triggers: [], routines: [], events: [] });
        // the same part again: its memo says it is loaded, so it verifies only
        const rerun = await load(input(), ['-s', src, '--no-schema', '--rename', `${src}=${dst}`]);
        expect(rerun.code, rerun.stderr).toBe(0);
        expect(rerun.stdout + rerun.stderr).toMatch(/already loaded completely/);
        await expectSameRows(dst, TABLES);
        // without the memo, tables that hold rows are refused unless --drop-table says what to do with them
        await admin.query('DELETE FROM tsload_progress.runs WHERE target_db = ?', [dst]);
        const again = await load(input(), ['-s', src, '--no-schema', '--rename', `${src}=${dst}`]);
        expect(again.code, again.stderr).toBe(1);
        expect(again.stderr).toMatch(/already holds rows/);
        const truncated = await load(input(), ['-s', src, '--no-schema', '--drop-table', 'truncate', '--rename', `${src}=${dst}`]);
        expect(truncated.code, truncated.stderr).toBe(0);
        await expectSameRows(dst, TABLES);
      }, 300_000);

      it('a resume that asks for another part than the interrupted load is refused (exit 2), naming the option', async () => {
        const dst = target('resume');
        // --keep-progress leaves the run unfinished, as an interruption would
        const first = await load(input(), ['-T', `${src}.keep_t`, '--rename', `${src}=${dst}`, '--keep-progress']);
        expect(first.code, first.stderr).toBe(0);
        const other = await load(input(), ['-T', `${src}.log_t`, '--rename', `${src}=${dst}`]);
        expect(other.code, other.stderr).toBe(2);
        expect(other.stderr).toMatch(new RegExp(`unfinished load of another part of this dump \\(-s, -T, .*\\): the interrupted run was with -T ${src}\\.keep_t, this one is with -T ${src}\\.log_t`));
        const noData = await load(input(), ['-T', `${src}.keep_t`, '--no-data', '--rename', `${src}=${dst}`]);
        expect(noData.code, noData.stderr).toBe(2);
        expect(noData.stderr).toMatch(/the interrupted run was without --no-data, this one is with --no-data/);
        expect(await names(dst)).toEqual({ tables: ['keep_t'], views: [], triggers: ['keep_t_ai'], routines: [], events: [] });
        const same = await load(input(), ['-T', `${src}.keep_t`, '--rename', `${src}=${dst}`]);
        expect(same.code, same.stderr).toBe(0);
        await expectSameRows(dst, ['keep_t']);
        // a part's memo stands for that part only: another part is not taken for done
        expect(Number(await admin.scalar('SELECT COUNT(*) FROM tsload_progress.runs WHERE target_db = ? AND completed_at IS NOT NULL', [dst]))).toBe(1);
        const log = await load(input(), ['-T', `${src}.log_t`, '--rename', `${src}=${dst}`]);
        expect(log.code, log.stderr).toBe(0);
        expect(log.stdout + log.stderr).not.toMatch(/already loaded/);
        await expectSameRows(dst, ['keep_t', 'log_t']);
      }, 300_000);

      it('a resume with other result-changing options is refused (exit 2), naming the option and the value of the first run', async () => {
        const dst = target('resopt');
        const base = ['-T', `${src}.keep_t`, '--rename', `${src}=${dst}`];
        // --keep-progress leaves the run unfinished, as an interruption would
        const first = await load(input(), [...base, '--keep-progress']);
        expect(first.code, first.stderr).toBe(0);
        for (const [extra, first, now] of [
          [['--defer-indexes', 'off'], '--defer-indexes on', '--defer-indexes off'],
          [['--engine', 'MyISAM'], "no --engine \\(the dump's engines\\)", '--engine MyISAM'],
          [['--convert-utf8mb4'], '--convert-utf8mb4 off', '--convert-utf8mb4 on'],
          [['--on-duplicate', 'ignore'], '--on-duplicate error', '--on-duplicate ignore'],
        ] as const) {
          const r = await load(input(), [...base, ...extra]);
          expect(r.code, r.stderr).toBe(2);
          expect(r.stderr).toMatch(new RegExp(`unfinished load that ran with ${first}; this run asks for ${now}`));
          expect(r.stderr).toMatch(new RegExp(`rerun with ${first} to finish that load`));
        }
        const same = await load(input(), base);
        expect(same.code, same.stderr).toBe(0);
        await expectSameRows(dst, ['keep_t']);
        // finished now: a rerun asking for another result is refused too, not taken as "already loaded"
        const after = await load(input(), [...base, '--engine', 'MyISAM']);
        expect(after.code, after.stderr).toBe(2);
        expect(after.stderr).toMatch(/was loaded completely from this dump with no --engine .*; this run asks for --engine MyISAM/);
      }, 300_000);
    });
  }
});
