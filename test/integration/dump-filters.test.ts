/**
 * Filters that leave tables out must give a dump that loads: a trigger goes with its table, a view
 * that reads a left-out table (directly or through another view) is left out with a warning naming
 * it, and a view that reads another database is kept with a warning. Each dump is loaded into a new
 * database and compared with the source.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/format/manifest.js';
import { connArgs, runCli } from '../support/cli.js';
import { removeTemps, tempDir } from '../support/faults.js';
import { adminSession, dropDbs, testServer, uniqueDb, type AdminSession } from '../support/server.js';
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

describe('tsdump filters: each one does what it says, or the dump is refused naming it', () => {
  const db = uniqueDb('filt2');
  const second = uniqueDb('filt2b');
  const targets: string[] = [];
  let admin: AdminSession;

  beforeAll(async () => {
    admin = await adminSession();
    for (const d of [db, second]) {
      await admin.query(`CREATE DATABASE \`${d}\`; USE \`${d}\`;
        CREATE TABLE \`${d}\`.a (id INT PRIMARY KEY, v INT);
        CREATE TABLE \`${d}\`.b (id INT PRIMARY KEY, v INT);
        INSERT INTO \`${d}\`.a SELECT seq, seq % 10 FROM seq_1_to_100;
        INSERT INTO \`${d}\`.b SELECT seq, seq % 7 FROM seq_1_to_50;`);
    }
  });

  afterAll(async () => {
    await cleanupLoads(db, [second, ...targets], []);
    await admin?.close();
    removeTemps();
  });

  const dump = (args: string[], out = path.join(tempDir('filters2'), 'dump')) => runCli('tsdump', [...connArgs(), ...args, '-o', out, '-q']).then((r) => ({ ...r, out }));
  const tablesOf = (m: Manifest): string[] => m.databases.flatMap((d) => d.tables.map((t) => `${d.name}.${t.name}:${t.rows}`)).sort();

  it('--exclude-regex leaves out the tables it matches', async () => {
    const r = await dump(['-B', db, '--exclude-regex', `^${db}\\.b$`]);
    expect(r.code, r.stderr).toBe(0);
    expect(tablesOf(readManifest(r.out))).toEqual([`${db}.a:100`]);
  });

  it('several --where, one per table, each applies to its table', async () => {
    const r = await dump(['-B', db, '--where', `${db}.a:v = 3`, '--where', `${db}.b:id <= 5`]);
    expect(r.code, r.stderr).toBe(0);
    expect(tablesOf(readManifest(r.out))).toEqual([`${db}.a:10`, `${db}.b:5`]);
  });

  it('two --where for one table are refused (not one silently dropped)', async () => {
    const r = await dump(['-B', db, '--where', `${db}.a:v = 3`, '--where', `${db}.a:id < 50`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--where is given twice for ${db}.a`);
    expect(existsSync(r.out)).toBe(false);
  });

  it('a --where the server refuses (a typo in a column, a syntax error): exit 2 naming each table, option and column list, nothing written; the dry run says the same', async () => {
    const args = ['-B', db, '--where', `${db}.a:vv = 3`, '--where', `${db}.b:id >>> 5`];
    const r = await dump(args);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`--where '${db}.a:vv = 3': the server refuses the condition on table ${db}.a: Unknown column 'vv'`);
    expect(r.stderr).toContain(`--where '${db}.b:id >>> 5': the server refuses the condition on table ${db}.b`);
    expect(r.stderr).toMatch(/server error 1064/);
    expect(r.stderr).toContain("the table's columns: id, v");
    // not the load side's hint for a corrupt file
    expect(r.stderr).not.toMatch(/file may be corrupt/);
    expect(existsSync(r.out)).toBe(false);
    const dry = await dump([...args, '--dry-run']);
    expect(dry.code).toBe(2);
    expect(dry.stderr).toContain(`Unknown column 'vv'`);
    expect(existsSync(dry.out)).toBe(false);
  });

  const nothing: [string, () => string[], () => string][] = [
    ['-T of a table that does not exist', () => ['-T', `${db}.nosuch`], () => `-T ${db}.nosuch: no such table`],
    ['--ignore-table of a table that does not exist', () => ['-B', db, '--ignore-table', `${db}.nosuch`], () => `--ignore-table ${db}.nosuch: no such table, view or sequence`],
    ['--ignore-table of a database not dumped', () => ['-B', db, '--ignore-table', `${second}.a`], () => `--ignore-table ${second}.a: database ${second} is not in this dump`],
    ['-x that matches no table', () => ['-B', db, '-x', '^nomatch\\.'], () => '-x ^nomatch\\.: matches no table'],
    ['--exclude-regex that matches no table', () => ['-B', db, '--exclude-regex', 'nomatch$'], () => '--exclude-regex nomatch$: matches no table'],
    ['--where of a table that does not exist', () => ['-B', db, '--where', `${db}.nosuch:id < 3`], () => `--where ${db}.nosuch: no such table`],
    ['--where of a table the other filters leave out', () => ['-B', db, '--ignore-table', `${db}.a`, '--where', `${db}.a:id < 3`], () => `--where ${db}.a: the table is left out by the other filters`],
    ['-B of a database none of whose tables -T names', () => ['-B', db, '-B', second, '-T', `${db}.a`], () => `-B ${second}: none of its tables passes -T`],
  ];
  for (const [what, args, message] of nothing) {
    it(`${what}: refused with exit 2 naming it, nothing written`, async () => {
      const r = await dump(args());
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(message());
      expect(existsSync(r.out)).toBe(false);
    });
  }

  it('a filter that matches nothing does not touch the earlier dump, even with --overwrite', async () => {
    const first = await dump(['-B', db]);
    expect(first.code, first.stderr).toBe(0);
    const before = readFileSync(path.join(first.out, 'manifest.json'), 'utf8');
    const again = await dump(['-B', db, '--ignore-table', `${db}.typo`, '--overwrite'], first.out);
    expect(again.code).toBe(2);
    expect(readFileSync(path.join(first.out, 'manifest.json'), 'utf8')).toBe(before);
    expect((await runCli('tsdump', ['verify', first.out])).code).toBe(0);
  });

  const url = (database: string): string => {
    const s = testServer();
    return `mysql://${encodeURIComponent(s.user)}@${s.host}:${s.port}/${database}`;
  };

  it('the database in --url is the one tsdump dumps; tsload loads a one-database dump into the database of its --url', async () => {
    const out = path.join(tempDir('filters-url'), 'dump');
    const d = await runCli('tsdump', ['--no-defaults', '--url', url(db), '-o', out, '-q']);
    expect(d.code, d.stderr).toBe(0);
    expect(tablesOf(readManifest(out))).toEqual([`${db}.a:100`, `${db}.b:50`]);
    const target = `${db}_url`;
    targets.push(target);
    const l = await runCli('tsload', ['--no-defaults', '--url', url(target), '-d', out, '-q']);
    expect(l.code, l.stderr).toBe(0);
    for (const t of ['a', 'b']) expect(await tableHash(admin, target, t)).toBe(await tableHash(admin, db, t));
  });

  it('tsload refuses a --url database for a dump of several databases', async () => {
    const out = path.join(tempDir('filters-url2'), 'dump');
    const d = await runCli('tsdump', [...connArgs(), '-B', db, '-B', second, '-o', out, '-q']);
    expect(d.code, d.stderr).toBe(0);
    const l = await runCli('tsload', ['--no-defaults', '--url', url(`${db}_never`), '-d', out, '-q']);
    expect(l.code).toBe(2);
    expect(l.stderr).toMatch(/the database in --url\) names one target database but the dump holds 2/);
    expect(Number(await admin.scalar(`SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?`, [`${db}_never`]))).toBe(0);
  });

  it('tsload_progress is never dumped unless asked for by name', async () => {
    // a load with --keep-progress makes sure the progress database exists on the server
    const src = await dump(['-B', db, '-T', `${db}.b`]);
    expect(src.code, src.stderr).toBe(0);
    const target = `${db}_prog`;
    targets.push(target);
    const l = await runCli('tsload', [...connArgs(), '-d', src.out, '-B', target, '--keep-progress', '-q']);
    expect(l.code, l.stderr).toBe(0);
    const r = await dump(['-x', `^(tsload_progress|${db})\\.`, '--no-data']);
    expect(r.code, r.stderr).toBe(0);
    expect(readManifest(r.out).databases.map((d) => d.name)).toEqual([db]);
    const named = await dump(['-B', 'tsload_progress', '--no-data']);
    expect(named.code, named.stderr).toBe(0);
    expect(readManifest(named.out).databases.map((d) => d.name)).toEqual(['tsload_progress']);
  });
});

describe('a subset dump says so: in the manifest, the summary, tsdump verify and tsload', () => {
  const db = uniqueDb('subset');
  const targets: string[] = [];
  let admin: AdminSession;

  beforeAll(async () => {
    admin = await adminSession();
    await admin.query(`CREATE DATABASE \`${db}\`; USE \`${db}\`;
      CREATE TABLE a (id INT PRIMARY KEY); CREATE TABLE b (id INT PRIMARY KEY);
      INSERT INTO a SELECT seq FROM seq_1_to_20; INSERT INTO b VALUES (1);
      CREATE TRIGGER b_bi BEFORE INSERT ON b FOR EACH ROW SET NEW.id = NEW.id;`);
  });

  afterAll(async () => {
    await cleanupLoads(db, targets, []);
    await admin?.close();
    removeTemps();
  });

  async function dumpVerifyLoad(label: string, filters: string[]) {
    const out = path.join(tempDir(`subset-${label}`), 'dump');
    const d = await runCli('tsdump', [...connArgs(), '-B', db, ...filters, '-o', out, '--progress', 'none']);
    expect(d.code, d.stderr).toBe(0);
    const v = await runCli('tsdump', ['verify', out]);
    expect(v.code, v.stdout).toBe(0);
    const target = `${db}_${label}`;
    targets.push(target);
    const l = await runCli('tsload', [...connArgs(), '-d', out, '-B', target, '--progress', 'none']);
    expect(l.code, l.stderr).toBe(0);
    return { manifest: readManifest(out), dump: d.stderr, verify: v.stdout, load: l.stderr };
  }

  it('--where: the condition is recorded and every tool prints SUBSET', async () => {
    const r = await dumpVerifyLoad('where', ['--where', `${db}.a:id <= 5`]);
    expect(r.manifest.subset).toEqual({ where: [{ database: db, table: 'a', condition: 'id <= 5' }], leftOut: [] });
    for (const text of [r.dump, r.verify, r.load]) expect(text).toContain(`SUBSET, not a full backup: only some rows of 1 table (--where ${db}.a: id <= 5)`);
  });

  it('--ignore-table: the table and its trigger are recorded as left out', async () => {
    const r = await dumpVerifyLoad('ignore', ['--ignore-table', `${db}.b`]);
    expect(r.manifest.subset).toEqual({
      where: [],
      leftOut: [
        { database: db, kind: 'table', name: 'b', reason: '--ignore-table' },
        { database: db, kind: 'trigger', name: 'b_bi', reason: `its table ${db}.b is left out` },
      ],
    });
    for (const text of [r.dump, r.verify, r.load]) expect(text).toContain('SUBSET, not a full backup: 1 table, 1 trigger of its databases left out by the filters');
  });

  it('a whole database: no subset field, nothing printed', async () => {
    const r = await dumpVerifyLoad('whole', []);
    expect(r.manifest.subset).toBeUndefined();
    for (const text of [r.dump, r.verify, r.load]) expect(text).not.toContain('SUBSET');
  });
});
