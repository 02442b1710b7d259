/**
 * The order tsload creates views, routines, triggers and events in: the dump's accounts exist
 * before any object is created (a view reading a view whose DEFINER is one of them), and views are
 * created in one dependency order across every database of the load (a view reading a view or
 * function of another database), routines of every database first. A DEFINER the target lacks and
 * the load does not create is refused before anything is changed when a view reading such a view
 * would fail; a view reading a database the load neither has nor creates fails saying so.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/format/manifest.js';
import { connArgs, runCli } from '../support/cli.js';
import { removeTemps, signal, tempDir, waitFor } from '../support/faults.js';
import { adminSession, dropDbs, uniqueDb, type AdminSession } from '../support/server.js';

let admin: AdminSession;
const dbs: string[] = [];
const users: string[] = [];

beforeAll(async () => {
  admin = await adminSession();
});

afterAll(async () => {
  for (const u of users) await admin.query(`DROP USER IF EXISTS ${u}`).catch(() => undefined);
  await dropDbs(...dbs);
  for (const d of dbs) await admin.query('DELETE FROM tsload_progress.runs WHERE target_db = ?', [d]).catch(() => undefined);
  await admin?.close();
  removeTemps();
});

function db(prefix: string): string {
  const name = uniqueDb(prefix);
  dbs.push(name);
  return name;
}

/** SHOW CREATE VIEW's text, the databases it reads mapped by `renames` (a load's target → its source). */
async function viewText(database: string, view: string, renames: Record<string, string> = {}): Promise<string> {
  const row = (await admin.query<Record<string, string>>(`SHOW CREATE VIEW \`${database}\`.\`${view}\``))[0]!;
  // the server leaves out the qualifier of the session's database: left out of the view's own too
  let text = row['Create View']!.split(`\`${database}\`.`).join('');
  for (const [from, to] of Object.entries(renames)) text = text.split(`\`${from}\`.`).join(`\`${to}\`.`);
  return text;
}

describe('tsload: accounts before the objects whose DEFINER they are', () => {
  const src = db('oo_def');
  const user = `${src.replace(/^oo_def_/, 'ood')}_nobody`;
  const account = `\`${user}\`@\`%\``;
  let dump: string;

  beforeAll(async () => {
    users.push(account);
    await admin.query(`CREATE USER ${account}; CREATE DATABASE \`${src}\`; USE \`${src}\`;
      CREATE TABLE t (id INT PRIMARY KEY); INSERT INTO t VALUES (1), (2);
      GRANT SELECT ON \`${src}\`.* TO ${account};
      CREATE DEFINER=${account} VIEW v1 AS SELECT 1 AS id;
      CREATE VIEW v0 AS SELECT id FROM v1;
      CREATE DEFINER=${account} SQL SECURITY INVOKER VIEW vi AS SELECT 1 AS id;
      CREATE VIEW vj AS SELECT id FROM vi;`);
    dump = path.join(tempDir('oo-def'), 'dump');
    const d = await runCli('tsdump', [...connArgs(), '-B', src, '--users', '-o', dump, '-q']);
    expect(d.code, d.stderr).toBe(0);
    await admin.query(`DROP USER ${account}`);
  });

  it('without --load-users the preflight refuses, naming the view, its DEFINER and the fixes; nothing is created', async () => {
    const dst = db('oo_def_no');
    const r = await runCli('tsload', [...connArgs(), '-d', dump, '-B', dst, '-q']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`${dst}.v1`);
    expect(r.stderr).toMatch(new RegExp(`DEFINER \`?${user}\`?@`));
    expect(r.stderr).toContain('--load-users');
    expect(r.stderr).toContain('--skip-definer');
    expect(await admin.query('SHOW DATABASES LIKE ?', [dst])).toHaveLength(0);
  });

  it('with --load-users the account is created first and both views load as on the source', async () => {
    const dst = db('oo_def_lu');
    const r = await runCli('tsload', [...connArgs(), '-d', dump, '-B', dst, '--load-users', '--users-include', `${user}*`, '-q']);
    expect(r.code, r.stderr).toBe(0);
    expect(await viewText(dst, 'v1')).toBe(await viewText(src, 'v1'));
    expect(await viewText(dst, 'v0', { [dst]: src })).toBe(await viewText(src, 'v0'));
    expect(await admin.query(`SELECT * FROM \`${dst}\`.v0`)).toEqual([{ id: 1 }]);
    // the grant on the loaded database (renamed) came after, as before
    const grants = (await admin.query<Record<string, string>>(`SHOW GRANTS FOR ${account}`)).map((g) => Object.values(g)[0]!);
    expect(grants.some((g) => g.includes(`\`${dst}\`.*`))).toBe(true);
    await admin.query(`DROP USER ${account}`);
  });

  it('a view over an SQL SECURITY INVOKER view whose DEFINER is absent loads, with a warning (the server creates it)', async () => {
    const dst = db('oo_def_inv');
    const r = await runCli('tsload', [...connArgs(), '-d', dump, '-B', dst, '--ignore-table', `${src}.v1`, '--ignore-table', `${src}.v0`]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`view ${dst}\\.vi has DEFINER`));
    expect(await viewText(dst, 'vj', { [dst]: src })).toBe(await viewText(src, 'vj'));
  });

  it('with --skip-definer the preflight lets it load, as the loading user', async () => {
    const dst = db('oo_def_sd');
    const r = await runCli('tsload', [...connArgs(), '-d', dump, '-B', dst, '--skip-definer', '-q']);
    expect(r.code, r.stderr).toBe(0);
    expect(await admin.query(`SELECT * FROM \`${dst}\`.v0`)).toEqual([{ id: 1 }]);
  });
});

