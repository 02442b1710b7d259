import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteIdent } from '../../src/core/ident.js';
import type { Manifest } from '../../src/format/manifest.js';
import { runCli } from '../support/cli.js';
import { adminSessionOn, startPrivateServer, uniqueDb, type AdminSession, type ServerHandle } from '../support/server.js';

const ROWS = 2000;

/**
 * A MyISAM table is not in the InnoDB snapshot: a row written to it after the snapshot is taken is in the
 * dump if the dump reads the table later. The race is made deterministic as in dump-ddl.test.ts: tsdump is
 * stopped (SIGSTOP) as soon as it reports its snapshot taken (the 'start' event), an INSERT runs from
 * another session, and tsdump goes on once the INSERT either finished or is seen waiting for the lock.
 * With --lock-non-transactional the lock is still held there: the INSERT waits until the MyISAM table is
 * dumped, and the dump holds the table as of the coordinates. Without it, the dump warns. A private server:
 * the test holds a global lock.
 */
describe('tsdump and tables of non-transactional engines', () => {
  let server: ServerHandle;
  let admin: AdminSession;
  const dirs: string[] = [];

  beforeAll(async () => {
    server = await startPrivateServer();
    admin = await adminSessionOn(server.info);
  }, 120_000);

  afterAll(async () => {
    await admin?.close();
    await server?.destroy();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  for (const [lockMode, hold] of [['auto', true], ['ftwrl', true], ['auto', false]] as const) {
    it(`--lock-mode ${lockMode}${hold ? ' --lock-non-transactional: a write to a MyISAM table waits until it is dumped' : ': a write lands in the dump, and the dump says so'}`, async () => {
      const db = uniqueDb('ntx');
      await admin.query(`CREATE DATABASE ${quoteIdent(db)}; USE ${quoteIdent(db)};
        CREATE TABLE m (id INT PRIMARY KEY, v VARCHAR(20) NOT NULL) ENGINE=MyISAM;
        INSERT INTO m SELECT seq, CONCAT('row ', seq) FROM seq_1_to_${ROWS};
        CREATE TABLE i (id INT PRIMARY KEY) ENGINE=InnoDB;
        INSERT INTO i SELECT seq FROM seq_1_to_100;`);
      const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'tsdump-ntx-')), 'dump');
      dirs.push(path.dirname(out));
      const writer = await adminSessionOn(server.info, db);
      const writerId = Number(await writer.scalar('SELECT CONNECTION_ID()'));
      let pid = 0;
      let events = '';
      let insert: Promise<'done' | 'failed'> | null = null;
      let outcome: Promise<'done' | 'failed' | 'waiting'> | null = null;
      const conn = ['--no-defaults', '-h', server.info.host, '-P', String(server.info.port), '-u', server.info.user];
      const args = [...conn, '-B', db, '-o', out, '--rows', '200', '-t', '2', '--lock-mode', lockMode, ...(hold ? ['--lock-non-transactional'] : []), '--progress', 'json'];
      const r = await runCli('tsdump', args, {
        env: { MYSQL_PWD: server.info.password || undefined },
        onSpawn: (p) => (pid = p),
        onStdout: (text) => {
          events += text;
          if (insert || !/"kind":"start"/.test(events)) return;
          process.kill(pid, 'SIGSTOP');
          insert = writer.query(`INSERT INTO m VALUES (0, 'after the snapshot')`).then(() => 'done' as const, () => 'failed' as const);
          const stop = { done: false };
          void insert.then(() => (stop.done = true));
          outcome = Promise.race([insert, waitingForGlobalLock(admin, writerId, stop)]).finally(() => process.kill(pid, 'SIGCONT'));
        },
      });
      expect(outcome, 'the dump never reported its snapshot').not.toBeNull();
      expect(await outcome!).toBe(hold ? 'waiting' : 'done');
      expect(await insert!).toBe('done');
      await writer.close();
      expect(r.code, r.stderr).toBe(0);
      const manifest = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8')) as Manifest;
      const m = manifest.databases[0]!.tables.find((t) => t.name === 'm')!;
      expect(m.chunks.length).toBeGreaterThan(1);
      expect(m.rows).toBe(hold ? ROWS : ROWS + 1);
      if (hold) {
        expect(r.stdout + r.stderr).not.toContain('not in the consistent snapshot');
        expect(r.stdout).toContain('global lock released: the 1 non-transactional table(s) are dumped');
      } else {
        expect(r.stdout).toContain(`a table of a non-transactional engine is not in the consistent snapshot: ${db}.m (MyISAM)`);
      }
      await admin.query(`DROP DATABASE ${quoteIdent(db)}`);
    }, 120_000);
  }

  it('--lock-non-transactional with --lock-mode no-lock is refused: there is no lock to hold', async () => {
    const r = await runCli('tsdump', ['--no-defaults', '-h', server.info.host, '-P', String(server.info.port), '-u', server.info.user, '-B', 'mysql', '-o', path.join(os.tmpdir(), 'never-written'), '--lock-mode', 'no-lock', '--lock-non-transactional'], { env: { MYSQL_PWD: server.info.password || undefined } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--lock-non-transactional holds the snapshot\'s global lock, but --lock-mode no-lock takes none');
  });
});

/** Resolves 'waiting' once session `id` is seen waiting for the global lock (never, once `stop.done`). */
async function waitingForGlobalLock(admin: AdminSession, id: number, stop: { done: boolean }): Promise<'waiting'> {
  for (;;) {
    if (stop.done) return new Promise(() => undefined);
    const state = await admin.scalar('SELECT STATE FROM information_schema.PROCESSLIST WHERE ID = ?', [id]);
    if (typeof state === 'string' && /backup lock|global read lock/i.test(state)) return 'waiting';
    await new Promise((r) => setTimeout(r, 20));
  }
}
