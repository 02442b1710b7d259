import type { Session } from './session.js';

/**
 * The one seam where MySQL and MariaDB differ. Everything version-specific is decided here from
 * @@version once per run; callers ask the flavor, never parse versions themselves.
 */
export const FLAVOR_KINDS = ['mysql', 'mariadb'] as const;
export type FlavorKind = (typeof FLAVOR_KINDS)[number];

export interface BinlogPosition {
  readonly file: string;
  readonly position: number;
}

export interface Flavor {
  readonly kind: FlavorKind;
  readonly version: string;
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  /** `SHOW MASTER STATUS` before MySQL 8.2, `SHOW BINARY LOG STATUS` after. */
  readonly binlogStatusSql: string;
  /** Expression for the executed GTID set in this server's own format. */
  readonly gtidExpr: string;
  readonly hasSequences: boolean;
  /** MariaDB's BACKUP STAGE (10.4+): blocks commits without blocking reads. */
  readonly hasBackupStage: boolean;
  /** MySQL 8.0+: LOCK INSTANCE FOR BACKUP (blocks DDL only; not enough for exact coordinates). */
  readonly hasInstanceBackupLock: boolean;
  /** MariaDB: binlog_snapshot_file/position give exact coordinates of a consistent snapshot. */
  readonly hasSnapshotCoordinates: boolean;
  /** MySQL 8.0.30+: generated invisible primary keys exist and must be dumped as columns. */
  readonly hasGeneratedInvisiblePk: boolean;
  /**
   * information_schema.VIEW_TABLE_USAGE and VIEW_ROUTINE_USAGE (MySQL 8.0.13+): what each view reads.
   * Elsewhere the catalog reads it from the view's body (db/view-references.ts).
   */
  readonly hasViewUsage: boolean;
  /** information_schema view with InnoDB's table ids (an id changes when a table is recreated). */
  readonly innodbTablesView: string;
  /**
   * After a load (--analyze): table statistics and, where the server has them, column histograms.
   * MariaDB: engine-independent statistics with histograms (PERSISTENT FOR ALL). MySQL 8: ANALYZE
   * TABLE, then UPDATE HISTOGRAM on the given columns (unverified here: no MySQL 8 in the tests).
   */
  analyzeStatements(qualifiedTable: string, histogramColumns: readonly string[]): string[];
  /** The event status clause of an event that must not run on this server while it is a replica. */
  readonly eventDisabledOnReplica: string;
  /** Statement that starts replication from the given coordinates on a replica of this flavor. */
  replicationStatement(pos: BinlogPosition | null, gtid: string | null, sourceHost: string): string;
}

export function parseVersion(version: string): Flavor {
  const kind: FlavorKind = /mariadb/i.test(version) ? 'mariadb' : 'mysql';
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  const major = m ? Number(m[1]) : 0;
  const minor = m ? Number(m[2]) : 0;
  const patch = m ? Number(m[3]) : 0;
  const atLeast = (a: number, b: number, c = 0): boolean =>
    major > a || (major === a && (minor > b || (minor === b && patch >= c)));
  if (kind === 'mariadb') {
    return {
      kind, version, major, minor, patch,
      binlogStatusSql: 'SHOW MASTER STATUS',
      gtidExpr: '@@GLOBAL.gtid_binlog_pos',
      hasSequences: atLeast(10, 3),
      hasBackupStage: atLeast(10, 4),
      hasInstanceBackupLock: false,
      hasSnapshotCoordinates: true,
      hasGeneratedInvisiblePk: false,
      hasViewUsage: false,
      innodbTablesView: 'information_schema.INNODB_SYS_TABLES',
      analyzeStatements: (t) => [`ANALYZE TABLE ${t} PERSISTENT FOR ALL`],
      eventDisabledOnReplica: 'DISABLE ON SLAVE',
      replicationStatement(pos, gtid, host) {
        if (gtid) {
          return `SET GLOBAL gtid_slave_pos = '${gtid}';\nCHANGE MASTER TO MASTER_HOST='${host}', MASTER_USE_GTID=slave_pos;\nSTART SLAVE;`;
        }
        if (!pos) return '-- no binary log coordinates were recorded (binary logging off on the source)';
        return `CHANGE MASTER TO MASTER_HOST='${host}', MASTER_LOG_FILE='${pos.file}', MASTER_LOG_POS=${pos.position};\nSTART SLAVE;`;
      },
    };
  }
  const newStatus = atLeast(8, 2);
  return {
    kind, version, major, minor, patch,
    binlogStatusSql: newStatus ? 'SHOW BINARY LOG STATUS' : 'SHOW MASTER STATUS',
    gtidExpr: '@@GLOBAL.gtid_executed',
    hasSequences: false,
    hasBackupStage: false,
    hasInstanceBackupLock: atLeast(8, 0),
    hasSnapshotCoordinates: false,
    hasGeneratedInvisiblePk: atLeast(8, 0, 30),
    hasViewUsage: atLeast(8, 0, 13),
    innodbTablesView: 'information_schema.INNODB_TABLES',
    analyzeStatements: (t, columns) => [
      `ANALYZE TABLE ${t}`,
      ...(atLeast(8, 0) && columns.length > 0 ? [`ANALYZE TABLE ${t} UPDATE HISTOGRAM ON ${columns.join(', ')} WITH 100 BUCKETS`] : []),
    ],
    eventDisabledOnReplica: atLeast(8, 0, 22) ? 'DISABLE ON REPLICA' : 'DISABLE ON SLAVE',
    replicationStatement(pos, gtid, host) {
      const change = atLeast(8, 0, 23) ? 'CHANGE REPLICATION SOURCE TO' : 'CHANGE MASTER TO';
      const start = atLeast(8, 0, 22) ? 'START REPLICA;' : 'START SLAVE;';
      const p = (n: string): string => (atLeast(8, 0, 23) ? `SOURCE_${n}` : `MASTER_${n}`);
      if (gtid) {
        return `-- on a fresh replica (RESET BINARY LOGS AND GTIDS on 8.4, RESET MASTER before):\nSET GLOBAL gtid_purged = '${gtid}';\n${change} ${p('HOST')}='${host}', ${p('AUTO_POSITION')}=1;\n${start}`;
      }
      if (!pos) return '-- no binary log coordinates were recorded (binary logging off on the source)';
      return `${change} ${p('HOST')}='${host}', ${p('LOG_FILE')}='${pos.file}', ${p('LOG_POS')}=${pos.position};\n${start}`;
    },
  };
}

export async function detectFlavor(session: Session): Promise<Flavor> {
  const v = (await session.scalar('SELECT @@version')) ?? '';
  return parseVersion(v);
}

/** Current binary log position, or null when binary logging is off. */
export async function readBinlogPosition(session: Session, flavor: Flavor): Promise<BinlogPosition | null> {
  const rows = await session.query<Record<string, string | null>>(flavor.binlogStatusSql);
  const r = rows[0];
  if (!r || !r.File) return null;
  return { file: r.File, position: Number(r.Position) };
}

export async function readGtid(session: Session, flavor: Flavor): Promise<string | null> {
  const g = await session.scalar(`SELECT ${flavor.gtidExpr}`).catch(() => null);
  return g && g.trim() !== '' ? g.replace(/\s+/g, '') : null;
}
