/**
 * Load-time transforms: --skip-definer (objects owned by the loading user), --convert-utf8mb4
 * (utf8mb3 database, table and column become utf8mb4 with the matching collation, same text),
 * --engine (tables rewritten to another engine, same content; exercises the non-transactional path).
 * A MySQL 5.6 mysqldump file names utf8 without its collation: converted, the server takes the DDL
 * with utf8mb4_general_ci named. On MariaDB that is also utf8mb4's default, so here this checks that
 * the target accepts the rewritten clauses (which collation is named is the unit test's); on MySQL 8,
 * whose default is utf8mb4_0900_ai_ci ('ss' = 'ß'), the keys 'ss' and 'ß' would collide without it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connArgs, runCli } from '../support/cli.js';
import type { AdminSession } from '../support/server.js';
import { adminSession, dropDbs, uniqueDb } from '../support/server.js';
import { createLoadFixture, dumpFixture, tableHash } from './load-fixture.js';

describe('tsload transforms', () => {
  let admin: AdminSession;
  const src = uniqueDb('load_tr_src');
  const targets: string[] = [];
  let dump = '';

  beforeAll(async () => {
    admin = await adminSession();
    await createLoadFixture(admin, src);
    const q = (s: string): Promise<unknown> => admin.query(s);
    await q(`CREATE TABLE \`${src}\`.u3 (id INT PRIMARY KEY, s VARCHAR(30) CHARACTER SET utf8mb3 COLLATE utf8mb3_general_ci) DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_general_ci`);
    await q(`INSERT INTO \`${src}\`.u3 VALUES (1, 'héllo'), (2, 'wörld'), (3, NULL)`);
    await q(`CREATE DEFINER=\`tsload_nobody\`@\`localhost\` PROCEDURE \`${src}\`.p_owned() SQL SECURITY INVOKER SELECT 1`);
    dump = await dumpFixture(src, { format: 'csv', gzip: false });
  }, 300_000);

  afterAll(async () => {
    await dropDbs(src, ...targets);
    if (dump) rmSync(path.dirname(dump), { recursive: true, force: true });
    await admin?.close();
  });

  it('--skip-definer and --convert-utf8mb4', async () => {
    const dst = uniqueDb('load_tr_a');
    targets.push(dst);
    const r = await runCli('tsload', [...connArgs(), '-d', dump, '-B', dst, '-t', '2', '--skip-definer', '--convert-utf8mb4']);
    expect(r.code, r.stderr).toBe(0);
    const definer = await admin.scalar('SELECT DEFINER FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ? AND ROUTINE_NAME = ?', [dst, 'p_owned']);
    const me = await admin.scalar('SELECT CURRENT_USER()');
    expect(definer).toBe(me);
    const col = await admin.query<{ CHARACTER_SET_NAME: string; COLLATION_NAME: string }>('SELECT CHARACTER_SET_NAME, COLLATION_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND COLUMN_NAME = ?', [dst, 'u3', 's']);
    expect(col[0]).toEqual({ CHARACTER_SET_NAME: 'utf8mb4', COLLATION_NAME: 'utf8mb4_general_ci' });
    const tbl = await admin.scalar('SELECT TABLE_COLLATION FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [dst, 'u3']);
    expect(tbl).toBe('utf8mb4_general_ci');
    const text = await admin.query<{ s: string | null }>(`SELECT s FROM \`${dst}\`.u3 ORDER BY id`);
    expect(text.map((x) => x.s)).toEqual(['héllo', 'wörld', null]);
    for (const t of ['parent', 'comp', 'keyless', 'child', 'lat']) expect(await tableHash(admin, dst, t)).toBe(await tableHash(admin, src, t));
  }, 300_000);

  it('--engine MyISAM', async () => {
    const dst = uniqueDb('load_tr_engine');
    targets.push(dst);
    const r = await runCli('tsload', [...connArgs(), '-d', dump, '-B', dst, '-t', '2', '--engine', 'MyISAM', '--rows-per-transaction', '100']);
    expect(r.code, r.stderr).toBe(0);
    const engines = await admin.query<{ ENGINE: string }>("SELECT DISTINCT ENGINE FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE'", [dst]);
    expect(engines.map((e) => e.ENGINE)).toEqual(['MyISAM']);
    for (const t of ['parent', 'comp', 'keyless', 'child', 'lat', 'u3']) expect(await tableHash(admin, dst, t)).toBe(await tableHash(admin, src, t));
  }, 300_000);

  it('--convert-utf8mb4 of a MySQL 5.6 mysqldump file, whose utf8 has no COLLATE', async () => {
    const dst = uniqueDb('load_tr_56');
    targets.push(dst);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tsload-56-'));
    const file = path.join(dir, 'aurora56.sql');
    writeFileSync(file, [
      '-- MySQL dump 10.13  Distrib 5.6.10, for Linux (x86_64)',
      '/*!40101 SET NAMES utf8 */;',
      'CREATE DATABASE /*!32312 IF NOT EXISTS*/ `shop56` /*!40100 DEFAULT CHARACTER SET utf8 */;',
      'USE `shop56`;',
      'CREATE TABLE `t` (',
      "  `k` varchar(20) NOT NULL COMMENT 'CHARSET=utf8',",
      '  `l` varchar(20) CHARACTER SET utf8 DEFAULT NULL,',
      '  `b` varchar(20) COLLATE utf8_bin DEFAULT NULL,',
      '  PRIMARY KEY (`k`)',
      ') ENGINE=InnoDB DEFAULT CHARSET=utf8;',
      "INSERT INTO `t` VALUES ('ss','x','y'),('ß','x','y'),('Straße',NULL,NULL);",
      '-- Dump completed on 2026-12-06 10:00:00',
      '',
    ].join('\n'));
    try {
      const r = await runCli('tsload', [...connArgs(), '-d', file, '-B', dst, '--convert-utf8mb4', '-q']);
      expect(r.code, r.stderr + r.stdout).toBe(0);
      const cols = await admin.query<{ c: string; n: string }>('SELECT COLUMN_NAME AS c, COLLATION_NAME AS n FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? ORDER BY ORDINAL_POSITION', [dst]);
      expect(cols).toEqual([{ c: 'k', n: 'utf8mb4_general_ci' }, { c: 'l', n: 'utf8mb4_general_ci' }, { c: 'b', n: 'utf8mb4_bin' }]);
      expect(await admin.scalar('SELECT DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [dst])).toBe('utf8mb4_general_ci');
      expect(await admin.scalar(`SELECT COUNT(*) FROM \`${dst}\`.t`)).toBe('3');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
