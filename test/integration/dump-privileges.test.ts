import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteIdent } from '../../src/core/ident.js';
import type { Manifest } from '../../src/format/manifest.js';
import { replicationLines } from '../../src/format/replication.js';
import { runCli, type CliResult } from '../support/cli.js';
import { adminSessionOn, startPrivateServer, uniqueDb, type AdminSession, type ServerHandle } from '../support/server.js';

const USER = 'reader_only';
const PASSWORD = 'Sel3ct-only!';

/**
 * An account with only SELECT on the dumped database (no RELOAD, no REPLICATION CLIENT / BINLOG
 * MONITOR, no SHOW VIEW, TRIGGER, EVENT or routine privileges), on a server with the binary log on.
 * A private server: the lock-free snapshot such an account falls back to needs a moment without
 * commits, which the shared server (every other test file writing to it) does not give.
 */
describe('tsdump with an account that may only SELECT', () => {
  let server: ServerHandle;
  let admin: AdminSession;
  const db = uniqueDb('priv');
  const dirs: string[] = [];

  beforeAll(async () => {
    server = await startPrivateServer();
    admin = await adminSessionOn(server.info);
    await admin.query(`CREATE DATABASE ${quoteIdent(db)}; USE ${quoteIdent(db)};
      CREATE TABLE t (id INT PRIMARY KEY, v INT NOT NULL);
      INSERT INTO t SELECT seq, seq * 2 FROM seq_1_to_100;
      CREATE VIEW v AS SELECT id FROM t;
      CREATE PROCEDURE p () SELECT 1;
      CREATE FUNCTION f () RETURNS INT DETERMINISTIC RETURN 1;
      CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET NEW.v = NEW.v;
      CREATE EVENT e ON SCHEDULE EVERY 1 DAY DISABLE DO SELECT 1;
      CREATE USER '${USER}'@'%' IDENTIFIED BY '${PASSWORD}';
      CREATE USER '${USER}'@'localhost' IDENTIFIED BY '${PASSWORD}';
      GRANT SELECT ON ${quoteIdent(db)}.* TO '${USER}'@'%';
      GRANT SELECT ON ${quoteIdent(db)}.* TO '${USER}'@'localhost';`);
  }, 120_000);

  afterAll(async () => {
    await admin?.close();
    await server?.destroy();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  async function dumpAsReader(...extra: string[]): Promise<{ r: CliResult; out: string; manifest: Manifest | null; warnings: string[] }> {
    const out = mkdtempSync(path.join(os.tmpdir(), 'tsdump-priv-'));
    dirs.push(out);
    const r = await runCli('tsdump', ['--no-defaults', '-h', server.info.host, '-P', String(server.info.port), '-u', USER, '-B', db, '--ignore-table', `${db}.v`, '-o', out, '-t', '2', '--progress', 'json', ...extra], { env: { MYSQL_PWD: PASSWORD } });
    const events = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { kind: string; message?: string });
    const manifest = r.code === 0 ? (JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8')) as Manifest) : null;
    return { r, out, manifest, warnings: events.filter((e) => e.kind === 'warning').map((e) => e.message ?? '') };
  }

  it('no RELOAD under --lock-mode auto: the verified lock-free snapshot, with exact coordinates from the snapshot itself (MariaDB needs no privilege for them)', async () => {
    const { r, manifest, warnings } = await dumpAsReader();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(warnings.some((w) => /^no privilege for (FLUSH TABLES WITH READ LOCK|BACKUP STAGE)/.test(w))).toBe(true);
    const status = (await admin.query<{ File: string; Position: string }>('SHOW MASTER STATUS'))[0]!;
    expect(manifest!.snapshot).toMatchObject({ mode: 'no-lock', exact: true, binlog: { file: status.File, position: Number(status.Position) } });
    expect(manifest!.databases[0]!.tables[0]!.rows).toBe(100);
    // it may not read mysql.gtid_slave_pos, but this server never applied a replicated transaction: nothing to say
    expect(warnings.filter((w) => /gtid_slave_pos/.test(w))).toEqual([]);
  });

  it('--no-coordinates dumps without coordinates, marked in the manifest, the summary and for tsload', async () => {
    const { r, manifest } = await dumpAsReader('--no-coordinates', '--progress', 'plain');
    expect(r.code).toBe(0);
    expect(manifest!.snapshot).toMatchObject({ exact: false, binlog: null, gtid: null });
    expect(manifest!.snapshot.noCoordinates).toMatch(/--no-coordinates/);
    expect(r.stdout + r.stderr).toMatch(/NO COORDINATES/);
    const lines = replicationLines(manifest!, null);
    expect(lines.join('\n')).toMatch(/cannot start a replica/);
    expect(lines.join('\n')).not.toMatch(/CHANGE (MASTER|REPLICATION)/);
  });

  it('reports, names and records in the manifest every object the privileges hide', async () => {
    const { r, manifest, warnings } = await dumpAsReader();
    expect(r.code).toBe(0);
    const missing = manifest!.missing ?? [];
    // Routines, triggers and events of objects it has no privilege on are not even listed: the kind is reported.
    for (const kind of ['routine', 'trigger', 'event']) expect(missing).toContainEqual(expect.objectContaining({ kind, database: db, name: null }));
    for (const m of missing) expect(m.reason).toBeTruthy();
    for (const kind of ['routines', 'triggers', 'events']) expect(warnings.some((w) => w.includes(kind) && w.includes(db))).toBe(true);
    // What it could read is dumped.
    expect(manifest!.databases[0]!.tables.map((t) => t.name)).toEqual(['t']);
    // A view it sees but may not read (no SHOW VIEW) is refused up front by the preflight, naming the grant.
    const refused = await runCli('tsdump', ['--no-defaults', '-h', server.info.host, '-P', String(server.info.port), '-u', USER, '-B', db, '-o', mkdtempSync(path.join(os.tmpdir(), 'tsdump-priv-')), '-q'], { env: { MYSQL_PWD: PASSWORD } });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/SHOW VIEW/);
  });

  it('with the privileges, nothing is missing and everything is dumped', async () => {
    const full = `${USER}_full`;
    await admin.query(`CREATE USER '${full}'@'%' IDENTIFIED BY '${PASSWORD}'; GRANT SELECT, SHOW VIEW, TRIGGER, EVENT ON ${quoteIdent(db)}.* TO '${full}'@'%'; GRANT SELECT ON mysql.proc TO '${full}'@'%';
      CREATE USER '${full}'@'localhost' IDENTIFIED BY '${PASSWORD}'; GRANT SELECT, SHOW VIEW, TRIGGER, EVENT ON ${quoteIdent(db)}.* TO '${full}'@'localhost'; GRANT SELECT ON mysql.proc TO '${full}'@'localhost';`);
    const out = mkdtempSync(path.join(os.tmpdir(), 'tsdump-priv-'));
    dirs.push(out);
    const r = await runCli('tsdump', ['--no-defaults', '-h', server.info.host, '-P', String(server.info.port), '-u', full, '-B', db, '-o', out, '-q'], { env: { MYSQL_PWD: PASSWORD } });
    expect(r.stderr).not.toMatch(/missing|not in the dump/);
    expect(r.code).toBe(0);
    const manifest = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest.missing).toBeUndefined();
    expect(manifest.databases[0]!.objects.map((o) => `${o.kind}:${o.name}`).sort()).toEqual(['event:e', 'function:f', 'procedure:p', 'trigger:tr', 'view:v']);
  });

  it('--help says what --lock-mode no-lock cannot do and what to use instead', async () => {
    const r = await runCli('tsdump', ['--help']);
    expect(r.code).toBe(0);
    const help = r.stdout.replace(/\s+/g, ' ');
    expect(help).toMatch(/with a writer active it fails after 5 attempts/);
    expect(help).toMatch(/use auto\/ftwrl\/backup-stage/);
    expect(help).toMatch(/--no-coordinates/);
  });
});
