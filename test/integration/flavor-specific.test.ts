/**
 * Code paths where MySQL 8 and MariaDB differ. The MySQL 8 block runs when TSDUMP_TEST_URL points at
 * a MySQL 8 server (make docker-test-mysql84); the MariaDB block runs on the harness's own server.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { quoteIdent } from '../../src/core/ident.js';
import type { Manifest } from '../../src/format/manifest.js';
import { connArgs, runCli } from '../support/cli.js';
import { adminSession, dropDbs, uniqueDb } from '../support/server.js';

const probe = await adminSession();
const version = String(await probe.scalar('SELECT @@version'));
await probe.close();
const isMariadb = /mariadb/i.test(version);
const isMysql8 = !isMariadb && /^8\./.test(version);

const dirs: string[] = [];
const dbs: string[] = [];
afterAll(async () => {
  await dropDbs(...dbs);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function dumpAndLoad(db: string, extra: string[] = []): Promise<{ manifest: Manifest; copy: string }> {
  const out = mkdtempSync(path.join(os.tmpdir(), 'tsdump-flavor-'));
  dirs.push(out);
  const d = await runCli('tsdump', [...connArgs(), '-B', db, '-o', out, '-q', ...extra]);
  expect(d.code, d.stderr).toBe(0);
  const copy = uniqueDb('flavor_copy');
  dbs.push(copy);
  const l = await runCli('tsload', [...connArgs(), '-d', out, '-B', copy, '-q']);
  expect(l.code, l.stderr).toBe(0);
  return { manifest: JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8')) as Manifest, copy };
}

describe.runIf(isMysql8)('MySQL 8', () => {
  it('dumps a generated invisible primary key as a column and chunks by it', async () => {
    const db = uniqueDb('gipk');
    dbs.push(db);
    const admin = await adminSession();
    try {
      await admin.query(`CREATE DATABASE ${quoteIdent(db)}; SET SESSION sql_generate_invisible_primary_key = ON;
        CREATE TABLE ${quoteIdent(db)}.t (v VARCHAR(20)); INSERT INTO ${quoteIdent(db)}.t (v) VALUES ('a'), ('b'), ('c');`);
      const { manifest, copy } = await dumpAndLoad(db);
      const t = manifest.databases[0]!.tables.find((x) => x.name === 't')!;
      expect(t.columns.map((c) => c.name)).toContain('my_row_id');
      expect(t.key).toMatchObject({ kind: 'primary' });
      const ids = await admin.query<{ my_row_id: string; v: string }>(`SELECT my_row_id, v FROM ${quoteIdent(copy)}.t ORDER BY my_row_id`);
      expect(ids.map((r) => r.v)).toEqual(['a', 'b', 'c']);
    } finally {
      await admin.close();
    }
  });

  it('records gtid_executed in MySQL format when GTIDs are on', async () => {
    const admin = await adminSession();
    const mode = String(await admin.scalar('SELECT @@GLOBAL.gtid_mode'));
    await admin.close();
    const db = uniqueDb('gtid8');
    dbs.push(db);
    const a = await adminSession();
    await a.query(`CREATE DATABASE ${quoteIdent(db)}; CREATE TABLE ${quoteIdent(db)}.t (id INT PRIMARY KEY); INSERT INTO ${quoteIdent(db)}.t VALUES (1)`);
    await a.close();
    const { manifest } = await dumpAndLoad(db);
    if (mode === 'ON') expect(manifest.snapshot.gtid).toMatch(/^[0-9a-f-]{36}:\d+(-\d+)?/i);
    expect(manifest.server.flavor).toBe('mysql');
  });
});

describe.runIf(isMariadb)('MariaDB', () => {
  it('records gtid_binlog_pos in MariaDB format and exact coordinates, and restores sequence state', async () => {
    const db = uniqueDb('maria');
    dbs.push(db);
    const admin = await adminSession();
    try {
      await admin.query(`CREATE DATABASE ${quoteIdent(db)}; CREATE SEQUENCE ${quoteIdent(db)}.s START WITH 100 INCREMENT BY 5;
        CREATE TABLE ${quoteIdent(db)}.t (id INT PRIMARY KEY DEFAULT (NEXT VALUE FOR ${quoteIdent(db)}.s), v INT);
        INSERT INTO ${quoteIdent(db)}.t (v) VALUES (1), (2), (3);`);
      const { manifest, copy } = await dumpAndLoad(db);
      expect(manifest.server.flavor).toBe('mariadb');
      expect(manifest.snapshot.exact).toBe(true);
      expect(manifest.snapshot.gtid).toMatch(/^\d+-\d+-\d+(,\d+-\d+-\d+)*$/);
      // the copy's sequence continues after the source's last value, under the new database name
      await admin.query(`INSERT INTO ${quoteIdent(copy)}.t (v) VALUES (4)`);
      const ids = (await admin.query<{ id: number }>(`SELECT id FROM ${quoteIdent(copy)}.t ORDER BY id`)).map((r) => Number(r.id));
      expect(ids.slice(0, 3)).toEqual([100, 105, 110]);
      expect(ids[3]).toBeGreaterThan(110);
    } finally {
      await admin.close();
    }
  });
});
