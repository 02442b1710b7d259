/**
 * Errors that teach: the failures DBAs hit first (wrong password, no password, nothing listening,
 * unknown host, a missing privilege, an unknown database, no RELOAD for the global lock) each give a
 * message naming the cause and object, a hint with the fix, and the documented exit code:
 * usage 2, connection/auth 3, failed 1, verify 4, interrupted 5, bad dump 6.
 */
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { removeTemps, tempDir } from '../support/faults.js';
import type { AdminSession } from '../support/server.js';
import { adminSession, dropDbs, testServer, uniqueDb } from '../support/server.js';

async function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

describe('errors that teach', () => {
  const db = uniqueDb('errors');
  const suffix = db.slice(-8);
  const limited = `lim_${suffix}`;
  const password = `pw-${suffix}-Ok`;
  let admin: AdminSession;

  const args = (user: string): string[] => {
    const s = testServer();
    return ['--no-defaults', '-h', s.host, '-P', String(s.port), '-u', user];
  };
  const out = (): string => path.join(tempDir('errors'), 'dump');
  const as = (user: string, extra: readonly string[], pw: string | null = password) =>
    runCli('tsdump', [...args(user), '-o', out(), ...extra], { env: { MYSQL_PWD: pw ?? undefined } });

  beforeAll(async () => {
    admin = await adminSession();
    await admin.query(`CREATE DATABASE \`${db}\`;
      CREATE TABLE \`${db}\`.small (id INT PRIMARY KEY, v VARCHAR(10)); INSERT INTO \`${db}\`.small VALUES (1, 'a');
      CREATE TABLE \`${db}\`.secret (id INT PRIMARY KEY, v VARCHAR(10)); INSERT INTO \`${db}\`.secret VALUES (1, 'x')`);
    await admin.query(`CREATE USER '${limited}'@'%' IDENTIFIED BY '${password}'`);
    // SELECT on one table; on the other only INSERT, so it is visible but cannot be read
    await admin.query(`GRANT SELECT ON \`${db}\`.small TO '${limited}'@'%'; GRANT INSERT ON \`${db}\`.secret TO '${limited}'@'%'`);
  });

  afterAll(async () => {
    await admin.query(`DROP USER IF EXISTS '${limited}'@'%'`).catch(() => undefined);
    await dropDbs(db);
    await admin?.close();
    removeTemps();
  });

  it('wrong password: exit 3, access denied (1045) with a hint on credentials', async () => {
    const r = await as(limited, ['-B', db], 'not-the-password');
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/Access denied for user '[^']+'@'[^']+' \(using password: YES\)/);
    expect(r.stderr).toMatch(/\[server error 1045\]/);
    expect(r.stderr).toMatch(/hint: check the user name and password/);
    expect(r.stderr).not.toContain('not-the-password');
  });

  it('no password sent: exit 3, "using password: NO" with a hint on how to give one', async () => {
    const r = await as(limited, ['-B', db], null);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/using password: NO/);
    expect(r.stderr).toMatch(/hint: no password was sent: pass -p/);
  });

  it('nothing listening on the port: exit 3, cannot connect (connection refused)', async () => {
    const port = await closedPort();
    const r = await runCli('tsdump', ['--no-defaults', '-h', '127.0.0.1', '-P', String(port), '-u', 'root', '-B', db, '-o', out()]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/cannot connect: .*ECONNREFUSED 127\.0\.0\.1:\d+/);
    expect(r.stderr).not.toMatch(/cannot connect: cannot connect/);
    expect(r.stderr).toMatch(/hint: nothing listens there: check -h\/-P/);
  });

  it('a server that accepts and never answers: exit 3, the timeout names host and port', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const r = await runCli('tsdump', ['--no-defaults', '-h', '127.0.0.1', '-P', String(port), '-u', 'root', '--connect-timeout', '1', '-B', db, '-o', out()]);
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toContain(`connection timed out: cannot connect: connect ETIMEDOUT (127.0.0.1:${port})`);
    } finally {
      silent.close();
    }
  });

  it('selections of nothing: --no-data with --no-schema, filters leaving out every table, one database renamed twice: exit 2', async () => {
    const none = await as(testServer().user, ['-B', db, '--no-data', '--no-schema'], testServer().password);
    expect(none.code, none.stderr).toBe(2);
    expect(none.stderr).toContain('--no-data and --no-schema together dump nothing');
    const everyTable = await as(testServer().user, ['-B', db, '--exclude-regex', '.'], testServer().password);
    expect(everyTable.code, everyTable.stderr).toBe(2);
    expect(everyTable.stderr).toContain('the filters together leave out every table of the dump');
    const ignoredAll = await as(testServer().user, ['-B', db, '--ignore-table', `${db}.small`, '--ignore-table', `${db}.secret`], testServer().password);
    expect(ignoredAll.code, ignoredAll.stderr).toBe(2);
    expect(ignoredAll.stderr).toContain('the filters together leave out every table of the dump');
    const twice = await runCli('tsload', [...args('root'), '-d', out(), '--rename', 'a=b', '--rename', 'a=c']);
    expect(twice.code, twice.stderr).toBe(2);
    expect(twice.stderr).toContain('--rename gives database a two names: b and c');
  });

  it('unknown host: exit 3, names the host', async () => {
    const r = await runCli('tsdump', ['--no-defaults', '-h', 'no-such-host.invalid', '-u', 'root', '-B', db, '-o', out()]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/unknown host 'no-such-host\.invalid'/);
    expect(r.stderr).toMatch(/hint: the host name 'no-such-host\.invalid' does not resolve/);
  });

  it('a missing SELECT privilege: exit 1 naming the table, the privilege, the account and the GRANT to run', async () => {
    const r = await as(limited, ['-T', `${db}.secret`]);
    // found by the preflight from SHOW GRANTS, before anything is written
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`table ${db}.secret`);
    expect(r.stderr).toContain(`the account '${limited}'@'%' lacks SELECT on table ${db}.secret`);
    expect(r.stderr).toContain(`GRANT SELECT ON \`${db}\`.\`secret\` TO '${limited}'@`);
  });

  it('an unknown database (-B nope): exit 2 naming it', async () => {
    const r = await runCli('tsdump', [...args(testServer().user), '-B', `${db}_nope`, '-o', out()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`database '${db}_nope' does not exist`);
    expect(r.stderr).toMatch(/hint: check -B/);
  });

  it('a database the account cannot see: exit 2, says it may be a privilege problem', async () => {
    const r = await as(limited, ['-B', 'mysql']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/does not exist on the server, or this account has no privilege on it/);
  });

  it('FTWRL denied (no RELOAD) with --lock-mode ftwrl: exit 1, suggests --lock-mode no-lock', async () => {
    const r = await as(limited, ['-T', `${db}.small`, '--lock-mode', 'ftwrl']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot take the global read lock/);
    expect(r.stderr).toMatch(/RELOAD/);
    expect(r.stderr).toMatch(/--lock-mode no-lock/);
  });

  it('usage errors exit 2', async () => {
    expect((await runCli('tsdump', ['--bogus'])).code).toBe(2);
    expect((await runCli('tsdump', ['-t', '0', '-o', out()])).code).toBe(2);
    const noOut = await runCli('tsdump', [...args(testServer().user), '-B', db]);
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toMatch(/no output directory/);
  });

  it('verify of a directory that is not a dump exits 6 (bad dump)', async () => {
    const r = await runCli('tsdump', ['verify', tempDir('not-a-dump')]);
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/no manifest\.json/);
  });
});
