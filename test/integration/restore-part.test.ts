/**
 * Restoring part of a full dump (issue 16): tsload -s / -T / --ignore-table / -x / --exclude-regex /
 * --no-data / --no-schema, by the same rules as tsdump's filters. What is loaded is compared with
 * the source by the checker (every column hashed, every object's definition); what is left out must
 * be exactly what the filters leave out, triggers going with their table and a view whose tables are
 * not loaded skipped with a warning naming it.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareDatabases, failures, formatReport } from '../support/checker.js';
import { connArgs, runCli } from '../support/cli.js';
import { removeTemps, tempDir } from '../support/faults.js';
import { adminSession, uniqueDb, type AdminSession } from '../support/server.js';
import { cleanupLoads } from './load-fixture.js';

describe('tsload: restore part of a dump', () => {
  const db = uniqueDb('part');
  const other = uniqueDb('part_b');
  const targets: string[] = [];
  let admin: AdminSession;
  let dump: string;

  beforeAll(async () => {
    admin = await adminSession();
    await admin.query(`CREATE DATABASE \`${other}\`; USE \`${other}\`; CREATE TABLE \`${other}\`.ref (id INT PRIMARY KEY, v VARCHAR(10)); INSERT INTO \`${other}\`.ref SELECT seq, CONCAT('r', seq) FROM seq_1_to_30`);
    await admin.query(`CREATE DATABASE \`${db}\``);
    await admin.query(`USE \`${db}\`;
      CREATE TABLE keep_t (id INT PRIMARY KEY, v VARCHAR(20), b VARBINARY(8), KEY kv (v));
      CREATE TABLE log_t (id INT PRIMARY KEY, v VARCHAR(20));
      CREATE TABLE audit (id INT AUTO_INCREMENT PRIMARY KEY, what VARCHAR(40));
      INSERT INTO keep_t SELECT seq, IF(seq % 5 = 0, NULL, CONCAT('k\\t', seq)), UNHEX(HEX(seq)) FROM seq_1_to_2000;
      INSERT INTO log_t SELECT seq, CONCAT('l', seq) FROM seq_1_to_300;
      CREATE TRIGGER keep_t_ai AFTER INSERT ON keep_t FOR EACH ROW INSERT INTO audit (what) VALUES (CONCAT('keep ', NEW.id));
      CREATE TRIGGER log_t_ai AFTER INSERT ON log_t FOR EACH ROW INSERT INTO audit (what) VALUES (CONCAT('log ', NEW.id));
      CREATE FUNCTION twice (x INT) RETURNS INT DETERMINISTIC RETURN 2 * x;
      CREATE VIEW v_keep AS SELECT id, twice(id) AS d FROM keep_t;
      CREATE VIEW v_log AS SELECT k.id, l.v FROM keep_t k JOIN log_t l ON l.id = k.id;
      CREATE VIEW v_on_v_log AS SELECT id FROM v_log;`);
    // a session with no default database compares views (SHOW CREATE VIEW qualifies names then)
    await admin.close();
    admin = await adminSession();
    dump = path.join(tempDir('restore-part'), 'dump');
    const d = await runCli('tsdump', [...connArgs(), '-B', db, '-B', other, '-o', dump, '--rows', '500', '--checksum', '-q']);
    expect(d.code, d.stderr).toBe(0);
  });

  afterAll(async () => {
    await cleanupLoads(db, [other, ...targets], []);
    await admin?.close();
    removeTemps();
  });

  const load = (args: string[]) => runCli('tsload', [...connArgs(), '-d', dump, ...args]);
  /** What differs between the source and the copy, as kind:name (the checker compares every column and definition). */
  async function differences(src: string, dst: string): Promise<string[]> {
    const r = await compareDatabases(admin, src, dst);
    if (process.env.DEBUG_RESTORE) console.log(formatReport(r));
    return failures(r).map((f) => `${f.kind}:${f.object}`).sort();
  }
  const target = (label: string): string => {
    const t = `${db}_${label}`;
    targets.push(t);
    return t;
  };

  it('-T: one table of a two-database dump, with its trigger; nothing else', async () => {
    const t = target('t');
    const r = await load(['-T', `${db}.keep_t`, '-B', t, '-q']);
    expect(r.code, r.stderr).toBe(0);
    // audit is not loaded, so keep_t_ai (which writes to it) comes with keep_t as the rules say
    expect(await differences(db, t)).toEqual(['procedure:FUNCTION twice', 'table:audit', 'table:log_t', 'trigger:log_t_ai', 'view:v_keep', 'view:v_log', 'view:v_on_v_log']);
    expect(Number(await admin.scalar(`SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?`, [`${other}`]))).toBe(1);
  });

  it('--ignore-table: the views that read the table are skipped with a warning naming each; the rest is identical', async () => {
    const t = target('ign');
    const r = await load(['-s', db, '--ignore-table', `${db}.log_t`, '-B', t]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`view ${db}\\.v_log is not loaded: it reads ${db}\\.log_t`));
    expect(r.stderr).toMatch(new RegExp(`view ${db}\\.v_on_v_log is not loaded: it reads ${db}\\.v_log`));
    expect(await differences(db, t)).toEqual(['table:log_t', 'trigger:log_t_ai', 'view:v_log', 'view:v_on_v_log']);
  });

  it('-s: one database of a two-database dump, identical to the source', async () => {
    const t = target('one');
    const r = await load(['-s', other, '--rename', `${other}=${t}`, '-q']);
    expect(r.code, r.stderr).toBe(0);
    expect(formatReport(await compareDatabases(admin, other, t))).toMatch(/ 0 failed$/);
    expect(Number(await admin.scalar(`SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?`, [`${db}`]))).toBe(1);
  });

  it('-x and --exclude-regex, as on tsdump', async () => {
    const t = target('re');
    const r = await load(['-x', `^${db}\\.(keep_t|log_t|audit)$`, '--exclude-regex', `\\.log_t$`, '-B', t, '-q']);
    expect(r.code, r.stderr).toBe(0);
    expect(await differences(db, t)).toEqual(['table:log_t', 'trigger:log_t_ai', 'view:v_log', 'view:v_on_v_log']);
  });

  it('a filter that matches nothing is refused naming it, and nothing is loaded', async () => {
    const t = target('none');
    const r = await load(['-T', `${db}.nope,${db}.keep_t`, '-B', t]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`-T ${db}.nope: no such table in the dump`);
    const x = await load(['-s', db, '-x', '^nothing$', '-B', t]);
    expect(x.code).toBe(2);
    expect(x.stderr).toContain('-x ^nothing$: matches no table');
    const s = await load(['-s', 'no_such_db', '-B', t]);
    expect(s.code).toBe(2);
    expect(s.stderr).toContain(`database 'no_such_db' is not in the dump`);
    expect(Number(await admin.scalar(`SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?`, [t]))).toBe(0);
  });

  it('--no-data then --no-schema: the schema, then the rows into it, give the source', async () => {
    const t = target('split');
    const s = await load(['-s', db, '-B', t, '--no-data', '-q']);
    expect(s.code, s.stderr).toBe(0);
    // everything but the rows: the tables that hold rows on the source differ, and what the views return
    expect(await differences(db, t)).toEqual(['table:keep_t', 'table:log_t', 'view:v_keep', 'view:v_log', 'view:v_on_v_log']);
    // --no-schema loads into the tables as they are, so their triggers fire: drop them for this test
    await admin.query(`DROP TRIGGER \`${t}\`.keep_t_ai; DROP TRIGGER \`${t}\`.log_t_ai`);
    const d = await load(['-s', db, '-B', t, '--no-schema', '-q']);
    expect(d.code, d.stderr).toBe(0);
    expect(await differences(db, t)).toEqual(['trigger:keep_t_ai', 'trigger:log_t_ai']);
  });

  it('an unfinished partial load resumes only with the same filters', async () => {
    const t = target('resume');
    // --keep-progress leaves the run open, as an interrupted one
    const first = await load(['-T', `${db}.keep_t`, '-B', t, '--keep-progress', '-q']);
    expect(first.code, first.stderr).toBe(0);
    const other = await load(['-T', `${db}.log_t`, '-B', t, '-q']);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/holds an unfinished load of another part of this dump/);
    const full = await load(['-s', db, '-B', t, '-q']);
    expect(full.code).toBe(1);
    const same = await load(['-T', `${db}.keep_t`, '-B', t, '-q']);
    expect(same.code, same.stderr).toBe(0);
    expect(await differences(db, t)).toEqual(['procedure:FUNCTION twice', 'table:audit', 'table:log_t', 'trigger:log_t_ai', 'view:v_keep', 'view:v_log', 'view:v_on_v_log']);
  });

  it('--no-schema refuses tables that do not exist, naming them', async () => {
    const t = target('noschema');
    await admin.query(`CREATE DATABASE \`${t}\`; CREATE TABLE \`${t}\`.keep_t (id INT PRIMARY KEY, v VARCHAR(20), b VARBINARY(8))`);
    const r = await load(['-s', db, '-B', t, '--no-schema']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--no-schema loads rows into existing tables, but 2 do not exist: .*log_t.*audit|audit.*log_t/);
    expect(Number(await admin.scalar(`SELECT COUNT(*) FROM \`${t}\`.keep_t`))).toBe(0);
  });
});
