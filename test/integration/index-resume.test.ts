/**
 * kill -9 of tsload during a long deferred ALTER (secondary indexes, then foreign keys): the ALTER
 * goes on running on the server. The rerun issues the same ALTER, waits behind the orphan on the
 * metadata lock and must then take what the orphan built as done (it failed with "Duplicate key
 * name 'us'" [1061], a foreign key with 1005 errno 121): exit 0, the rows as in the source
 * (CHECKSUM TABLE), every index and foreign key there. Covers a tsdump directory and a mariadb-dump
 * file (the script import builds its deferred clauses apart).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connArgs, mariadbDump, runCli, type CliResult } from '../support/cli.js';
import { sessionsRunning } from '../support/faults.js';
import type { AdminSession } from '../support/server.js';
import { adminSession, uniqueDb } from '../support/server.js';
import { cleanupLoads } from './load-fixture.js';

const ROWS = 300_000;

describe('tsload rerun after kill -9 during a deferred ALTER', () => {
  let admin: AdminSession;
  const src = uniqueDb('idx_kill_src');
  const targets: string[] = [];
  let dir = '';

  beforeAll(async () => {
    admin = await adminSession();
    const q = (sql: string): Promise<unknown> => admin.query(sql);
    await q(`CREATE DATABASE ${src}`);
    await q(`USE ${src}`); // the seq_1_to_N tables need a current database
    await q(`CREATE TABLE ${src}.parent (id INT PRIMARY KEY)`);
    await q(`INSERT INTO ${src}.parent SELECT seq FROM seq_1_to_1000`);
    await q(`CREATE TABLE ${src}.big (id INT PRIMARY KEY, v INT NOT NULL, s VARCHAR(64) NOT NULL, p INT NOT NULL, KEY kv (v, s), UNIQUE KEY us (s), KEY kp (p), CONSTRAINT fk_p FOREIGN KEY (p) REFERENCES parent (id)) ENGINE=InnoDB`);
    await q(`INSERT INTO ${src}.big SELECT seq, seq * 7919 % 100003, MD5(seq), 1 + seq % 1000 FROM seq_1_to_${ROWS}`);
    dir = mkdtempSync(path.join(os.tmpdir(), 'tsload-idx-kill-'));
    const r = await runCli('tsdump', [...connArgs(), '-B', src, '-o', path.join(dir, 'dump'), '--format', 'csv', '--rows', '100000', '-t', '2'], { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    mariadbDump(['--databases', src], path.join(dir, 'src.sql'));
  }, 600_000);

  afterAll(async () => {
    await cleanupLoads(src, targets, []);
    if (dir) rmSync(dir, { recursive: true, force: true });
    await admin?.close();
  });

  /** Runs tsload and kill -9s it as soon as the server shows its ALTER of `dst`.big adding an index (`KEY`) or the foreign key (`CONSTRAINT`). */
  async function killDuringAlter(args: readonly string[], dst: string, what: 'KEY' | 'CONSTRAINT'): Promise<CliResult> {
    let stop = false;
    let watcher: Promise<void> = Promise.resolve();
    const r = await runCli('tsload', args, {
      timeoutMs: 300_000,
      onSpawn: (pid) => {
        watcher = (async () => {
          while (!stop) {
            const rows = await sessionsRunning(admin, `ALTER TABLE \`${dst}\`.\`big\` ADD `).catch(() => []);
            if (rows.some((x) => /^ALTER TABLE \S+ ADD CONSTRAINT/.test(x.INFO ?? '') === (what === 'CONSTRAINT'))) {
              process.kill(pid, 'SIGKILL');
              return;
            }
            await new Promise((res) => setTimeout(res, 5));
          }
        })();
      },
    });
    stop = true;
    await watcher;
    return r;
  }

  async function expectAsSource(dst: string): Promise<void> {
    for (const t of ['parent', 'big']) {
      const sum = async (db: string): Promise<unknown> => (await admin.query<{ Checksum: string }>(`CHECKSUM TABLE \`${db}\`.\`${t}\``))[0]!.Checksum;
      expect(await sum(dst), `${dst}.${t}`).toBe(await sum(src));
      const create = async (db: string): Promise<string> => (await admin.query<Record<string, string>>(`SHOW CREATE TABLE \`${db}\`.\`${t}\``))[0]!['Create Table']!;
      expect(await create(dst)).toBe(await create(src));
    }
  }

  for (const input of ['tsdump', 'mariadb-dump'] as const) {
    it(`${input}: killed while adding the secondary indexes, then the foreign key: each rerun finishes what the orphan ALTER left`, async () => {
      const dst = uniqueDb(`idx_kill_${input === 'tsdump' ? 'ts' : 'sql'}`);
      targets.push(dst);
      const from = input === 'tsdump' ? path.join(dir, 'dump') : path.join(dir, 'src.sql');
      const args = [...connArgs(), '-d', from, '--rename', `${src}=${dst}`, '-t', '2', '--progress', 'plain'];
      const first = await killDuringAlter(args, dst, 'KEY');
      expect(first.signal, `not killed during the index build:\n${first.stderr}`).toBe('SIGKILL');
      expect(await sessionsRunning(admin, `ALTER TABLE \`${dst}\`.\`big\``), 'the orphaned ALTER is still running').not.toEqual([]);
      // the rerun goes on past the indexes to the foreign key: killed in turn during its ALTER (when
      // it is slow enough to be seen), a third run meets that orphan
      const second = await killDuringAlter(args, dst, 'CONSTRAINT');
      console.log(`${input}: the rerun was ${second.signal === 'SIGKILL' ? 'killed in turn during the foreign key ALTER' : 'not killed again (its foreign key ALTER was over first)'}`);
      if (second.signal === 'SIGKILL') {
        const third = await runCli('tsload', args, { timeoutMs: 300_000 });
        expect(third.code, third.stderr).toBe(0);
      } else expect(second.code, second.stderr).toBe(0);
      await expectAsSource(dst);
    }, 600_000);
  }
});