describe('tsload: views reading views and functions of another database of the load', () => {
  const a = db('oo_a');
  const b = db('oo_b');
  let dump: string;

  beforeAll(async () => {
    await admin.query(`CREATE DATABASE \`${a}\`; CREATE DATABASE \`${b}\`;
      CREATE TABLE \`${b}\`.t (id INT PRIMARY KEY); INSERT INTO \`${b}\`.t VALUES (1), (2), (3);
      CREATE VIEW \`${b}\`.w AS SELECT id FROM \`${b}\`.t;
      CREATE FUNCTION \`${b}\`.f() RETURNS INT DETERMINISTIC RETURN 42;
      CREATE VIEW \`${a}\`.v AS SELECT id FROM \`${b}\`.w;
      CREATE VIEW \`${a}\`.vf AS SELECT \`${b}\`.f() AS n;
      CREATE VIEW \`${b}\`.ww AS SELECT v.id FROM \`${a}\`.v AS v;
      CREATE TABLE \`${a}\`.x (id INT PRIMARY KEY); INSERT INTO \`${a}\`.x VALUES (1);`);
    dump = path.join(tempDir('oo-cross'), 'dump');
    const d = await runCli('tsdump', [...connArgs(), '-B', a, '-B', b, '-o', dump, '-q']);
    expect(d.code, d.stderr).toBe(0);
  });

  it('--rename: every view is created, reading the renamed databases, with the same definitions', async () => {
    const a2 = db('oo_a2');
    const b2 = db('oo_b2');
    const r = await runCli('tsload', [...connArgs(), '-d', dump, '--rename', `${a}=${a2}`, '--rename', `${b}=${b2}`, '-q']);
    expect(r.code, r.stderr).toBe(0);
    const back = { [a2]: a, [b2]: b };
    for (const [d, v] of [[a, 'v'], [a, 'vf'], [b, 'w'], [b, 'ww']] as const) {
      const target = d === a ? a2 : b2;
      expect(await viewText(target, v, back)).toBe(await viewText(d, v));
    }
    expect(await admin.query(`SELECT id FROM \`${b2}\`.ww ORDER BY id`)).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    expect(await admin.query(`SELECT n FROM \`${a2}\`.vf`)).toEqual([{ n: 42 }]);
  });

  it('a kill -9 in the middle of the views, then a rerun, finishes with every view', async () => {
    const a3 = db('oo_a3');
    const b3 = db('oo_b3');
    const args = [...connArgs(), '-d', dump, '--rename', `${a}=${a3}`, '--rename', `${b}=${b3}`, '-q'];
    let pid = 0;
    const first = runCli('tsload', args, { onSpawn: (p) => (pid = p) });
    const views = async (): Promise<number> =>
      Number(await admin.scalar("SELECT COUNT(*) FROM tsload_progress.steps WHERE target_db IN (?, ?) AND step LIKE 'view:%'", [a3, b3]).catch(() => 0));
    const killed = await waitFor('a view created', async () => ((await views()) > 0 ? true : undefined), 60_000, 1).then(
      () => (signal(pid, 'SIGKILL'), true),
      () => false,
    );
    const r1 = await first;
    // the kill may come after the last view (the load is short): the rerun must finish either way
    if (killed && r1.signal === 'SIGKILL') expect(await views()).toBeGreaterThan(0);
    const r2 = await runCli('tsload', args);
    expect(r2.code, r2.stderr).toBe(0);
    expect(await admin.query(`SELECT id FROM \`${b3}\`.ww ORDER BY id`)).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    expect(await viewText(a3, 'v', { [a3]: a, [b3]: b })).toBe(await viewText(a, 'v'));
  });

  it('a dump without `reads` (older tsdump) orders the views across databases by their text', async () => {
    const old = path.join(tempDir('oo-old'), 'dump');
    cpSync(dump, old, { recursive: true });
    const file = path.join(old, 'manifest.json');
    const m = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
    expect(m.databases.flatMap((d) => d.objects).filter((o) => o.reads !== undefined).length).toBe(4);
    const stripped = { ...m, databases: m.databases.map((d) => ({ ...d, objects: d.objects.map(({ reads: _reads, ...o }) => o) })) };
    writeFileSync(file, JSON.stringify(stripped, null, 2));
    const a4 = db('oo_a4');
    const b4 = db('oo_b4');
    const r = await runCli('tsload', [...connArgs(), '-d', old, '--rename', `${a}=${a4}`, '--rename', `${b}=${b4}`, '-q']);
    expect(r.code, r.stderr).toBe(0);
    expect(await admin.query(`SELECT id FROM \`${b4}\`.ww ORDER BY id`)).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
  });

  it('a view reading a database the load does not hold and the target lacks fails saying so', async () => {
    const c = db('oo_c');
    const d = db('oo_d');
    await admin.query(`CREATE DATABASE \`${c}\`; CREATE DATABASE \`${d}\`;
      CREATE TABLE \`${c}\`.t (id INT PRIMARY KEY);
      CREATE TABLE \`${d}\`.x (id INT PRIMARY KEY);
      CREATE VIEW \`${d}\`.v AS SELECT id FROM \`${c}\`.t;`);
    const only = path.join(tempDir('oo-missing'), 'dump');
    const dd = await runCli('tsdump', [...connArgs(), '-B', d, '-o', only, '-q']);
    expect(dd.code, dd.stderr).toBe(0);
    await admin.query(`DROP DATABASE \`${c}\``);
    const d2 = db('oo_d2');
    const r = await runCli('tsload', [...connArgs(), '-d', only, '-B', d2, '-q']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('1146');
    expect(r.stderr).toMatch(new RegExp(`database \`?${c}\`? .*not part of this load`));
    expect(r.stderr).not.toContain('-T filter');
  });
});
