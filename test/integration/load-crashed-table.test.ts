/**
 * A statement cut off in a MyISAM or Aria table can leave the table marked crashed (seen in the generative
 * round trip: a partitioned Aria table whose LOAD DATA connection was killed, "126 Index is corrupted" on the
 * rerun's DELETE of the chunk). Made deterministic here: tsload killed mid-chunk into a MyISAM table, whose
 * index file is then overwritten. The table is the load's own, so tsload repairs it, deletes the unfinished
 * chunk's rows and loads it again; the copy is exact. A private server: the test writes into its datadir.
 */
import { closeSync, openSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { bigTable, removeTemps, sessionsRunning, signal, tempDir, waitFor } from '../support/faults.js';
import type { AdminSession, ServerHandle } from '../support/server.js';
import { adminSessionOn, startPrivateServer, uniqueDb } from '../support/server.js';

const ROWS = 60_000;

describe('tsload and a target table left marked crashed', () => {
  let server: ServerHandle;
  let admin: AdminSession;
  const src = uniqueDb('crashed_src');
  let dump = '';

  const conn = (): string[] => ['--no-defaults', '-h', server.info.host, '-P', String(server.info.port), '-u', server.info.user];
  const hash = async (db: string): Promise<string> => {
    const r = await admin.query<{ n: string; h: string | null }>(`SELECT COUNT(*) AS n, SUM(CRC32(CONCAT_WS('|', id, n, pad))) AS h FROM \`${db}\`.big`);
    return `${r[0]!.n}:${r[0]!.h ?? ''}`;
  };

  beforeAll(async () => {
    server = await startPrivateServer();
    admin = await adminSessionOn(server.info);
    await admin.query(`CREATE DATABASE \`${src}\``);
    await bigTable(admin, src, 'big', ROWS, 100);
    dump = path.join(tempDir('crashed'), 'dump');
    const r = await runCli('tsdump', [...conn(), '-B', src, '-o', dump, '--rows', '20000', '-q'], { env: { MYSQL_PWD: server.info.password || undefined } });
    expect(r.code, r.stderr).toBe(0);
  }, 300_000);

  afterAll(async () => {
    await admin?.close();
    await server?.destroy();
    removeTemps();
  }, 120_000);

  it('killed mid-chunk, its MyISAM table left with a corrupt index: the rerun repairs it and loads exactly', async () => {
    const dst = uniqueDb('crashed');
    const args = [...conn(), '-d', dump, '-B', dst, '--engine', 'MyISAM', '-t', '1', '--rows-per-transaction', '2000', '--insert-method', 'load-data', '--progress', 'plain'];
    const env = { MYSQL_PWD: server.info.password || undefined };
    let pid = 0;
    let exited = false;
    const first = runCli('tsload', args, { env, onSpawn: (p) => (pid = p), timeoutMs: 300_000 }).finally(() => (exited = true));
    // (a machine busy with other work slows the load down, never the other way: a generous wait,
    // which ends at once should the load finish before it is killed)
    await waitFor('committed sub-chunks', async () => exited || Number(await admin.scalar('SELECT COUNT(*) FROM tsload_progress.progress WHERE target_db = ?', [dst]).catch(() => 0)) >= 2 || undefined, 240_000, 5);
    signal(pid, 'SIGKILL');
    const killed = await first;
    expect(killed.signal, `the first load ended before it was killed (exit ${killed.code}): ${killed.stderr}`).toBe('SIGKILL');
    // what a statement cut off can leave (the generative case): the index unreadable, the data intact
    await admin.query(`FLUSH TABLES \`${dst}\`.big`);
    const index = path.join(server.datadir, dst, 'big.MYI');
    const fd = openSync(index, 'r+');
    try {
      writeSync(fd, Buffer.alloc(statSync(index).size - 1024, 0xff), 0, undefined, 1024);
    } finally {
      closeSync(fd);
    }
    await expect(admin.query(`SELECT COUNT(*) FROM \`${dst}\`.big WHERE id > 0`)).rejects.toThrow(/corrupt/i);
    const r = await runCli('tsload', args, { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/marked crashed .*REPAIR TABLE/);
    expect(await hash(dst)).toBe(await hash(src));
  }, 480_000);
});
