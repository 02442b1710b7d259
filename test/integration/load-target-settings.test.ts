/**
 * Migrations: a dump of the shared test server loaded into private servers configured otherwise.
 * The copy must be the source's (CHECKSUM TABLE, SHOW CREATE TABLE, TIMESTAMP instants) or the load
 * refused before anything changes, naming the setting. Each case sets the target's globals (new
 * sessions take them) and puts them back.
 */
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import type { AdminSession, ServerHandle } from '../support/server.js';
import { adminSession, adminSessionOn, dropDbs, startPrivateServer, uniqueDb } from '../support/server.js';
import { dumpFixture } from './load-fixture.js';

const TABLES = ['ts', 'ai', 'strs'] as const;

describe('tsload into a target configured otherwise', () => {
  const src = uniqueDb('tgt_src');
  const clash = uniqueDb('tgt_case');
  let admin: AdminSession;
  let target: ServerHandle;
  let folded: ServerHandle;
  let sql = '';
  let csv = '';
  let clashDump = '';

  const load = (server: ServerHandle, dump: string, db: string, args: readonly string[] = []) =>
    runCli('tsload', ['--no-defaults', '-h', server.info.host, '-P', String(server.info.port), '-u', 'root', '-d', dump, '-B', db, '--progress', 'none', ...args], { env: { MYSQL_PWD: undefined } });

  /** Runs `body` with the target's globals set, then sets them back. */
  async function withGlobals(globals: Record<string, string>, body: (t: AdminSession) => Promise<void>): Promise<void> {
    const t = await adminSessionOn(target.info);
    const names = Object.keys(globals);
    const before = (await t.query<Record<string, string>>(`SELECT ${names.map((n) => `@@GLOBAL.${n} AS ${n}`).join(', ')}`))[0]!;
    try {
      for (const n of names) await t.query(`SET GLOBAL ${n} = ${globals[n]}`);
      await body(t);
    } finally {
      // a boolean reads back as 1/0, which SET takes only as a number
      for (const n of names) await t.query(`SET GLOBAL ${n} = ?`, [/^\d+$/.test(String(before[n])) ? Number(before[n]) : before[n]]);
      await t.close();
    }
  }

  async function checksums(s: AdminSession, db: string): Promise<Record<string, string>> {
    const rows = await s.query<{ Table: string; Checksum: string }>(`CHECKSUM TABLE ${TABLES.map((t) => `\`${db}\`.\`${t}\``).join(', ')}`);
    return Object.fromEntries(rows.map((r) => [r.Table.slice(db.length + 1), String(r.Checksum)]));
  }

  beforeAll(async () => {
    admin = await adminSession();
    // the test server's zone is America/New_York: b's default is an EDT wall-clock time
    await admin.query(`CREATE DATABASE \`${src}\`; USE \`${src}\`; SET SESSION sql_mode = 'NO_AUTO_VALUE_ON_ZERO';
      CREATE TABLE ts (id INT PRIMARY KEY, a TIMESTAMP NOT NULL, b TIMESTAMP NULL DEFAULT '2020-06-01 12:00:00', d DATETIME DEFAULT '0000-00-00 00:00:00', e DATE NOT NULL DEFAULT '0000-00-00');
      INSERT INTO ts VALUES (1, '2021-03-14 07:30:00', '2021-11-07 01:30:00', '0000-00-00 00:00:00', '2020-00-15'), (2, '2021-11-07 05:30:00', NULL, '2020-02-00 00:00:00', '0000-00-00');
      CREATE TABLE ai (id INT AUTO_INCREMENT PRIMARY KEY, c CHAR(5)) AUTO_INCREMENT = 51;
      INSERT INTO ai VALUES (0, 'zero'), (5, 'f ');
      CREATE TABLE strs (id INT PRIMARY KEY, s VARCHAR(40));
      INSERT INTO strs VALUES (1, 'back\\\\slash'), (2, '"dq" and ''sq'''), (3, '');
      CREATE VIEW grouped AS SELECT id, c FROM ai GROUP BY id`);
    await admin.query(`CREATE DATABASE \`${clash}\`; CREATE TABLE \`${clash}\`.Orders (id INT PRIMARY KEY); CREATE TABLE \`${clash}\`.orders (id INT PRIMARY KEY); INSERT INTO \`${clash}\`.Orders VALUES (1); INSERT INTO \`${clash}\`.orders VALUES (2)`);
    [sql, csv, clashDump] = await Promise.all([dumpFixture(src, { format: 'sql', gzip: false }), dumpFixture(src, { format: 'csv', gzip: false }), dumpFixture(clash, { format: 'sql', gzip: false })]);
    [target, folded] = await Promise.all([startPrivateServer(), startPrivateServer({ extraConfig: ['lower_case_table_names = 1'] })]);
  }, 300_000);

  afterAll(async () => {
    await dropDbs(src, clash).catch(() => undefined);
    await admin?.close();
    await target?.destroy();
    await folded?.destroy();
    for (const d of [sql, csv, clashDump]) if (d) rmSync(path.dirname(d), { recursive: true, force: true });
  });

  it("keeps TIMESTAMP definitions under the target's time_zone and explicit_defaults_for_timestamp = OFF", async () => {
    // the dump prints definitions in a zone any server knows, not its own SYSTEM
    const manifest = JSON.parse(readFileSync(path.join(sql, 'manifest.json'), 'utf8')) as { session: { definitionsTimeZone?: string } };
    expect(manifest.session.definitionsTimeZone).toBe('+00:00');
    await withGlobals({ time_zone: "'+05:00'", explicit_defaults_for_timestamp: 'OFF' }, async (t) => {
      const r = await load(target, sql, 'tz_copy');
      expect(r.code, r.stderr).toBe(0);
      // read both in one zone: the defaults must name the same instant, `a` must keep having none
      await admin.query("SET SESSION time_zone = '+00:00'");
      await t.query("SET SESSION time_zone = '+00:00'");
      const mine = (await admin.query<{ 'Create Table': string }>(`SHOW CREATE TABLE \`${src}\`.ts`))[0]!['Create Table'];
      const theirs = (await t.query<{ 'Create Table': string }>('SHOW CREATE TABLE tz_copy.ts'))[0]!['Create Table'];
      expect(theirs).toContain("`b` timestamp NULL DEFAULT '2020-06-01 16:00:00'");
      expect(theirs).toBe(mine);
      const instants = 'SELECT GROUP_CONCAT(UNIX_TIMESTAMP(a), UNIX_TIMESTAMP(b) ORDER BY id) AS v FROM ';
      expect(await t.scalar(`${instants} tz_copy.ts`)).toBe(await admin.scalar(`${instants} \`${src}\`.ts`));
      expect(await checksums(t, 'tz_copy')).toEqual(await checksums(admin, src));
    });
  });

  it("loads zero dates, id 0, quotes and backslashes exactly whatever the target's global sql_mode", async () => {
    const mode = "'ANSI_QUOTES,NO_BACKSLASH_ESCAPES,PAD_CHAR_TO_FULL_LENGTH,STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ZERO_IN_DATE,ONLY_FULL_GROUP_BY,TRADITIONAL'";
    await withGlobals({ sql_mode: mode }, async (t) => {
      for (const [dump, db] of [[sql, 'mode_sql'], [csv, 'mode_csv']] as const) {
        const r = await load(target, dump, db);
        expect(r.code, r.stderr).toBe(0);
        expect(await checksums(t, db)).toEqual(await checksums(admin, src));
        expect(String(await t.scalar(`SELECT AUTO_INCREMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = '${db}' AND TABLE_NAME = 'ai'`))).toBe('51');
      }
    });
  });

  it("under innodb_default_row_format = compact: refuses InnoDB tables that would change row format; an older dump, which did not record the source's, loads", async () => {
    const t = await adminSessionOn(target.info);
    await t.query('DROP DATABASE IF EXISTS tsload_progress');
    await t.close();
    // a dump by an older tsdump: the same, without the source's default row format
    const older = path.join(path.dirname(sql), 'older');
    cpSync(sql, older, { recursive: true });
    const manifest = JSON.parse(readFileSync(path.join(older, 'manifest.json'), 'utf8')) as { session: Record<string, unknown> };
    delete manifest.session.innodbDefaultRowFormat;
    writeFileSync(path.join(older, 'manifest.json'), JSON.stringify(manifest));
    await withGlobals({ innodb_default_row_format: "'compact'" }, async (t) => {
      const r = await load(target, sql, 'compact_copy');
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain("the source's innodb_default_row_format is dynamic, the target's compact");
      expect(r.stderr).toContain('SET GLOBAL innodb_default_row_format = dynamic;');
      expect(Number(await t.scalar("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'compact_copy'"))).toBe(0);
      // tsload's own tables are created DYNAMIC (their keys need more than COMPACT's 767 bytes)
      const o = await load(target, older, 'compact_copy');
      expect(o.code, o.stderr).toBe(0);
      expect(await checksums(t, 'compact_copy')).toEqual(await checksums(admin, src));
    });
  });

  it('with binlog_format = STATEMENT on the target, CSV rows go by LOAD DATA, and --insert-method bulk is refused up front', async () => {
    await withGlobals({ binlog_format: "'STATEMENT'" }, async (t) => {
      const r = await load(target, csv, 'stmt_copy');
      expect(r.code, r.stderr).toBe(0);
      expect(await checksums(t, 'stmt_copy')).toEqual(await checksums(admin, src));
      const bulk = await load(target, csv, 'stmt_bulk', ['--insert-method', 'bulk']);
      expect(bulk.code).toBe(2);
      expect(bulk.stderr).toContain('binlog_format = STATEMENT');
      expect(bulk.stderr).toContain('--insert-method load-data');
      expect(Number(await t.scalar("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'stmt_bulk'"))).toBe(0);
    });
  });

  it('refuses, before creating anything, two tables that lower_case_table_names = 1 would make one', async () => {
    for (const args of [['--dry-run'], []]) {
      const r = await load(folded, clashDump, 'folded_copy', args);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain('tables folded_copy.Orders, folded_copy.orders differ only in case');
      expect(r.stderr).toContain('lower_case_table_names');
      expect(r.stderr).toContain(`--ignore-table ${clash}.orders`);
    }
    const f = await adminSessionOn(folded.info);
    expect(Number(await f.scalar("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'folded_copy'"))).toBe(0);
    await f.close();
    // leaving one out, the other loads
    const one = await load(folded, clashDump, 'folded_copy', ['--ignore-table', `${clash}.orders`]);
    expect(one.code, one.stderr).toBe(0);
  });

  it('refuses, before creating anything, objects of another DEFINER for an account without SET USER, suggesting --skip-definer', async () => {
    const t = await adminSessionOn(target.info);
    try {
      await t.query("CREATE USER mover@'%' IDENTIFIED BY 'mover-pw'; GRANT ALL ON definer_copy.* TO mover@'%'; GRANT ALL ON tsload_progress.* TO mover@'%'");
      const as = (args: readonly string[]) =>
        runCli('tsload', ['--no-defaults', '-h', target.info.host, '-P', String(target.info.port), '-u', 'mover', '-d', sql, '-B', 'definer_copy', '--progress', 'none', ...args], { env: { MYSQL_PWD: 'mover-pw' } });
      const r = await as([]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain('view definer_copy.grouped (DEFINER ');
      expect(r.stderr).toContain("load with --skip-definer (the objects then belong to 'mover'@'%')");
      expect(Number(await t.scalar("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'definer_copy'"))).toBe(0);
      const stripped = await as(['--skip-definer']);
      expect(stripped.code, stripped.stderr).toBe(0);
      expect(await checksums(t, 'definer_copy')).toEqual(await checksums(admin, src));
    } finally {
      await t.query("DROP USER IF EXISTS mover@'%'");
      await t.close();
    }
  });
});
