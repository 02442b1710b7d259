/**
 * Hand over to replication (issue 16), on two private servers: server A is dumped and loaded into
 * server B with --start-replication; a write on A afterwards must then arrive on B (content hashed
 * over every column on both servers). B, now a replica, is dumped with --replica-data: the manifest
 * must hold A's coordinates as B stands there. The replication password never appears in output.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/format/manifest.js';
import { runCli } from '../support/cli.js';
import { removeTemps, tempDir } from '../support/faults.js';
import { adminSessionOn, startPrivateServer, uniqueDb, type AdminSession, type ServerHandle } from '../support/server.js';
import { tableHash } from './load-fixture.js';

const PASSWORD = 'repl-Secret-42';

describe('tsload --start-replication, tsdump --replica-data', () => {
  const db = uniqueDb('repl');
  let a: ServerHandle;
  let b: ServerHandle;
  let adminA: AdminSession;
  let adminB: AdminSession;
  let dumpA: string;

  const conn = (s: ServerHandle): string[] => ['--no-defaults', '-h', s.info.host, '-P', String(s.info.port), '-u', s.info.user];
  const cli = (bin: 'tsdump' | 'tsload', s: ServerHandle, args: string[]) =>
    runCli(bin, [...conn(s), ...args], { env: { MYSQL_PWD: s.info.password || undefined, REPL_PW: PASSWORD } });
  const replArgs = ['--start-replication', '--source-user', 'repl', '--source-password-env', 'REPL_PW'];

  beforeAll(async () => {
    [a, b] = await Promise.all([startPrivateServer(), startPrivateServer({ extraConfig: ['server_id = 2'] })]);
    adminA = await adminSessionOn(a.info);
    adminB = await adminSessionOn(b.info);
    await adminA.query(`CREATE USER repl@'127.0.0.1' IDENTIFIED BY '${PASSWORD}'; GRANT REPLICATION SLAVE ON *.* TO repl@'127.0.0.1';
      CREATE DATABASE \`${db}\`; USE \`${db}\`;
      CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20), n BIGINT);
      INSERT INTO t SELECT seq, CONCAT('v', seq), seq * 7 FROM seq_1_to_2000;`);
    dumpA = path.join(tempDir('repl-a'), 'dump');
    const d = await cli('tsdump', a, ['-B', db, '-o', dumpA, '-q']);
    expect(d.code, d.stderr).toBe(0);
  }, 180_000);

  afterAll(async () => {
    await adminB?.query('STOP SLAVE; RESET SLAVE ALL').catch(() => undefined);
    await adminA?.close();
    await adminB?.close();
    await Promise.all([a?.destroy(), b?.destroy()]);
    removeTemps();
  });

  it('--dry-run prints the statements, the password as the variable that holds it', async () => {
    const r = await cli('tsload', b, ['-d', dumpA, '--dry-run', ...replArgs]);
    expect(r.code, r.stderr).toBe(0);
    const m = JSON.parse(readFileSync(path.join(dumpA, 'manifest.json'), 'utf8')) as Manifest;
    const pos = m.snapshot.binlog!;
    expect(r.stdout).toContain(`CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=${a.info.port}, MASTER_USER='repl', MASTER_PASSWORD='<$REPL_PW>', MASTER_LOG_FILE='${pos.file}', MASTER_LOG_POS=${pos.position};`);
    expect(r.stdout).toContain('START SLAVE;');
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
  });

  it('load into B with --start-replication: B replicates from A, a write on A arrives on B', async () => {
    const r = await cli('tsload', b, ['-d', dumpA, ...replArgs]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`replication running from 127\\.0\\.0\\.1:${a.info.port}: IO and SQL threads Yes`));
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
    await adminA.query(`USE \`${db}\`; INSERT INTO t SELECT seq, 'after', seq FROM seq_2001_to_2500; UPDATE t SET v = 'changed' WHERE id <= 10; DELETE FROM t WHERE id BETWEEN 100 AND 109`);
    const want = await tableHash(adminA, db, 't');
    let got = '';
    for (let i = 0; i < 120 && got !== want; i++) {
      got = await tableHash(adminB, db, 't');
      if (got !== want) await new Promise((res) => setTimeout(res, 250));
    }
    expect(got).toBe(want);
  });

  it('a second --start-replication onto a target that replicates already is refused before anything is loaded', async () => {
    const r = await cli('tsload', b, ['-d', dumpA, '--rename', `${db}=${db}_2`, ...replArgs]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/the target replicates already/);
    expect(Number(await adminB.scalar('SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [`${db}_2`]))).toBe(0);
  });

  it('--replica-data: a dump of B records where B stands in A\'s binlog; refused on a server that is no replica', async () => {
    const status = (await adminA.query<{ File: string; Position: string }>('SHOW MASTER STATUS'))[0]!;
    // B has applied everything A wrote (previous test), and A is idle now
    const out = path.join(tempDir('repl-b'), 'dump');
    const d = await cli('tsdump', b, ['-B', db, '-o', out, '--replica-data', '-q']);
    expect(d.code, d.stderr).toBe(0);
    const m = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8')) as Manifest;
    expect(m.snapshot.upstream).toEqual({
      host: '127.0.0.1',
      port: a.info.port,
      binlog: { file: status.File, position: Number(status.Position) },
      gtid: String(await adminA.scalar('SELECT @@GLOBAL.gtid_binlog_pos')),
      exact: true,
    });
    const plan = await cli('tsload', b, ['-d', out, '--dry-run', ...replArgs]);
    expect(plan.stdout).toContain(`from the source of the dumped replica 127.0.0.1:${a.info.port}`);
    expect(plan.stdout).toContain(`MASTER_LOG_FILE='${status.File}', MASTER_LOG_POS=${status.Position}`);
    const notReplica = await cli('tsdump', a, ['-B', db, '-o', path.join(tempDir('repl-a2'), 'dump'), '--replica-data', '-q']);
    expect(notReplica.code).toBe(2);
    expect(notReplica.stderr).toMatch(/--replica-data: the server is not a replica/);
  });

  // B's binary log does not record what it applies (log_slave_updates OFF, MariaDB's default), so
  // binlog_snapshot_position stays put while B's applier commits: lock-free snapshots opened around
  // one of its commits disagree, and the position check alone called such a dump exact.
  it('a lock-free dump of a replica while it applies: consistent, or refused (its snapshots are compared on mysql.gtid_slave_pos)', async () => {
    const tables = ['x1', 'x2', 'x3', 'x4'];
    await adminA.query(`USE \`${db}\`; ${tables.map((t) => `CREATE TABLE ${t} (id INT PRIMARY KEY, n BIGINT NOT NULL); INSERT INTO ${t} VALUES (1, 0);`).join(' ')}`);
    const writer = await adminSessionOn(a.info);
    let writing = true;
    const writes = (async () => {
      await writer.query(`USE \`${db}\``);
      while (writing) await writer.query(`BEGIN; ${tables.map((t) => `UPDATE ${t} SET n = n + 1;`).join(' ')} COMMIT`);
    })();
    try {
      // B applies A's stream from here on
      for (let i = 0; i < 100 && Number(await adminB.scalar(`SELECT COALESCE(MAX(n), 0) FROM \`${db}\`.x4`).catch(() => 0)) < 50; i++) await new Promise((res) => setTimeout(res, 100));
      for (let run = 0; run < 6; run++) {
        const out = path.join(tempDir(`repl-nolock-${run}`), 'dump');
        const d = await cli('tsdump', b, ['-T', tables.map((t) => `${db}.${t}`).join(','), '-o', out, '--lock-mode', 'no-lock', '-t', '4', '-q']);
        if (d.code !== 0) {
          expect(d.stderr).toMatch(/could not open consistent snapshots without a lock/);
          continue;
        }
        const m = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8')) as Manifest;
        expect(m.snapshot.exact).toBe(true);
        const values = tables.map((t) => readFileSync(path.join(out, m.databases[0]!.tables.find((x) => x.name === t)!.chunks[0]!.path), 'utf8').trim());
        expect(new Set(values).size, `dump ${run}: ${values.join(' | ')}`).toBe(1);
      }
      // the stream ran through every dump (the check was put to work, not met on an idle replica)
      expect(Number(await adminB.scalar(`SELECT MAX(n) FROM \`${db}\`.x4`))).toBeGreaterThan(50);
    } finally {
      writing = false;
      await writes;
      await writer.close();
    }
  });
});
