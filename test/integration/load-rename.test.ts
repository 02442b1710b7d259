/**
 * --rename / -B on the server the dump came from, for objects created with database-qualified names
 * (`CREATE TRIGGER src.trg … ON src.t2`): the server keeps a trigger's statement as written, so a
 * replay as written creates the trigger in the source database ("already exists" there, or a new
 * trigger in the source when it had none left). Each object must land in the target, the source
 * keep exactly what it had, and the trigger fire into the target's table (its backquoted body
 * reference renamed, as in views and routines). Loaded from a tsdump directory (--rename and -B) and
 * from a mariadb-dump file (--rename).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connArgs, mariadbDump, runCli } from '../support/cli.js';
import type { AdminSession } from '../support/server.js';
import { adminSession, uniqueDb } from '../support/server.js';
import { cleanupLoads, dumpFixture } from './load-fixture.js';

interface Objects {
  readonly triggers: string[];
  readonly routines: string[];
  readonly events: string[];
}

describe('tsload --rename of objects created with qualified names', () => {
  let admin: AdminSession;
  const src = uniqueDb('load_ren_src');
  const targets: string[] = [];
  let dump = '';
  let sqlDir = '';
  let before: Objects;

  async function objects(db: string): Promise<Objects> {
    const col = async (sql: string): Promise<string[]> => (await admin.query<{ n: string }>(sql, [db])).map((r) => r.n);
    return {
      triggers: await col("SELECT CONCAT(TRIGGER_NAME, ' ON ', EVENT_OBJECT_SCHEMA, '.', EVENT_OBJECT_TABLE, ' ', ACTION_TIMING, ' ', EVENT_MANIPULATION) AS n FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? ORDER BY 1"),
      routines: await col("SELECT CONCAT(ROUTINE_TYPE, ' ', ROUTINE_NAME) AS n FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ? ORDER BY 1"),
      events: await col('SELECT EVENT_NAME AS n FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ? ORDER BY 1'),
    };
  }

  beforeAll(async () => {
    admin = await adminSession();
    const q = (sql: string): Promise<unknown> => admin.query(sql);
    // unquoted on purpose: the server keeps a trigger's text as written
    await q(`CREATE DATABASE ${src}`);
    await q(`CREATE TABLE ${src}.t2 (id INT PRIMARY KEY, v INT)`);
    await q(`CREATE TABLE ${src}.log (id INT, what VARCHAR(10))`);
    await q(`INSERT INTO ${src}.t2 VALUES (1, 10), (2, 20)`);
    await q(`CREATE TRIGGER ${src}.trg BEFORE INSERT ON ${src}.t2 FOR EACH ROW INSERT INTO \`${src}\`.log VALUES (NEW.id, 'ins')`);
    // its own name unqualified (the session's database), its table qualified
    await q(`USE ${src}; CREATE TRIGGER trg_gone AFTER UPDATE ON ${src}.t2 FOR EACH ROW INSERT INTO \`${src}\`.log VALUES (NEW.id, 'upd')`);
    await q(`CREATE TRIGGER \`${src}\`.trg_quoted AFTER DELETE ON \`${src}\`.t2 FOR EACH ROW INSERT INTO \`${src}\`.log VALUES (OLD.id, 'del')`);
    await q(`CREATE PROCEDURE ${src}.p() INSERT INTO \`${src}\`.log VALUES (0, 'p')`);
    await q(`CREATE FUNCTION ${src}.f() RETURNS INT READS SQL DATA RETURN (SELECT COUNT(*) FROM \`${src}\`.log)`);
    await q(`CREATE EVENT ${src}.e ON SCHEDULE EVERY 1 DAY DISABLE DO DELETE FROM \`${src}\`.log`);
    dump = await dumpFixture(src, { format: 'csv', gzip: false });
    sqlDir = mkdtempSync(path.join(os.tmpdir(), 'tsload-rename-'));
    mariadbDump(['--routines', '--events', '--triggers', '--databases', src], path.join(sqlDir, 'src.sql'));
    // a trigger the source no longer has: replayed as written, it was created back in the source
    await q(`DROP TRIGGER ${src}.trg_gone`);
    before = await objects(src);
  }, 300_000);

  afterAll(async () => {
    await cleanupLoads(src, targets, dump ? [dump] : []);
    if (sqlDir) rmSync(sqlDir, { recursive: true, force: true });
    await admin?.close();
  });

  async function expectInTarget(dst: string): Promise<void> {
    expect(await objects(src)).toEqual(before);
    expect(await objects(dst)).toEqual({
      triggers: [`trg ON ${dst}.t2 BEFORE INSERT`, `trg_gone ON ${dst}.t2 AFTER UPDATE`, `trg_quoted ON ${dst}.t2 AFTER DELETE`],
      routines: ['FUNCTION f', 'PROCEDURE p'],
      events: ['e'],
    });
    await admin.query(`INSERT INTO \`${dst}\`.t2 VALUES (3, 30)`);
    await admin.query(`CALL \`${dst}\`.p()`);
    expect(Number(await admin.scalar(`SELECT \`${dst}\`.f()`))).toBe(2);
    expect(Number(await admin.scalar(`SELECT COUNT(*) FROM \`${src}\`.log`))).toBe(0);
  }

  it('--rename of a tsdump directory', async () => {
    const dst = uniqueDb('load_ren_a');
    targets.push(dst);
    const r = await runCli('tsload', [...connArgs(), '-d', dump, '--rename', `${src}=${dst}`, '-t', '2']);
    expect(r.code, r.stderr).toBe(0);
    await expectInTarget(dst);
  }, 300_000);

  it('-B of a tsdump directory', async () => {
    const dst = uniqueDb('load_ren_b');
    targets.push(dst);
    const r = await runCli('tsload', [...connArgs(), '-d', dump, '-B', dst, '-t', '2']);
    expect(r.code, r.stderr).toBe(0);
    await expectInTarget(dst);
  }, 300_000);

  it('--rename of a mariadb-dump file', async () => {
    const dst = uniqueDb('load_ren_sql');
    targets.push(dst);
    const r = await runCli('tsload', [...connArgs(), '-d', path.join(sqlDir, 'src.sql'), '--rename', `${src}=${dst}`, '-t', '2']);
    expect(r.code, r.stderr).toBe(0);
    await expectInTarget(dst);
  }, 300_000);
});
