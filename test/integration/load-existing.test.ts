/**
 * A load of our own dump into a database that holds the user's things: views, routines, triggers
 * and events whose names the dump uses are refused (the preflight and the run, before anything
 * changes), unless --drop-table drop; the load's own objects are replaced on a resume. A finished
 * --drop-table append load leaves its memo: a rerun (as after a kill -9 between the last commit and
 * the exit) verifies and adds no row, also for a part of the dump (--no-schema); loading it again
 * on purpose takes deleting the memo, as the rerun says.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connArgs, runCli, type CliResult } from '../support/cli.js';
import { removeTemps, tempDir } from '../support/faults.js';
import { adminSession, uniqueDb, type AdminSession } from '../support/server.js';
import { cleanupLoads } from './load-fixture.js';

describe('tsload into a database that holds the user\'s objects and rows', () => {
  const src = uniqueDb('lex_src');
  const targets: string[] = [];
  let admin: AdminSession;
  let dump = '';

  beforeAll(async () => {
    admin = await adminSession();
    await admin.query(`CREATE DATABASE \`${src}\`; USE \`${src}\`;
      CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20));
      CREATE TABLE u (a INT, b VARCHAR(10));
      CREATE TABLE k (a INT, b VARCHAR(10));
      INSERT INTO t SELECT seq, CONCAT('t', seq) FROM seq_1_to_500;
      INSERT INTO k SELECT seq % 2000, 'dump' FROM seq_1_to_2000;
      CREATE TRIGGER tr1 BEFORE INSERT ON u FOR EACH ROW SET NEW.b = 'dump';
      CREATE FUNCTION f1() RETURNS INT DETERMINISTIC RETURN 1;
      CREATE VIEW v1 AS SELECT id FROM t;`);
    await admin.close();
    admin = await adminSession();
    dump = path.join(tempDir('load-existing'), 'dump');
    const d = await runCli('tsdump', [...connArgs(), '-B', src, '-o', dump, '--rows', '300', '-q']);
    expect(d.code, d.stderr).toBe(0);
  }, 300_000);

  afterAll(async () => {
    await cleanupLoads(src, targets, []);
    await admin?.close();
    removeTemps();
  });

  const load = (db: string, args: readonly string[] = []): Promise<CliResult> => runCli('tsload', [...connArgs(), '-d', dump, '-B', db, '-t', '2', '--rows-per-transaction', '100', '-q', ...args]);

  /** The user's database: table u with its trigger tr1, a function f1 and a view v1, the dump's names with the user's bodies. */
  async function usersDatabase(label: string): Promise<string> {
    const db = uniqueDb(`lex_${label}`);
    targets.push(db);
    await admin.query(`CREATE DATABASE \`${db}\`; USE \`${db}\`;
      CREATE TABLE u (a INT, b VARCHAR(10)); CREATE TABLE mine (x INT); INSERT INTO u VALUES (1, 'user');
      CREATE TRIGGER tr1 BEFORE INSERT ON mine FOR EACH ROW SET NEW.x = NEW.x + 1000;
      CREATE FUNCTION f1() RETURNS INT DETERMINISTIC RETURN 42;
      CREATE VIEW v1 AS SELECT 'user' AS mine;`);
    return db;
  }

  /** The user's objects are as the user made them. */
  async function expectUsersObjects(db: string): Promise<void> {
    expect(await admin.scalar('SELECT EVENT_OBJECT_TABLE FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? AND TRIGGER_NAME = ?', [db, 'tr1'])).toBe('mine');
    expect(Number(await admin.scalar(`SELECT \`${db}\`.f1()`))).toBe(42);
    expect(await admin.scalar(`SELECT mine FROM \`${db}\`.v1`)).toBe('user');
  }

  it("the dump's trigger, function and view are refused where the user has objects of their names (dry run and load, even with append), nothing changes; --drop-table drop replaces them", async () => {
    const db = await usersDatabase('clash');
    const named = (r: CliResult): void => {
      expect(r.stderr).toContain(`trigger ${db}.tr1 (on table mine)`);
      expect(r.stderr).toContain(`function ${db}.f1`);
      expect(r.stderr).toContain(`view ${db}.v1`);
      expect(r.stderr).toMatch(/--drop-table drop/);
    };
    for (const mode of ['fail', 'append'] as const) {
      const dry = await load(db, ['--dry-run', '--drop-table', mode]);
      expect(dry.code, dry.stdout).toBe(1);
      named(dry);
      const r = await load(db, ['--drop-table', mode]);
      expect(r.code, r.stderr).toBe(1);
      named(r);
      expect(Number(await admin.scalar('SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [db, 't']))).toBe(0);
      await expectUsersObjects(db);
    }
    const drop = await load(db, ['--drop-table', 'drop']);
    expect(drop.code, drop.stderr).toBe(0);
    expect(await admin.scalar('SELECT EVENT_OBJECT_TABLE FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? AND TRIGGER_NAME = ?', [db, 'tr1'])).toBe('u');
    expect(Number(await admin.scalar(`SELECT \`${db}\`.f1()`))).toBe(1);
  });

  it('a resume replaces the objects its first run created (killed after a CREATE, before its step was recorded)', async () => {
    const db = uniqueDb('lex_resume');
    targets.push(db);
    const first = await load(db, ['--keep-progress']);
    expect(first.code, first.stderr).toBe(0);
    // as a kill between an object's CREATE and its step record leaves it: the object there, its step not
    await admin.query("DELETE FROM tsload_progress.steps WHERE target_db = ? AND (step LIKE 'trigger:%' OR step LIKE 'function:%' OR step LIKE 'view:%')", [db]);
    const again = await load(db);
    expect(again.code, again.stderr).toBe(0);
    expect(Number(await admin.scalar(`SELECT \`${db}\`.f1()`))).toBe(1);
    expect(await admin.scalar('SELECT EVENT_OBJECT_TABLE FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? AND TRIGGER_NAME = ?', [db, 'tr1'])).toBe('u');
  });

  for (const part of [[], ['--no-schema']] as const) {
    it(`--drop-table append${part.length ? ' --no-schema' : ''}: rerunning the finished load verifies and adds no row; after deleting its memo, as the rerun says, it loads again`, async () => {
      const db = uniqueDb('lex_append');
      targets.push(db);
      // a keyless table of the user's holding two rows; the dump holds 2000 (no key: each row it loads again shows)
      await admin.query(`CREATE DATABASE \`${db}\`; CREATE TABLE \`${db}\`.k (a INT, b VARCHAR(10)); INSERT INTO \`${db}\`.k VALUES (-1, 'user'), (-2, 'user');
        ${part.length ? `CREATE TABLE \`${db}\`.t LIKE \`${src}\`.t; CREATE TABLE \`${db}\`.u LIKE \`${src}\`.u;` : ''}`);
      const args = ['--drop-table', 'append', ...part];
      const first = await load(db, args);
      expect(first.code, first.stderr).toBe(0);
      expect(Number(await admin.scalar(`SELECT COUNT(*) FROM \`${db}\`.k`))).toBe(2002);
      // the state a kill -9 right after the final commit leaves: the run's memo, completed
      const again = await runCli('tsload', [...connArgs(), '-d', dump, '-B', db, '-t', '2', ...args]);
      expect(again.code, again.stderr).toBe(0);
      const said = again.stdout + again.stderr;
      expect(said).toMatch(/already loaded completely .*verifying only/);
      expect(said).toContain(`DELETE FROM tsload_progress.runs WHERE target_db = '${db}';`);
      // verified as the merge it was: k held rows before the load
      expect(said).toMatch(new RegExp(`verify: ${db}\\.k held rows before the load`));
      expect(Number(await admin.scalar(`SELECT COUNT(*) FROM \`${db}\`.k`))).toBe(2002);
      await admin.query('DELETE FROM tsload_progress.runs WHERE target_db = ?', [db]);
      if (part.length === 0) {
        // the memo gone, the objects the first load made are anyone's: refused, and the rerun says to add --no-schema
        expect(said).toContain('then rerun with --no-schema');
        const refused = await load(db, args);
        expect(refused.code).toBe(1);
        expect(refused.stderr).toContain(`function ${db}.f1`);
      }
      // t has a primary key: its rows are there already
      const deliberate = await load(db, [...(part.length ? args : [...args, '--no-schema']), '--on-duplicate', 'ignore']);
      expect(deliberate.code, deliberate.stderr).toBe(0);
      expect(Number(await admin.scalar(`SELECT COUNT(*) FROM \`${db}\`.k`))).toBe(4002);
    });
  }

  // A finished load replaced on purpose (--drop-table truncate or drop): the objects in the target are
  // the ones it created, not the user's; the preflight and the run let them be replaced.
  it('--drop-table truncate over a finished load of this dump: its own objects are replaced, not refused as the user\'s', async () => {
    const db = uniqueDb('lex_again');
    targets.push(db);
    const first = await load(db);
    expect(first.code, first.stderr).toBe(0);
    for (const extra of [['--dry-run'], []]) {
      const again = await load(db, ['--drop-table', 'truncate', ...extra]);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).not.toMatch(/already exist/);
    }
    expect(await admin.scalar(`SELECT COUNT(*) FROM \`${db}\`.t`)).toBe('500');
    expect(Number(await admin.scalar(`SELECT \`${db}\`.f1()`))).toBe(1);
  }, 300_000);
});

