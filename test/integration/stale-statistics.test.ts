import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/format/manifest.js';
import { runCli } from '../support/cli.js';
import { adminSessionOn, startPrivateServer, uniqueDb, type AdminSession, type ServerHandle } from '../support/server.js';

const ROWS = 300_000;

/**
 * A table with STATS_AUTO_RECALC=0, analyzed while it held one row and filled since: after a restart
 * information_schema says 1 row in 16 KiB (InnoDB's persistent statistics), and the dump planned it
 * as one chunk whatever its size. The tablespace file's size gives it away (dump/stale-statistics.ts).
 * A private server: the test restarts it.
 */
describe('tsdump: a table whose InnoDB statistics are stale is still chunked', () => {
  let server: ServerHandle;
  let admin: AdminSession;
  const db = uniqueDb('stale');
  const dirs: string[] = [];

  beforeAll(async () => {
    server = await startPrivateServer();
    admin = await adminSessionOn(server.info);
    await admin.query(`CREATE DATABASE ${db}; USE ${db};
      CREATE TABLE t (id INT PRIMARY KEY, pad VARCHAR(400) NOT NULL) ENGINE=InnoDB STATS_PERSISTENT=1 STATS_AUTO_RECALC=0;
      INSERT INTO t VALUES (1, 'one');
      ANALYZE TABLE t;
      INSERT INTO t SELECT seq, REPEAT(CHAR(97 + seq % 26), 300) FROM seq_2_to_${ROWS};`);
    await admin.close();
    await server.stop();
    await server.start();
    admin = await adminSessionOn(server.info);
  }, 180_000);

  afterAll(async () => {
    await admin?.close();
    await server?.destroy();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('plans it from the tablespace file and a sample of rows, and says so', async () => {
    expect(await admin.scalar('SELECT TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [db, 't'])).toBe('1');
    const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'tsdump-stale-')), 'dump');
    dirs.push(path.dirname(out));
    const conn = ['--no-defaults', '-h', server.info.host, '-P', String(server.info.port), '-u', server.info.user];
    const r = await runCli('tsdump', [...conn, '-B', db, '-o', out, '--chunk-size', '4M', '-t', '2', '--progress', 'plain'], { env: { MYSQL_PWD: server.info.password || undefined } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`${db}\\.t: information_schema puts this table at ~1 rows .* its tablespace file holds .*ANALYZE TABLE`));
    const manifest = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8')) as Manifest;
    const t = manifest.databases[0]!.tables.find((x) => x.name === 't')!;
    expect(t.rows).toBe(ROWS);
    // ~95 MB of CSV in 4 MiB chunks (the estimate counts the file's indexes and free space too: more, smaller chunks)
    expect(t.chunks.length).toBeGreaterThanOrEqual(12);
    expect(Math.max(...t.chunks.map((c) => c.bytes))).toBeLessThan(12 * 1024 * 1024);
  }, 180_000);
});
