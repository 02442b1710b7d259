/**
 * After the load (issue 16): --analyze collects each loaded table's statistics with histograms
 * (MariaDB: ANALYZE TABLE … PERSISTENT FOR ALL, seen in mysql.table_stats / column_stats), and
 * --events-disabled creates events DISABLE (or DISABLE ON SLAVE with "replica"). Everything else is
 * compared with the source by the checker.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareDatabases, failures } from '../support/checker.js';
import { connArgs, runCli } from '../support/cli.js';
import { removeTemps, tempDir } from '../support/faults.js';
import { adminSession, uniqueDb, type AdminSession } from '../support/server.js';
import { cleanupLoads } from './load-fixture.js';

describe('tsload --analyze, --events-disabled', () => {
  const src = uniqueDb('after');
  const targets: string[] = [];
  let admin: AdminSession;
  let dump: string;

  beforeAll(async () => {
    admin = await adminSession();
    await admin.query(`CREATE DATABASE \`${src}\`; USE \`${src}\`;
      CREATE TABLE t (id INT PRIMARY KEY, grp INT, name VARCHAR(20), KEY kg (grp));
      INSERT INTO t SELECT seq, seq % 13, CONCAT('n', seq % 100) FROM seq_1_to_3000;
      CREATE EVENT ev_daily ON SCHEDULE EVERY 1 DAY STARTS '2030-01-01 00:00:00' ENABLE COMMENT 'ENABLE DO not this' DO DELETE FROM t WHERE id < 0;
      CREATE EVENT ev_off ON SCHEDULE EVERY 1 HOUR STARTS '2030-01-01 00:00:00' DISABLE DO DELETE FROM t WHERE id < 0;`);
    await admin.close();
    admin = await adminSession();
    dump = path.join(tempDir('restore-after'), 'dump');
    const d = await runCli('tsdump', [...connArgs(), '-B', src, '-o', dump, '--rows', '1000', '-q']);
    expect(d.code, d.stderr).toBe(0);
  });

  afterAll(async () => {
    await cleanupLoads(src, targets, []);
    await admin.query(`DELETE FROM mysql.table_stats WHERE db_name LIKE '${src}%'; DELETE FROM mysql.column_stats WHERE db_name LIKE '${src}%'; DELETE FROM mysql.index_stats WHERE db_name LIKE '${src}%'`).catch(() => undefined);
    await admin?.close();
    removeTemps();
  });

  const target = (label: string): string => {
    const t = `${src}_${label}`;
    targets.push(t);
    return t;
  };
  const stats = async (db: string): Promise<{ tables: number; columns: number; histograms: string[] }> => ({
    tables: Number(await admin.scalar('SELECT COUNT(*) FROM mysql.table_stats WHERE db_name = ?', [db])),
    columns: Number(await admin.scalar('SELECT COUNT(*) FROM mysql.column_stats WHERE db_name = ?', [db])),
    histograms: (await admin.query<{ c: string }>('SELECT column_name AS c FROM mysql.column_stats WHERE db_name = ? AND hist_size > 0 ORDER BY column_name', [db])).map((r) => r.c),
  });
  const eventStates = async (db: string): Promise<string[]> =>
    (await admin.query<{ n: string; s: string }>('SELECT EVENT_NAME AS n, STATUS AS s FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ? ORDER BY EVENT_NAME', [db])).map((r) => `${r.n}:${r.s}`);

  it('without the options: no statistics collected, events as dumped, identical to the source', async () => {
    const t = target('plain');
    const r = await runCli('tsload', [...connArgs(), '-d', dump, '-B', t, '-q']);
    expect(r.code, r.stderr).toBe(0);
    expect(await stats(t)).toEqual({ tables: 0, columns: 0, histograms: [] });
    expect(await eventStates(t)).toEqual(['ev_daily:ENABLED', 'ev_off:DISABLED']);
    expect(failures(await compareDatabases(admin, src, t))).toEqual([]);
  });

  it('--analyze --events-disabled: statistics for every column, histograms, every event DISABLED, the rest identical', async () => {
    const t = target('an');
    const r = await runCli('tsload', [...connArgs(), '-d', dump, '-B', t, '--analyze', '--events-disabled']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/\.t: statistics and histograms collected/);
    // every column's statistics; histograms where values repeat (the server builds none for the unique id)
    expect(await stats(t)).toEqual({ tables: 1, columns: 3, histograms: ['grp', 'name'] });
    expect(await eventStates(t)).toEqual(['ev_daily:DISABLED', 'ev_off:DISABLED']);
    // the comment's "ENABLE DO" is text, not the status clause
    expect(await admin.scalar('SELECT EVENT_COMMENT FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ? AND EVENT_NAME = ?', [t, 'ev_daily'])).toBe('ENABLE DO not this');
    expect(failures(await compareDatabases(admin, src, t)).map((f) => `${f.kind}:${f.object}`)).toEqual(['event:ev_daily']);
  });

  it('--events-disabled replica: DISABLE ON SLAVE', async () => {
    const t = target('rep');
    const r = await runCli('tsload', [...connArgs(), '-d', dump, '-B', t, '--events-disabled', 'replica', '-q']);
    expect(r.code, r.stderr).toBe(0);
    expect(await eventStates(t)).toEqual(['ev_daily:SLAVESIDE_DISABLED', 'ev_off:SLAVESIDE_DISABLED']);
  });
});
