/**
 * Filters that leave tables out must give a dump that loads: a trigger goes with its table, a view
 * that reads a left-out table (directly or through another view) is left out with a warning naming
 * it, and a view that reads another database is kept with a warning. Each dump is loaded into a new
 * database and compared with the source.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/format/manifest.js';
import { connArgs, runCli } from '../support/cli.js';
import { removeTemps, tempDir } from '../support/faults.js';
import { adminSession, dropDbs, uniqueDb, type AdminSession } from '../support/server.js';
import { cleanupLoads, tableHash } from './load-fixture.js';

const readManifest = (dir: string): Manifest => JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
const objectNames = (m: Manifest): string[] => m.databases.flatMap((d) => d.objects.map((o) => `${o.kind}:${o.name}`)).sort();

describe('tsdump filters: what goes with a left-out table', () => {
  const db = uniqueDb('filt');
  const other = uniqueDb('filt_other');
  const targets: string[] = [];
  let admin: AdminSession;

  beforeAll(async () => {
    admin = await adminSession();
    await admin.query(`CREATE DATABASE \`${other}\`; CREATE TABLE \`${other}\`.ref (id INT PRIMARY KEY); INSERT INTO \`${other}\`.ref VALUES (1), (2)`);
    await admin.query(`CREATE DATABASE \`${db}\``);
    await admin.query(`USE \`${db}\`;
      CREATE TABLE keep_t (id INT PRIMARY KEY, v VARCHAR(20));
      CREATE TABLE log_t (id INT PRIMARY KEY, v VARCHAR(20));
      CREATE TABLE audit (id INT AUTO_INCREMENT PRIMARY KEY, what VARCHAR(40));
      INSERT INTO keep_t VALUES (1, 'a'), (2, 'b'), (3, 'c');
      INSERT INTO log_t VALUES (1, 'x'), (2, 'y');
      CREATE TRIGGER keep_t_ai AFTER INSERT ON keep_t FOR EACH ROW INSERT INTO audit (what) VALUES (CONCAT('keep ', NEW.id));
      CREATE TRIGGER log_t_ai AFTER INSERT ON log_t FOR EACH ROW INSERT INTO audit (what) VALUES (CONCAT('log ', NEW.id));
      CREATE FUNCTION twice (x INT) RETURNS INT DETERMINISTIC RETURN 2 * x;
      CREATE VIEW v_keep AS SELECT id, twice(id) AS d FROM keep_t;
      CREATE VIEW v_log AS SELECT k.id, l.v FROM keep_t k JOIN log_t l ON l.id = k.id;
      CREATE VIEW v_on_v_log AS SELECT id FROM v_log;
      CREATE VIEW v_text AS SELECT 'log_t', '\`${db}\`.\`log_t\`' AS s FROM keep_t;
      CREATE VIEW v_other AS SELECT k.id FROM keep_t k JOIN \`${other}\`.ref r ON r.id = k.id;`);
  });

  afterAll(async () => {
    await cleanupLoads(db, targets, []);
    await dropDbs(other);
    await admin?.close();
    removeTemps();
  });

  async function dumpAndLoad(label: string, filters: string[]): Promise<{ manifest: Manifest; dumpErr: string; target: string }> {
    const out = path.join(tempDir(`filters-${label}`), 'dump');
    const d = await runCli('tsdump', [...connArgs(), '-B', db, ...filters, '-o', out, '-q']);
    expect(d.code, d.stderr).toBe(0);
    const target = `${db}_${label}`;
    targets.push(target);
    const l = await runCli('tsload', [...connArgs(), '-d', out, '-B', target, '-q']);
    expect(l.code, `load of the ${label} dump:\n${l.stderr}`).toBe(0);
    return { manifest: readManifest(out), dumpErr: d.stderr, target };
  }

  async function objectsOn(database: string): Promise<string[]> {
    const rows = await admin.query<{ k: string; n: string }>(
      `SELECT 'view' AS k, TABLE_NAME AS n FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ?
       UNION ALL SELECT 'trigger', TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?
       UNION ALL SELECT LOWER(ROUTINE_TYPE), ROUTINE_NAME FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ?`,
      [database, database, database],
    );
    return rows.map((r) => `${r.k}:${r.n}`).sort();
  }

  const cases: [string, () => string[]][] = [
    ['--ignore-table', () => ['--ignore-table', `${db}.log_t`]],
    ['-x', () => ['-x', `^${db}\\.(keep_t|audit)$`]],
  ];
  for (const [option, args] of cases) {
    it(`${option}: the table's trigger and the views that read it are left out, with a warning per view; the dump loads`, async () => {
      const label = option === '-x' ? 'regex' : 'ignore';
      const { manifest, dumpErr, target } = await dumpAndLoad(label, args());
      expect(manifest.databases[0]!.tables.map((t) => t.name).sort()).toEqual(['audit', 'keep_t']);
      expect(objectNames(manifest)).toEqual(['function:twice', 'trigger:keep_t_ai', 'view:v_keep', 'view:v_other', 'view:v_text']);
      expect(dumpErr).toMatch(new RegExp(`warning: view ${db}\\.v_log is left out: it reads ${db}\\.log_t`));
      expect(dumpErr).toMatch(new RegExp(`warning: view ${db}\\.v_on_v_log is left out: it reads ${db}\\.v_log`));
      expect(dumpErr).toMatch(new RegExp(`warning: view ${db}\\.v_other reads ${other}\\.ref, of a database this dump does not hold`));
      // a name inside a string literal is not a reference: v_text stays
      expect(dumpErr).not.toMatch(/v_text/);
      expect(await objectsOn(target)).toEqual(['function:twice', 'trigger:keep_t_ai', 'view:v_keep', 'view:v_other', 'view:v_text']);
      for (const t of ['keep_t', 'audit']) expect(await tableHash(admin, target, t)).toBe(await tableHash(admin, db, t));
      expect(await admin.query(`SELECT id, d FROM \`${target}\`.v_keep ORDER BY id`)).toEqual([{ id: 1, d: 2 }, { id: 2, d: 4 }, { id: 3, d: 6 }]);
    });
  }

  it('-T: only the named tables, with their triggers', async () => {
    const { manifest, target } = await dumpAndLoad('only', ['-T', `${db}.keep_t,${db}.audit`]);
    expect(objectNames(manifest)).toEqual(['trigger:keep_t_ai']);
    expect(await objectsOn(target)).toEqual(['trigger:keep_t_ai']);
    expect(await tableHash(admin, target, 'keep_t')).toBe(await tableHash(admin, db, 'keep_t'));
  });

  it('--ignore-table also names views: they are left out without a warning', async () => {
    const { manifest, dumpErr } = await dumpAndLoad('ignview', ['--ignore-table', `${db}.v_log`, '--ignore-table', `${db}.v_on_v_log`, '--ignore-table', `${db}.v_other`]);
    expect(objectNames(manifest)).toEqual(['function:twice', 'trigger:keep_t_ai', 'trigger:log_t_ai', 'view:v_keep', 'view:v_text']);
    expect(dumpErr).toBe('');
  });
});
