/**
 * A load of our own dump into a database that holds the user's things: views, routines, triggers
 * and events whose names the dump uses are refused (the preflight and the run, before anything
 * changes), unless --drop-table drop; the load's own objects are replaced on a resume.
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
});
