/**
 * The password never leaks: not on stdout or stderr (also in error runs), not in the manifest or any
 * dump file, not in `--progress json` events, and not in /proc/<pid>/cmdline of the running process
 * (process.title replaces argv). Four ways to pass it: -p<pw>, MYSQL_PWD, --url and an option file;
 * an option file anyone may write is not read. Nor does the password hash of an account statement
 * of a loaded file leak when the target refuses the statement (its message quotes it).
 */
import { chmodSync, copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli, type CliResult } from '../support/cli.js';
import { bigTable, largestPartial, listFiles, removeTemps, signal, tempDir, waitFor } from '../support/faults.js';
import type { AdminSession } from '../support/server.js';
import { adminSession, dropDbs, testServer, uniqueDb } from '../support/server.js';

const MODES = ['argv -p<pw>', 'MYSQL_PWD', '--url', 'option file'] as const;
type Mode = (typeof MODES)[number];

describe('secrets stay secret', () => {
  const db = uniqueDb('secrets');
  const user = `sec_${db.slice(-8)}`;
  const password = `Xq7v${db.slice(-8)}Pw9z`;
  let admin: AdminSession;
  let optionFile: string;

  beforeAll(async () => {
    admin = await adminSession();
    await admin.query(`CREATE DATABASE \`${db}\``);
    await bigTable(admin, db, 'big', 100_000, 200);
    await admin.query(`CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'; GRANT ALL PRIVILEGES ON *.* TO '${user}'@'%'`);
    const s = testServer();
    optionFile = path.join(tempDir('secrets-cnf'), 'my.cnf');
    writeFileSync(optionFile, `[client]\nuser = ${user}\npassword = ${password}\nhost = ${s.host}\nport = ${s.port}\n`, { mode: 0o600 });
  }, 180_000);

  afterAll(async () => {
    await admin?.query(`DROP USER IF EXISTS '${user}'@'%'`).catch(() => undefined);
    await dropDbs(db);
    await admin?.close();
    removeTemps();
  });

  function invocation(mode: Mode, database: string): { args: string[]; env: Record<string, string | undefined> } {
    const s = testServer();
    const hostPort = ['-h', s.host, '-P', String(s.port), '-u', user];
    switch (mode) {
      case 'argv -p<pw>':
        return { args: ['--no-defaults', ...hostPort, `-p${password}`, '-B', database], env: { MYSQL_PWD: undefined } };
      case 'MYSQL_PWD':
        return { args: ['--no-defaults', ...hostPort, '-B', database], env: { MYSQL_PWD: password } };
      case '--url':
        return { args: ['--no-defaults', '--url', `mysql://${user}:${password}@${s.host}:${s.port}`, '-B', database], env: { MYSQL_PWD: undefined } };
      case 'option file':
        return { args: [`--defaults-file=${optionFile}`, '-B', database], env: { MYSQL_PWD: undefined } };
    }
  }

  function expectNoSecret(what: string, text: string): void {
    expect(text.includes(password), `${what} contains the password:\n${text.slice(0, 2000)}`).toBe(false);
  }

  function expectCleanRun(r: CliResult): void {
    expectNoSecret('stdout', r.stdout);
    expectNoSecret('stderr', r.stderr);
  }

  for (const mode of MODES) {
    it(`${mode}: not in output, --progress json, the dump files or the process title`, async () => {
      const dir = path.join(tempDir('secrets'), 'dump');
      const { args, env } = invocation(mode, db);
      let pid = 0;
      let cmdline = '';
      const run = runCli('tsdump', [...args, '-o', dir, '--progress', 'json', '-t', '2', '--rows', '20000'], {
        env,
        onSpawn: (p) => {
          pid = p;
        },
      });
      // freeze the process while it streams data (long after argv parsing) and read its command line
      await waitFor('a chunk streaming', () => largestPartial(dir) > 0, 60_000, 5);
      signal(pid, 'SIGSTOP');
      try {
        cmdline = readFileSync(`/proc/${pid}/cmdline`).toString('utf8').replace(/\0/g, ' ');
      } finally {
        signal(pid, 'SIGCONT');
      }
      const r = await run;
      expect(r.code, r.stderr).toBe(0);
      expect(cmdline.length).toBeGreaterThan(0);
      expectNoSecret('/proc/<pid>/cmdline', cmdline);
      expectCleanRun(r);
      // --progress json is one JSON event per line
      const events = r.stdout.split('\n').filter((l) => l.trim() !== '');
      expect(events.length).toBeGreaterThan(0);
      for (const line of events) expect(() => JSON.parse(line) as unknown).not.toThrow();
      for (const f of listFiles(dir)) expectNoSecret(f, readFileSync(path.join(dir, f)).toString('latin1'));
      expect(listFiles(dir)).toContain('manifest.json');
    });

    it(`${mode}: not in the messages of a failed run (unknown database, then wrong password)`, async () => {
      const { args, env } = invocation(mode, `${db}_nope`);
      const r = await runCli('tsdump', [...args, '-o', path.join(tempDir('secrets-err'), 'dump'), '--progress', 'json'], { env });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/does not exist/);
      expectCleanRun(r);
      // a password that is nearly right must not be echoed either
      const wrong = `${password}x`;
      const w = invocation(mode, db);
      const wargs = w.args.map((a) => a.split(password).join(wrong));
      const wenv = Object.fromEntries(Object.entries(w.env).map(([k, v]) => [k, v?.split(password).join(wrong)]));
      if (mode === 'option file') {
        const f = path.join(tempDir('secrets-cnf-wrong'), 'my.cnf');
        writeFileSync(f, readFileSync(optionFile, 'utf8').split(password).join(wrong), { mode: 0o600 });
        wargs[0] = `--defaults-file=${f}`;
      }
      const x = await runCli('tsdump', [...wargs, '-o', path.join(tempDir('secrets-err'), 'dump')], { env: wenv });
      expect(x.code).toBe(3);
      expect(x.stderr).toMatch(/Access denied/);
      expectCleanRun(x);
      expect(x.stderr.includes(wrong)).toBe(false);
    });
  }

  it('a world-writable option file is ignored with a warning, as the mysql client does (anyone could point it at their own server)', async () => {
    const shared = path.join(tempDir('secrets-cnf-ww'), 'my.cnf');
    copyFileSync(optionFile, shared);
    chmodSync(shared, 0o666);
    const s = testServer();
    const r = await runCli('tsdump', [`--defaults-file=${shared}`, '-h', s.host, '-P', String(s.port), '-B', db, '-o', path.join(tempDir('secrets-ww'), 'dump')], { env: { MYSQL_PWD: undefined, USER: user } });
    // none of its settings were taken: the server is the one given, the user the login name, and no password was sent
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/Access denied for user .*using password: NO/);
    expect(r.stderr).toContain(`warning: world-writable option file '${shared}' is ignored (as the mysql client does): chmod o-w it`);
    expectCleanRun(r);
    chmodSync(shared, 0o600);
    const ok = await runCli('tsdump', [`--defaults-file=${shared}`, '-B', db, '-o', path.join(tempDir('secrets-ww'), 'dump2'), '--no-data', '-q'], { env: { MYSQL_PWD: undefined } });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).not.toContain('world-writable');
  });

  it('a password hash in an account statement of a mysqldump file is in no message, log line or json event (the statement is not run, and a note says so)', async () => {
    // a MySQL 8 account (its binary hash as hex) in a file loaded into MariaDB: the server quotes the statement from the hash on
    // the run's own part in letters only: in digits it could be the database name's suffix (printed in
    // every event), and the check below then found 'the hash' in the output (1 run in 43: all 8 hex digits decimal)
    const own = db.slice(-8).replace(/[0-9]/g, (d) => 'ABCDEFABCD'[Number(d)]!).replace(/[^a-f]/gi, 'E');
    const hash = `24412430303524${'9F3C'.repeat(8)}${own}${'B7A1'.repeat(8)}`.toUpperCase();
    const file = path.join(tempDir('secrets-sql'), 'accounts.sql');
    writeFileSync(file, `CREATE TABLE t (id INT PRIMARY KEY);\nCREATE USER \`${user}_my8\`@\`%\` IDENTIFIED WITH 'caching_sha2_password' AS 0x${hash} REQUIRE NONE;\n-- Dump completed on 2026-12-07 10:00:00\n`);
    const target = `${db}_sql`;
    const log = path.join(tempDir('secrets-sql-log'), 'load.log');
    try {
      const r = await runCli('tsload', [...invocation('MYSQL_PWD', db).args.filter((a) => a !== '-B' && a !== db), '-d', file, '-B', target, '--progress', 'json', '--log-file', log], { env: { MYSQL_PWD: password } });
      // account statements are the server's, not data: not run (were it run, MariaDB would refuse it and
      // quote it from the hash on; the redaction of such messages: unit tests of core/sql-secrets.ts)
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/statements about accounts \(CREATE USER, GRANT …, from line 2\) are not run/);
      for (const [what, text] of [['stdout (json events)', r.stdout], ['stderr', r.stderr], ['the log file', readFileSync(log, 'utf8')]] as const) {
        const pieces = Array.from({ length: hash.length - 7 }, (_, i) => hash.slice(i, i + 8)).filter((x) => text.includes(x));
        expect(pieces, `${what} shows the hash:\n${text}`).toEqual([]);
      }
    } finally {
      await dropDbs(target);
    }
  });

  it('argv is off the process title before the commands\' modules load (the window ps could show it in is Node\'s start-up alone)', async () => {
    const probe = path.join(tempDir('secrets-probe'), 'cmdline');
    const r = await runCli('tsdump', ['--no-defaults', '-h', '127.0.0.1', '-P', '1', '-u', user, `--password=${password}`, '-o', path.join(tempDir('secrets-probe-out'), 'dump')], {
      env: { NODE_OPTIONS: `--import=${path.join(REPO_ROOT, 'test', 'support', 'argv-probe.mjs')}`, ARGV_PROBE_OUT: probe, MYSQL_PWD: undefined },
    });
    expect(r.code).toBe(3);
    const cmdline = readFileSync(probe).toString('utf8').replace(/\0/g, ' ');
    expect(cmdline.trim()).toBe('tsdump');
    expectCleanRun(r);
  });

  it('an invalid --url is refused with the password masked', async () => {
    const r = await runCli('tsdump', ['--no-defaults', '--url', `mysql://${user}:${password}@127.0.0.1:notaport`, '-B', db, '-o', path.join(tempDir('secrets-url'), 'dump')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/invalid --url/);
    expectCleanRun(r);
  });
});
