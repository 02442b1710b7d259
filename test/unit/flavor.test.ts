import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseVersion, replicationHint } from '../../src/db/flavor.js';
import type { Manifest } from '../../src/format/manifest.js';
import { replicationLines } from '../../src/format/replication.js';

describe('the MySQL / MariaDB seam', () => {
  it('picks the binlog status statement and GTID variable per version', () => {
    expect(parseVersion('8.4.3').binlogStatusSql).toBe('SHOW BINARY LOG STATUS');
    expect(parseVersion('8.0.36').binlogStatusSql).toBe('SHOW MASTER STATUS');
    expect(parseVersion('8.0.36').gtidExpr).toBe('@@GLOBAL.gtid_executed');
    const maria = parseVersion('10.11.6-MariaDB-0+deb12u1-log');
    expect(maria).toMatchObject({ kind: 'mariadb', major: 10, minor: 11, binlogStatusSql: 'SHOW MASTER STATUS', gtidExpr: '@@GLOBAL.gtid_binlog_pos', hasSequences: true, hasSnapshotCoordinates: true });
    expect(parseVersion('8.0.30').hasGeneratedInvisiblePk).toBe(true);
    expect(parseVersion('8.0.29').hasGeneratedInvisiblePk).toBe(false);
    expect(parseVersion('11.4.2-MariaDB').hasBackupStage).toBe(true);
  });

  const pos = { file: 'binlog.000042', position: 4711 };
  const source = { host: 'db1.example.com', port: 3307, binlog: pos, gtid: null, flavor: 'mysql' as const };
  const userClauses = (p: string): string => `${p}_USER='<replication user>', ${p}_PASSWORD='<its password>'`;

  it('spells the replication start statement for each version, with the source host, port and user placeholders', () => {
    expect(replicationHint(parseVersion('8.4.3'), source)).toBe(
      `CHANGE REPLICATION SOURCE TO SOURCE_HOST='db1.example.com', SOURCE_PORT=3307, ${userClauses('SOURCE')}, SOURCE_LOG_FILE='binlog.000042', SOURCE_LOG_POS=4711;\nSTART REPLICA;`,
    );
    expect(replicationHint(parseVersion('8.0.20'), source)).toBe(
      `CHANGE MASTER TO MASTER_HOST='db1.example.com', MASTER_PORT=3307, ${userClauses('MASTER')}, MASTER_LOG_FILE='binlog.000042', MASTER_LOG_POS=4711;\nSTART SLAVE;`,
    );
    expect(replicationHint(parseVersion('10.11.6-MariaDB'), { ...source, flavor: 'mariadb' })).toBe(
      `CHANGE MASTER TO MASTER_HOST='db1.example.com', MASTER_PORT=3307, ${userClauses('MASTER')}, MASTER_LOG_FILE='binlog.000042', MASTER_LOG_POS=4711;\nSTART SLAVE;`,
    );
  });

  it('MySQL with GTIDs: gtid_purged and SOURCE_AUTO_POSITION=1', () => {
    const gtid = '3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5';
    const text = replicationHint(parseVersion('8.4.3'), { ...source, gtid });
    expect(text).toContain('RESET BINARY LOGS AND GTIDS');
    expect(text).toMatch(new RegExp(`SET GLOBAL gtid_purged = '${gtid}';\nCHANGE REPLICATION SOURCE TO SOURCE_HOST='db1.example.com', SOURCE_PORT=3307, .*SOURCE_AUTO_POSITION=1;\nSTART REPLICA;$`));
    expect(text).not.toContain('LOG_FILE');
    expect(replicationHint(parseVersion('8.0.36'), { ...source, gtid })).toContain('RESET MASTER');
  });

  it('MariaDB with GTIDs: gtid_slave_pos and MASTER_USE_GTID=slave_pos', () => {
    expect(replicationHint(parseVersion('10.11.6-MariaDB'), { ...source, gtid: '0-1-2', flavor: 'mariadb' })).toBe(
      `SET GLOBAL gtid_slave_pos = '0-1-2';\nCHANGE MASTER TO MASTER_HOST='db1.example.com', MASTER_PORT=3307, ${userClauses('MASTER')}, MASTER_USE_GTID=slave_pos;\nSTART SLAVE;`,
    );
  });

  it('GTIDs of the other flavor are not used: binlog file and position instead', () => {
    expect(replicationHint(parseVersion('10.11.6-MariaDB'), { ...source, gtid: '3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5' })).toContain("MASTER_LOG_FILE='binlog.000042'");
    expect(replicationHint(parseVersion('8.4.3'), { ...source, gtid: '0-1-2', flavor: 'mariadb' })).toContain("SOURCE_LOG_FILE='binlog.000042'");
  });

  it('a dump over a socket: host and port are placeholders; no coordinates: says so', () => {
    const text = replicationHint(parseVersion('8.4.3'), { ...source, host: '/run/mysqld/mysqld.sock', port: null });
    expect(text).toContain("SOURCE_HOST='<source host>', SOURCE_PORT=3306 /*");
    expect(text).not.toContain('mysqld.sock');
    expect(replicationHint(parseVersion('8.4.3'), { ...source, binlog: null })).toMatch(/^-- no binary log coordinates/);
  });

  it('quotes what it prints', () => {
    expect(replicationHint(parseVersion('8.4.3'), { ...source, host: "o'brien" })).toContain("SOURCE_HOST='o''brien'");
  });
  it('spells --analyze and the replica-disabled event state for each flavor (MySQL unverified against a server)', () => {
    expect(parseVersion('10.11.6-MariaDB').analyzeStatements('`d`.`t`', ['`a`'])).toEqual(['ANALYZE TABLE `d`.`t` PERSISTENT FOR ALL']);
    expect(parseVersion('8.4.3').analyzeStatements('`d`.`t`', ['`a`', '`b`'])).toEqual(['ANALYZE TABLE `d`.`t`', 'ANALYZE TABLE `d`.`t` UPDATE HISTOGRAM ON `a`, `b` WITH 100 BUCKETS']);
    expect(parseVersion('8.4.3').analyzeStatements('`d`.`t`', [])).toEqual(['ANALYZE TABLE `d`.`t`']);
    expect(parseVersion('10.11.6-MariaDB').eventDisabledOnReplica).toBe('DISABLE ON SLAVE');
    expect(parseVersion('8.4.3').eventDisabledOnReplica).toBe('DISABLE ON REPLICA');
    expect(parseVersion('8.0.21').eventDisabledOnReplica).toBe('DISABLE ON SLAVE');
  });

  it('reads replica status and spells CHANGE MASTER / CHANGE REPLICATION SOURCE (MySQL unverified against a server)', () => {
    const my = parseVersion('8.4.3').replica;
    expect(my.statusSql).toBe('SHOW REPLICA STATUS');
    expect(my.parseStatus({ Source_Host: 'p1', Source_Port: '3307', Relay_Source_Log_File: 'binlog.000007', Exec_Source_Log_Pos: '99', Replica_IO_Running: 'Yes', Replica_SQL_Running: 'No', Last_IO_Error: '', Last_SQL_Error: 'boom', Seconds_Behind_Source: null })).toEqual({
      host: 'p1', port: 3307, binlog: { file: 'binlog.000007', position: 99 }, ioRunning: 'Yes', sqlRunning: 'No', lastError: 'boom', secondsBehind: null,
    });
    const src = { host: 'p1', port: 3307, user: 'r', binlog: { file: 'binlog.000007', position: 99 }, gtid: null };
    expect(my.changeSource(src)).toEqual([{ sql: "CHANGE REPLICATION SOURCE TO SOURCE_HOST='p1', SOURCE_PORT=3307, SOURCE_USER='r', SOURCE_PASSWORD=?, SOURCE_LOG_FILE='binlog.000007', SOURCE_LOG_POS=99", password: true }]);
    expect(my.startSql).toBe('START REPLICA');
    expect(parseVersion('8.0.20').replica.statusSql).toBe('SHOW SLAVE STATUS');
    const maria = parseVersion('10.11.6-MariaDB').replica;
    expect(maria.changeSource({ ...src, user: "o'k", gtid: '0-1-5' }).map((x) => x.sql)).toEqual(["SET GLOBAL gtid_slave_pos = '0-1-5'", "CHANGE MASTER TO MASTER_HOST='p1', MASTER_PORT=3307, MASTER_USER='o''k', MASTER_PASSWORD=?, MASTER_USE_GTID=slave_pos"]);
  });
});

