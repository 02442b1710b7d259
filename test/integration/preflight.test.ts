/**
 * Preflight: a run that would fail says so before changing anything, listing every problem with
 * its fix; --dry-run runs the same checks and exits 1 when the real run would fail. Against real
 * servers: a low-privilege account created here, and a private server whose local_infile and
 * max_allowed_packet the test sets.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connArgs, runCli } from '../support/cli.js';
import { removeTemps, tempDir } from '../support/faults.js';
import type { AdminSession, ServerHandle } from '../support/server.js';
import { adminSession, adminSessionOn, dropDbs, startPrivateServer, testServer, uniqueDb } from '../support/server.js';
import { cleanupLoads, createLoadFixture, dumpFixture } from './load-fixture.js';

describe('tsload preflight', () => {
  const src = uniqueDb('pf_src');
  const dst = uniqueDb('pf_dst');
  const user = `pfl_${src.slice(-8)}`;
  const password = `pw-${src.slice(-8)}-Ok`;
  let admin: AdminSession;
  let dump = '';

  const as = (args: readonly string[]) => {
    const s = testServer();
    return runCli('tsload', ['--no-defaults', '-h', s.host, '-P', String(s.port), '-u', user, '-d', dump, '-B', dst, '--progress', 'none', ...args], { env: { MYSQL_PWD: password } });
  };

  beforeAll(async () => {
    admin = await adminSession();
    await createLoadFixture(admin, src);
    dump = await dumpFixture(src, { format: 'csv', gzip: false });
    await admin.query(`CREATE DATABASE \`${dst}\`; CREATE TABLE \`${dst}\`.parent (id INT PRIMARY KEY)`);
    await admin.query(`CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'`);
    // enough to read and write rows, not to create tables, views, triggers or routines, nor to record progress
    await admin.query(`GRANT SELECT, INSERT ON \`${dst}\`.* TO '${user}'@'%'`);
  }, 300_000);

  afterAll(async () => {
    await admin.query(`DROP USER IF EXISTS '${user}'@'%'`).catch(() => undefined);
    await cleanupLoads(src, [dst], [dump]);
    await admin?.close();
  });

  it('--dry-run exits 1 listing every problem with its fix: an existing table, privileges on the target and on tsload_progress', async () => {
    const r = await as(['--dry-run']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/dry run/);
    expect(r.stdout).toContain(`database ${src} → ${dst}: 5 tables, 1 view(s), 1 procedure(s), 1 trigger(s); fresh load`);
    expect(r.stderr).toMatch(/the load would fail: 5 problems/);
    expect(r.stderr).toContain(`table ${dst}.parent already exists in the target`);
    expect(r.stderr).toMatch(/fix: load into another database \(-B\/--rename\), or pass --drop-table drop/);
    expect(r.stderr).toContain(`lacks CREATE, ALTER, CREATE VIEW, CREATE ROUTINE, TRIGGER on database ${dst}`);
    expect(r.stderr).toContain(`fix: GRANT CREATE, ALTER, CREATE VIEW, CREATE ROUTINE, TRIGGER ON \`${dst}\`.* TO '${user}'@'%';`);
    expect(r.stderr).toContain(`fix: GRANT CREATE, SELECT, INSERT, UPDATE, DELETE ON tsload_progress.* TO '${user}'@'%';`);
    // the fixture has a trigger; the test server logs binary and does not trust function creators
    expect(r.stderr).toContain(`fix: SET GLOBAL log_bin_trust_function_creators = 1; (and in the server config), or GRANT SUPER ON *.* TO '${user}'@'%';`);
    // the fixture's view, procedure and trigger are root's: creating them as root needs SET USER
    expect(r.stderr).toContain(`fix: load with --skip-definer (the objects then belong to '${user}'@'%')`);
  });

  it('the real load stops with the same problems before changing anything', async () => {
    const r = await as([]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`table ${dst}.parent already exists in the target`);
    expect(r.stderr).toContain('tsload_progress');
    const tables = await admin.query<{ n: number }>('SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?', [dst]);
    expect(Number(tables[0]!.n)).toBe(1);
    const rows = await admin.query<{ n: number }>(`SELECT COUNT(*) AS n FROM \`${dst}\`.parent`);
    expect(Number(rows[0]!.n)).toBe(0);
  });

  it('with the privileges granted and --drop-table drop, the dry run passes and the load runs', async () => {
    await admin.query(`GRANT ALL PRIVILEGES ON \`${dst}\`.* TO '${user}'@'%'; GRANT ALL PRIVILEGES ON tsload_progress.* TO '${user}'@'%'; GRANT SUPER ON *.* TO '${user}'@'%'`);
    const dry = await as(['--dry-run', '--drop-table', 'drop']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/preflight: no problems found/);
    const run = await as(['--drop-table', 'drop', '--skip-definer']);
    expect(run.code, run.stderr).toBe(0);
  }, 300_000);
});

describe('preflight on a private server without a binary log: local_infile, max_allowed_packet, an unprovable snapshot', () => {
  let server: ServerHandle;
  let admin: AdminSession;
  const db = uniqueDb('pf_wide');
  const conn = (): string[] => ['--no-defaults', '-h', server.info.host, '-P', String(server.info.port), '-u', server.info.user];
  const env = (): Record<string, string | undefined> => ({ MYSQL_PWD: server.info.password || undefined });

  beforeAll(async () => {
    server = await startPrivateServer({ extraConfig: ['skip-log-bin'] });
    admin = await adminSessionOn(server.info);
    await admin.query(`CREATE DATABASE \`${db}\`; CREATE TABLE \`${db}\`.wide (id INT PRIMARY KEY, body LONGTEXT)`);
    await admin.query(`INSERT INTO \`${db}\`.wide VALUES (1, 'small'), (2, REPEAT('w', 3 * 1024 * 1024)), (3, 'small')`);
  }, 120_000);

  afterAll(async () => {
    await admin?.close();
    await server?.destroy();
    removeTemps();
  });

  it('both problems at once, each with its fix; the dry run passes once they are fixed; local_infile OFF is no problem for bulk INSERT', async () => {
    const dir = path.join(tempDir('pf-wide'), 'dump');
    const d = await runCli('tsdump', [...conn(), '-B', db, '-o', dir, '-q'], { env: env() });
    expect(d.code, d.stderr).toBe(0);
    await admin.query('SET GLOBAL local_infile = OFF; SET GLOBAL max_allowed_packet = 1048576');
    const target = `${db}_copy`;
    const r = await runCli('tsload', [...conn(), '-d', dir, '-B', target, '--dry-run', '--insert-method', 'load-data'], { env: env() });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/2 problems/);
    expect(r.stderr).toMatch(/local_infile is OFF on the target/);
    expect(r.stderr).toMatch(/fix: SET GLOBAL local_infile = ON;.*or load with --insert-method auto/);
    expect(r.stderr).toMatch(/line 2 of \S+ is 3\.0 MiB, more than the target's max_allowed_packet \(1\.0 MiB\)/);
    expect(r.stderr).toContain(`table ${target}.wide, chunk 1`);
    expect(r.stderr).toMatch(/fix: SET GLOBAL max_allowed_packet = 4194304;/);
    const load = await runCli('tsload', [...conn(), '-d', dir, '-B', target, '--progress', 'none', '--insert-method', 'load-data'], { env: env() });
    expect(load.code, load.stderr).toBe(1);
    expect(load.stderr).toMatch(/local_infile is OFF/);
    const created = await admin.query<{ n: number }>('SELECT COUNT(*) AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN (?, ?)', [target, 'tsload_progress']);
    expect(Number(created[0]!.n), 'nothing was created').toBe(0);
    // MariaDB's bulk INSERT (--insert-method auto) needs no LOCAL INFILE: only the packet size is a problem
    const auto = await runCli('tsload', [...conn(), '-d', dir, '-B', target, '--dry-run'], { env: env() });
    expect(auto.code, auto.stderr).toBe(1);
    expect(auto.stderr).toMatch(/line 2 of \S+ is 3\.0 MiB, more than the target's max_allowed_packet/);
    expect(auto.stderr).not.toMatch(/local_infile|2 problems/);
    await admin.query('SET GLOBAL max_allowed_packet = 67108864');
    const bulk = await runCli('tsload', [...conn(), '-d', dir, '-B', target, '--progress', 'plain'], { env: env() });
    expect(bulk.code, bulk.stderr).toBe(0);
    expect(bulk.stderr).toContain('rows sent by bulk INSERT (COM_STMT_BULK_EXECUTE) into');
    const same = await admin.query<{ n: number }>(`SELECT COUNT(*) AS n FROM \`${target}\`.wide a JOIN \`${db}\`.wide b USING (id) WHERE a.body = b.body`);
    expect(Number(same[0]!.n)).toBe(3);
    await admin.query('SET GLOBAL local_infile = ON');
    const ok = await runCli('tsload', [...conn(), '-d', dir, '-B', `${target}2`, '--dry-run', '--insert-method', 'load-data'], { env: env() });
    expect(ok.code, ok.stderr).toBe(0);
  }, 180_000);

  it('tsdump --lock-mode no-lock without a binary log: the snapshots cannot be proven identical, said before anything is written', async () => {
    const dir = path.join(tempDir('pf-nolock'), 'dump');
    const r = await runCli('tsdump', [...conn(), '-B', db, '-o', dir, '--lock-mode', 'no-lock', '--dry-run'], { env: env() });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/a lock-free snapshot cannot be proven consistent: binary logging is off on the server/);
    expect(r.stderr).toMatch(/hint: .*--allow-inconsistent/);
    const ok = await runCli('tsdump', [...conn(), '-B', db, '-o', dir, '--lock-mode', 'no-lock', '--allow-inconsistent', '--dry-run'], { env: env() });
    expect(ok.code, ok.stderr).toBe(0);
    expect(existsSync(dir)).toBe(false);
  });
});

describe('tsdump preflight', () => {
  const db = uniqueDb('pf_dump');
  const user = `pfd_${db.slice(-8)}`;
  const password = `pw-${db.slice(-8)}-Ok`;
  let admin: AdminSession;

  const as = (args: readonly string[], who = user) => {
    const s = testServer();
    return runCli('tsdump', ['--no-defaults', '-h', s.host, '-P', String(s.port), '-u', who, '--progress', 'none', ...args], { env: { MYSQL_PWD: who === user ? password : s.password || undefined } });
  };

  beforeAll(async () => {
    admin = await adminSession();
    await admin.query(`CREATE DATABASE \`${db}\`;
      CREATE TABLE \`${db}\`.small (id INT PRIMARY KEY, v VARCHAR(10)); INSERT INTO \`${db}\`.small VALUES (1, 'a');
      CREATE TABLE \`${db}\`.secret (id INT PRIMARY KEY); INSERT INTO \`${db}\`.secret VALUES (1);
      CREATE VIEW \`${db}\`.v AS SELECT id FROM \`${db}\`.small;
      CREATE TRIGGER \`${db}\`.trg BEFORE INSERT ON \`${db}\`.small FOR EACH ROW SET NEW.v = LOWER(NEW.v)`);
    await admin.query(`CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'`);
    // SELECT on one table and the view; only INSERT on the other (visible, unreadable); no SHOW VIEW, RELOAD, BINLOG MONITOR
    await admin.query(`GRANT SELECT ON \`${db}\`.small TO '${user}'@'%'; GRANT SELECT ON \`${db}\`.v TO '${user}'@'%'; GRANT INSERT ON \`${db}\`.secret TO '${user}'@'%'`);
  });

  afterAll(async () => {
    await admin.query(`DROP USER IF EXISTS '${user}'@'%'`).catch(() => undefined);
    await dropDbs(db);
    await admin?.close();
    removeTemps();
  });

  it('--dry-run exits 1 listing every problem with its fix, and creates nothing on disk', async () => {
    const foreign = tempDir('pf-foreign');
    writeFileSync(path.join(foreign, 'notes.txt'), 'not a dump');
    const r = await as(['-B', db, '-o', foreign, '--lock-mode', 'ftwrl', '--dry-run']);
    expect(r.code, r.stderr).toBe(1);
    // the trigger is invisible to the account (information_schema shows it to TRIGGER holders only): warned about
    expect(r.stdout).toMatch(/dry run: would dump 2 table\(s\) and 1 other object\(s\)/);
    // MariaDB gives the snapshot's own binlog position without a privilege; MySQL needs REPLICATION CLIENT
    const mariadb = /mariadb/i.test(String(await admin.scalar('SELECT VERSION()')));
    expect(r.stderr).toMatch(mariadb ? /the dump would fail: 4 problems/ : /the dump would fail: 5 problems/);
    expect(r.stderr).toContain(`lacks SELECT on table ${db}.secret`);
    expect(r.stderr).toContain(`fix: GRANT SELECT ON \`${db}\`.\`secret\` TO '${user}'@'%'; or leave it out with --ignore-table ${db}.secret`);
    expect(r.stderr).toContain(`lacks SHOW VIEW on database ${db}, needed to read the definitions of its views`);
    expect(r.stderr).toMatch(/cannot take the global read lock \(--lock-mode ftwrl\): the account .* lacks RELOAD/);
    if (mariadb) expect(r.stderr).not.toMatch(/BINLOG MONITOR|REPLICATION CLIENT/);
    else expect(r.stderr).toMatch(/fix: GRANT REPLICATION CLIENT ON \*\.\* TO/);
    expect(r.stderr).toMatch(/output \S+ is not empty/);
    expect(r.stderr).toContain(`warning: database ${db}: this account cannot see its triggers (no TRIGGER privilege) or events (no EVENT privilege); any there are would be left out of the dump`);
    const fresh = path.join(tempDir('pf-new'), 'dump');
    const again = await as(['-B', db, '-o', fresh, '--dry-run']);
    expect(again.code, again.stderr).toBe(1);
    expect(existsSync(fresh), 'the dry run created no output directory').toBe(false);
  });

  it('the real dump stops with the problems before creating its output', async () => {
    const fresh = path.join(tempDir('pf-real'), 'dump');
    const r = await as(['-B', db, '-o', fresh]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`lacks SELECT on table ${db}.secret`);
    expect(existsSync(fresh)).toBe(false);
  });

  it('only command-line mistakes (a filter matching nothing, an output that is not ours): exit 2, both listed', async () => {
    const foreign = tempDir('pf-foreign2');
    mkdirSync(path.join(foreign, 'sub'));
    writeFileSync(path.join(foreign, 'sub', 'x'), 'x');
    const r = await as(['-B', db, '-x', '^nomatch\\.', '-o', foreign, '--dry-run'], testServer().user);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/2 problems/);
    expect(r.stderr).toContain('-x ^nomatch\\.: matches no table');
    expect(r.stderr).toMatch(/is not empty/);
  });

  it('an output that cannot be created (below a regular file): said by the dry run, exit 2', async () => {
    const dir = tempDir('pf-file');
    writeFileSync(path.join(dir, 'plain'), 'a file');
    const r = await as(['-B', db, '-o', path.join(dir, 'plain', 'dump'), '--dry-run'], testServer().user);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`cannot write the dump to ${path.join(dir, 'plain', 'dump')}: ${path.join(dir, 'plain')} is not a directory`);
  });

  it('a willing account and a new output: the dry run passes, writes nothing; the dump runs', async () => {
    const fresh = path.join(tempDir('pf-ok'), 'dump');
    const dry = await as(['-B', db, '-o', fresh, '--dry-run'], testServer().user);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/table small: ~\d+ rows/);
    expect(dry.stdout).toMatch(/dry run: would dump 2 table\(s\) and 2 other object\(s\)/);
    expect(dry.stdout).toMatch(/preflight: no problems found/);
    expect(existsSync(fresh)).toBe(false);
    const run = await as(['-B', db, '-o', fresh, '-q'], testServer().user);
    expect(run.code, run.stderr).toBe(0);
    expect(existsSync(path.join(fresh, 'manifest.json'))).toBe(true);
  });
});

describe('--help says what the dry run and the preflight do', () => {
  it('tsdump and tsload', async () => {
    for (const bin of ['tsdump', 'tsload'] as const) {
      const r = await runCli(bin, ['--help']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/--dry-run +check /);
      expect(r.stdout).toMatch(/every run checks what would make it fail/i);
      expect(r.stdout).toMatch(/lists every problem with its fix/);
    }
  });
});
