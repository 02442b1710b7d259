import { describe, expect, it } from 'vitest';
import { parseVersion } from '../../src/db/flavor.js';

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

  it('spells the replication start statement for each version', () => {
    const pos = { file: 'binlog.000042', position: 4711 };
    expect(parseVersion('8.4.3').replicationStatement(pos, null, 'src')).toBe(
      "CHANGE REPLICATION SOURCE TO SOURCE_HOST='src', SOURCE_LOG_FILE='binlog.000042', SOURCE_LOG_POS=4711;\nSTART REPLICA;",
    );
    expect(parseVersion('8.0.20').replicationStatement(pos, null, 'src')).toBe(
      "CHANGE MASTER TO MASTER_HOST='src', MASTER_LOG_FILE='binlog.000042', MASTER_LOG_POS=4711;\nSTART SLAVE;",
    );
    expect(parseVersion('8.4.3').replicationStatement(pos, '3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5', 'src')).toMatch(
      /SET GLOBAL gtid_purged = '3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5';\nCHANGE REPLICATION SOURCE TO SOURCE_HOST='src', SOURCE_AUTO_POSITION=1;\nSTART REPLICA;/,
    );
    expect(parseVersion('10.11.6-MariaDB').replicationStatement(pos, '0-1-2', 'src')).toBe(
      "SET GLOBAL gtid_slave_pos = '0-1-2';\nCHANGE MASTER TO MASTER_HOST='src', MASTER_USE_GTID=slave_pos;\nSTART SLAVE;",
    );
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