describe('replication hints of a dump', () => {
  const example = JSON.parse(readFileSync(fileURLToPath(new URL('../../docs/manifest.example.json', import.meta.url)), 'utf8')) as Manifest;

  it('tsload: only the target flavor, GTIDs only when they are the target flavor', () => {
    const toMysql = replicationLines(example, parseVersion('8.4.3')).join('\n');
    expect(toMysql).toContain(`CHANGE REPLICATION SOURCE TO SOURCE_HOST='${example.server.host}', SOURCE_PORT=${example.server.port}`);
    expect(toMysql).toContain(`SOURCE_LOG_FILE='${example.snapshot.binlog!.file}'`);
    expect(toMysql).not.toMatch(/CHANGE MASTER|gtid_slave_pos|gtid_purged/);
    const toMaria = replicationLines(example, parseVersion('11.4.2-MariaDB')).join('\n');
    expect(toMaria).toContain(`SET GLOBAL gtid_slave_pos = '${example.snapshot.gtid!}'`);
    expect(toMaria).not.toContain('SOURCE_');
  });

  it('tsdump and dry runs: the source flavor', () => {
    const lines = replicationLines(example, null);
    expect(lines[0]).toMatch(/^source coordinates \(exact\)/);
    expect(lines.join('\n')).toContain('MASTER_USE_GTID=slave_pos');
    expect(lines.join('\n')).not.toContain('SOURCE_');
  });
});
