/**
 * --log-file: plain log lines with full timestamps appended to a file, whatever the display, for a
 * dump, a load and a failed load; never the password, even when it was given on the command line.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { bigTable, removeTemps, tempDir } from '../support/faults.js';
import type { AdminSession } from '../support/server.js';
import { adminSession, dropDbs, testServer, uniqueDb } from '../support/server.js';

const ISO_LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \S/;

describe('--log-file', () => {
  const db = uniqueDb('logfile');
  const copy = uniqueDb('logfile_copy');
  const user = `log_${db.slice(-8)}`;
  const password = `Lg4k${db.slice(-8)}Zq2w`;
  let admin: AdminSession;
  let dir: string;
  let args: string[];

  beforeAll(async () => {
    admin = await adminSession();
    await admin.query(`CREATE DATABASE \`${db}\``);
    await bigTable(admin, db, 'items', 5000, 50);
    await admin.query(`CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'; GRANT ALL PRIVILEGES ON *.* TO '${user}'@'%'`);
    const s = testServer();
    // the password on the command line on purpose: the one place a log could pick it up from
    args = ['--no-defaults', '-h', s.host, '-P', String(s.port), '-u', user, `--password=${password}`];
    dir = tempDir('log-file');
  });

  afterAll(async () => {
    await admin?.query(`DROP USER IF EXISTS '${user}'@'%'`).catch(() => undefined);
    await dropDbs(db, copy);
    await admin?.close();
    removeTemps();
  });

  it('a dump, a load and a failed load append timestamped lines to one file, without the password', async () => {
    const log = path.join(dir, 'runs.log');
    const dump = path.join(dir, 'dump');
    const env = { MYSQL_PWD: undefined };
    const d = await runCli('tsdump', [...args, '-B', db, '--rows', '1000', '-q', '--log-file', log, '-o', dump], { env });
    expect(d.code, d.stderr).toBe(0);
    // --quiet keeps the terminal quiet, not the log
    expect(d.stderr).toBe('');
    const l = await runCli('tsload', [...args, '-d', dump, '-B', copy, '--progress', 'json', '--log-file', log], { env });
    expect(l.code, l.stderr).toBe(0);
    const again = await runCli('tsload', [...args, '-d', dump, '-B', db, '--log-file', log], { env });
    expect(again.code).not.toBe(0);

    const text = readFileSync(log, 'utf8');
    const lines = text.trimEnd().split('\n');
    for (const line of lines) expect(line, 'every line starts with an ISO-8601 UTC time').toMatch(ISO_LINE);
    expect(text).not.toContain(password);
    expect(text).toMatch(/ tsdump started \(pid \d+\)\n/);
    expect(text).toMatch(new RegExp(` ${db}\\.items: 5,?000 rows`));
    expect(text).toMatch(/ data done in /);
    expect(text).toMatch(/ tsdump finished: 1 tables, 5,000 rows/);
    expect(text).toMatch(/ tsload started \(pid \d+\)\n/);
    expect(text).toMatch(/ tsload finished: 1 tables, 5,000 rows/);
    // the failure, with its code and hint
    expect(text).toMatch(/ error \[\S+\]: .*items.*\(hint: /);
    expect(lines.filter((x) => / started \(pid/.test(x))).toHaveLength(3);
  });

  it('a log file that cannot be opened is a usage error naming it, before anything is dumped', async () => {
    const bad = path.join(dir, 'no-such-dir', 'x.log');
    const out = path.join(dir, 'not-made');
    const r = await runCli('tsdump', [...args, '-B', db, '--log-file', bad, '-o', out], { env: { MYSQL_PWD: undefined } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(bad);
    expect(r.stderr).not.toContain(password);
    expect(existsSync(out)).toBe(false);
  });
});
