/**
 * A small multi-table database for the tsload tests: int PK with AUTO_INCREMENT and a secondary index,
 * composite PK with binary data, a keyless table with duplicate rows, a FK child, a latin1 table with
 * non-ASCII bytes, a view, a trigger and a procedure.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { connArgs, runCli } from '../support/cli.js';
import type { AdminSession } from '../support/server.js';
import { adminSession, dropDbs, testServer } from '../support/server.js';
import { Session } from '../../src/db/session.js';
import { forgetLoads } from '../../src/load/sql-progress-store.js';

export async function createLoadFixture(_admin: AdminSession, db: string, scale = 1): Promise<void> {
  // a session of its own: its USE must not leave the caller's session inside the database
  const admin = await adminSession();
  try {
    await fill(admin, db, scale);
  } finally {
    await admin.close();
  }
}

async function fill(admin: AdminSession, db: string, scale: number): Promise<void> {
  const q = (sql: string): Promise<unknown> => admin.query(sql);
  await q(`CREATE DATABASE \`${db}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci`);
  await q(`USE \`${db}\``);
  await q(`CREATE TABLE parent (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, name VARCHAR(100) NOT NULL, val DECIMAL(12,2), ts TIMESTAMP NULL, KEY idx_name (name), UNIQUE KEY uq_val (val)) ENGINE=InnoDB`);
  await q(`CREATE TABLE comp (a INT NOT NULL, b VARCHAR(20) NOT NULL, payload BLOB, f DOUBLE, PRIMARY KEY (a, b), KEY idx_f (f)) ENGINE=InnoDB`);
  await q(`CREATE TABLE keyless (x INT, y VARCHAR(10)) ENGINE=InnoDB`);
  await q(`CREATE TABLE child (id INT NOT NULL PRIMARY KEY, parent_id INT, note TEXT, KEY idx_parent (parent_id), CONSTRAINT fk_parent FOREIGN KEY (parent_id) REFERENCES parent (id)) ENGINE=InnoDB`);
  await q(`CREATE TABLE lat (id INT NOT NULL PRIMARY KEY, s VARCHAR(20) CHARACTER SET latin1) ENGINE=InnoDB`);
  const batch = async (table: string, rows: string[]): Promise<void> => {
    for (let i = 0; i < rows.length; i += 500) await q(`INSERT INTO ${table} VALUES ${rows.slice(i, i + 500).join(',')}`);
  };
  const n = 3000 * scale;
  await batch('parent', Array.from({ length: n }, (_, i) => `(${i + 1}, 'name ${i % 97} ünï "q" \\\\ ${i}', ${i}.25, ${i % 5 === 0 ? 'NULL' : `'2021-03-0${(i % 9) + 1} 10:00:00'`})`));
  await batch('comp', Array.from({ length: 1500 * scale }, (_, i) => `(${i % 300}, 'k${i}', ${i % 7 === 0 ? 'NULL' : `X'00ff0a0d5c${(i % 256).toString(16).padStart(2, '0')}'`}, ${i / 7})`));
  await batch('keyless', Array.from({ length: 1000 * scale }, (_, i) => `(${i % 50}, ${i % 3 === 0 ? 'NULL' : `'d${i % 10}'`})`));
  await batch('child', Array.from({ length: 500 * scale }, (_, i) => `(${i + 1}, ${(i % n) + 1}, 'line\\nbreak ${i}')`));
  await batch('lat', Array.from({ length: 200 }, (_, i) => `(${i + 1}, _latin1 X'${Buffer.from(`caf\xe9 ${i} \xff`, 'latin1').toString('hex')}')`));
  await q(`CREATE VIEW v_parent AS SELECT p.id, p.name, c.note FROM \`${db}\`.parent p JOIN \`${db}\`.child c ON c.parent_id = p.id`);
  await q(`CREATE TRIGGER trg_child BEFORE INSERT ON child FOR EACH ROW SET NEW.note = CONCAT('trg:', NEW.note)`);
  await q(`CREATE PROCEDURE p_count() SELECT COUNT(*) FROM \`${db}\`.parent`);
}

export interface DumpSpec {
  readonly format: 'csv' | 'sql';
  readonly gzip: boolean;
  readonly extra?: readonly string[];
}

export async function dumpFixture(db: string, spec: DumpSpec): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tsload-test-'));
  const out = path.join(dir, 'dump');
  const r = await runCli('tsdump', [...connArgs(), '-B', db, '-o', out, '--format', spec.format, ...(spec.gzip ? ['-c', 'gzip'] : []), '--rows', '700', '-t', '2', ...(spec.extra ?? [])], { timeoutMs: 300_000 });
  expect(r.code, `tsdump failed:\n${r.stderr}`).toBe(0);
  return out;
}

export async function tableHash(admin: AdminSession, db: string, table: string): Promise<string> {
  const cols = await admin.query<{ COLUMN_NAME: string }>('SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION', [db, table]);
  const expr = cols.map((c) => `IFNULL(HEX(\`${c.COLUMN_NAME}\`), 'N')`).join(", '|', ");
  const r = await admin.query<{ n: string; s: string }>(`SELECT COUNT(*) AS n, COALESCE(SUM(CAST(CONV(SUBSTRING(MD5(CONCAT(${expr})), 1, 16), 16, 10) AS DECIMAL(20,0))), 0) AS s FROM \`${db}\`.\`${table}\``);
  return `${r[0]?.n}:${r[0]?.s}`;
}

/** Teardown of a load suite: drops the source and targets, forgets their loads, removes the dumps. */
export async function cleanupLoads(src: string, targets: readonly string[], dumps: readonly string[]): Promise<void> {
  await dropDbs(src, ...targets);
  const t = testServer();
  const session = await Session.open({ host: t.host, port: t.port, user: t.user, password: t.password });
  try {
    await forgetLoads(session, targets);
  } finally {
    await session.close();
  }
  // a dump path left '' by a failed setup has dirname '.': the repository itself
  for (const d of dumps) if (d !== '') rmSync(path.dirname(d), { recursive: true, force: true });
}
