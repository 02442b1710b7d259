import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteIdent } from '../../src/core/ident.js';
import type { Manifest } from '../../src/format/manifest.js';
import { runCli } from '../support/cli.js';
import { adminSessionOn, startPrivateServer, uniqueDb, type AdminSession, type ServerHandle } from '../support/server.js';

const ROWS = 3000;
const PROCEDURES = 300;

/** DDL statements a DBA runs on a dumped table while the dump runs (table `t`). */
const DDL = {
  truncate: 'TRUNCATE TABLE t',
  'instant alter': 'ALTER TABLE t ADD COLUMN extra INT NOT NULL DEFAULT 7, ALGORITHM=INSTANT',
  'copying alter': 'ALTER TABLE t ADD COLUMN extra INT NOT NULL DEFAULT 7, ALGORITHM=COPY',
  drop: 'DROP TABLE t',
  rename: 'RENAME TABLE t TO t_renamed',
} as const;
type DdlKind = keyof typeof DDL;

/**
 * DDL on a dumped table after the snapshot is taken must wait until the dump ends: never a dump
 * that says it is exact and holds data, schema or coordinates of another moment (before the fix:
 * TRUNCATE and copying ALTER failed the dump with 1412, DROP and RENAME with 1146, and an instant
 * ALTER went through unnoticed). The race is made deterministic: the test stops tsdump (SIGSTOP)
 * as soon as it reports its snapshot taken (the 'start' event, after the global lock was released)
 * while its schema phase still runs (hundreds of procedures to print, before any data is read),
 * runs the DDL from another session, and lets tsdump go on only once the DDL either finished or is
 * seen waiting for the table's metadata lock.
 */
describe('tsdump blocks DDL on the dumped tables for the whole dump', () => {
  let server: ServerHandle;
  let admin: AdminSession;
  const pad = uniqueDb('ddl_pad');
  const dirs: string[] = [];

  beforeAll(async () => {
    server = await startPrivateServer();
    admin = await adminSessionOn(server.info);
    await admin.query(`CREATE DATABASE ${quoteIdent(pad)}`);
    const procs = Array.from({ length: PROCEDURES }, (_, i) => `CREATE PROCEDURE ${quoteIdent(pad)}.p${i} () SELECT ${i};`).join('\n');
    await admin.query(procs);
  }, 120_000);

  afterAll(async () => {
    await admin?.close();
    await server?.destroy();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  const cases = (['auto', 'ftwrl', 'backup-stage', 'no-lock'] as const).flatMap((mode) => (Object.keys(DDL) as DdlKind[]).map((ddl) => [mode, ddl] as const));

  it.each(cases)('--lock-mode %s, %s during the dump', async (mode, ddl) => {
    const db = uniqueDb('ddl');
    await admin.query(`CREATE DATABASE ${quoteIdent(db)}; USE ${quoteIdent(db)};
      CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20) NOT NULL) ENGINE=InnoDB;
      INSERT INTO t SELECT seq, CONCAT('row ', seq) FROM seq_1_to_${ROWS};`);
    const out = mkdtempSync(path.join(os.tmpdir(), 'tsdump-ddl-'));
    dirs.push(out);
    const other = await adminSessionOn(server.info, db);
    await other.query('SET SESSION lock_wait_timeout = 120');
    const otherId = Number(await other.scalar('SELECT CONNECTION_ID()'));
    let pid = 0;
    let events = '';
    let ddlRun: Promise<'done' | 'failed'> | null = null;
    let ddlOutcome: Promise<'done' | 'failed' | 'waiting'> | null = null;
    const conn = ['--no-defaults', '-h', server.info.host, '-P', String(server.info.port), '-u', server.info.user];
    const dump = runCli('tsdump', [...conn, '-B', db, '-B', pad, '-o', out, '--rows', '500', '-t', '2', '--lock-mode', mode, '--progress', 'json'], {
      env: { MYSQL_PWD: server.info.password || undefined },
      onSpawn: (p) => (pid = p),
      onStdout: (text) => {
        events += text;
        if (ddlRun || !/"kind":"start"/.test(events)) return;
        process.kill(pid, 'SIGSTOP');
        ddlRun = other.query(DDL[ddl]).then(() => 'done' as const, () => 'failed' as const);
        const stop = { done: false };
        void ddlRun.then(() => (stop.done = true));
        ddlOutcome = Promise.race([ddlRun, waitingForMetadataLock(admin, otherId, stop)]).finally(() => process.kill(pid, 'SIGCONT'));
      },
    });
    const r = await dump;
    expect(ddlOutcome, 'the dump never reported its snapshot').not.toBeNull();
    // Blocked: the DDL waited for the dump, and ran once the dump ended.
    const outcome = await ddlOutcome!;
    const ddlAfter = await ddlRun!;
    await other.close();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(outcome).toBe('waiting');
    expect(ddlAfter).toBe('done');
    const manifest = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest.snapshot.exact).toBe(true);
    const t = manifest.databases.find((d) => d.name === db)!.tables.find((x) => x.name === 't')!;
    expect(t.rows).toBe(ROWS);
    expect(t.columns.map((c) => c.name)).toEqual(['id', 'v']);
    expect(readFileSync(path.join(out, t.schema.path), 'utf8')).not.toContain('extra');
    let sum = 0;
    for (const c of t.chunks) for (const line of readFileSync(path.join(out, c.path), 'utf8').split('\n')) if (line) sum += Number(line.split(',')[0]);
    expect(sum).toBe((ROWS * (ROWS + 1)) / 2);
    await admin.query(`DROP DATABASE ${quoteIdent(db)}`);
  }, 120_000);
});

/** Resolves 'waiting' once session `id` is seen waiting for a table metadata lock (never, once `stop.done`). */
async function waitingForMetadataLock(admin: AdminSession, id: number, stop: { done: boolean }): Promise<'waiting'> {
  for (;;) {
    if (stop.done) return new Promise(() => undefined);
    const state = await admin.scalar('SELECT STATE FROM information_schema.PROCESSLIST WHERE ID = ?', [id]);
    if (typeof state === 'string' && /metadata lock/i.test(state)) return 'waiting';
    await new Promise((r) => setTimeout(r, 20));
  }
}
