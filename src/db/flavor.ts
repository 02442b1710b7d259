import { TsError } from '../core/errors.js';
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
  /** Any one of these lets binlogStatusSql run (the first is the one to grant). */
  readonly binlogStatusPrivileges: readonly string[];
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
  /** information_schema view of InnoDB's tablespaces with their FILE_SIZE (dump/stale-statistics.ts). */
  readonly innodbSpacesView: string;
  /**
   * After a load (--analyze): table statistics and, where the server has them, column histograms.
   * MariaDB: engine-independent statistics with histograms (PERSISTENT FOR ALL). MySQL 8: ANALYZE
   * TABLE, then UPDATE HISTOGRAM on the given columns (unverified here: no MySQL 8 in the tests).
   */
  analyzeStatements(qualifiedTable: string, histogramColumns: readonly string[]): string[];
  /** The event status clause of an event that must not run on this server while it is a replica. */
  readonly eventDisabledOnReplica: string;
  /** Accounts and roles (tsdump --users, tsload --load-users): accounts.ts asks these. */
  readonly accounts: AccountDialect;
  /** This server as a replica: its status, and how it is pointed at a source (replica.ts). */
  readonly replica: ReplicaDialect;
}

/**
 * How a flavor lists accounts and spells their statements. MariaDB roles have no host and no
 * SHOW CREATE USER; MySQL roles are locked accounts (found in mysql.role_edges). `toTarget`
 * rewrites a statement the source flavor printed into one this flavor runs: the password-hash
 * clause, SET DEFAULT ROLE's FOR/TO, MySQL-only password options (MySQL paths unverified here).
 */
export interface AccountDialect {
  /** Rows: user, host, role ('1'/'0'), plugin. */
  readonly listSql: string;
  /** The CREATE statement of a role when the server prints none (MariaDB), else null. */
  createRole(user: string, host: string): string | null;
  /** The account as SHOW statements name it. */
  name(user: string, host: string, role: boolean): string;
  toTarget(sql: string, from: FlavorKind): string;
}

/** Where a replica is in its source's binary log (SHOW SLAVE/REPLICA STATUS). */
export interface ReplicaStatus {
  readonly host: string;
  readonly port: number;
  /** The source's binlog file and position of the last event executed. */
  readonly binlog: BinlogPosition | null;
  readonly ioRunning: string;
  readonly sqlRunning: string;
  readonly lastError: string | null;
  readonly secondsBehind: number | null;
}

/** A source to replicate from; the password goes as a parameter, never into statement text. */
export interface ReplicationSource {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly binlog: BinlogPosition | null;
  /** Replicate by GTID from this set (MariaDB gtid_slave_pos / MySQL gtid_purged), else by position. */
  readonly gtid: string | null;
}

export interface ReplicaDialect {
  readonly statusSql: string;
  /** The executed GTID position of what this replica applied from its source (MariaDB: gtid_slave_pos). */
  readonly appliedGtidExpr: string;
  parseStatus(row: Readonly<Record<string, string | null>>): ReplicaStatus;
  /** Statements, in order; `?` marks the password parameter (one per statement that has one). */
  changeSource(src: ReplicationSource): { readonly sql: string; readonly password: boolean }[];
  readonly startSql: string;
  readonly stopSql: string;
}

const num = (v: string | null | undefined): number | null => (v === null || v === undefined || v === '' ? null : Number(v));
const str = (v: string): string => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;

function replicaDialect(kind: FlavorKind, modern: boolean): ReplicaDialect {
  // MariaDB and MySQL before 8.0.22/23 say MASTER/SLAVE; MySQL since says SOURCE/REPLICA
  const w = kind === 'mysql' && modern ? { m: 'SOURCE', s: 'REPLICA', change: 'CHANGE REPLICATION SOURCE TO', status: 'SHOW REPLICA STATUS' } : { m: 'MASTER', s: 'SLAVE', change: 'CHANGE MASTER TO', status: 'SHOW SLAVE STATUS' };
  const col = (r: Readonly<Record<string, string | null>>, name: string): string | null => r[name.replace(/\{m\}/g, w.m === 'SOURCE' ? 'Source' : 'Master').replace(/\{s\}/g, w.s === 'REPLICA' ? 'Replica' : 'Slave')] ?? null;
  return {
    statusSql: w.status,
    appliedGtidExpr: kind === 'mariadb' ? '@@GLOBAL.gtid_slave_pos' : '@@GLOBAL.gtid_executed',
    parseStatus(r) {
      const file = col(r, 'Relay_{m}_Log_File');
      const pos = num(col(r, 'Exec_{m}_Log_Pos'));
      const err = [col(r, 'Last_IO_Error'), col(r, 'Last_SQL_Error')].filter((e) => e !== null && e !== '').join('; ');
      return {
        host: col(r, '{m}_Host') ?? '',
        port: num(col(r, '{m}_Port')) ?? 3306,
        binlog: file && pos !== null ? { file, position: pos } : null,
        ioRunning: col(r, '{s}_IO_Running') ?? '',
        sqlRunning: col(r, '{s}_SQL_Running') ?? '',
        lastError: err === '' ? null : err,
        secondsBehind: num(col(r, 'Seconds_Behind_{m}')),
      };
    },
    changeSource(src) {
      const head = `${w.change} ${w.m}_HOST=${str(src.host)}, ${w.m}_PORT=${src.port}, ${w.m}_USER=${str(src.user)}, ${w.m}_PASSWORD=?`;
      if (src.gtid !== null && kind === 'mariadb') {
        return [{ sql: `SET GLOBAL gtid_slave_pos = ${str(src.gtid)}`, password: false }, { sql: `${head}, MASTER_USE_GTID=slave_pos`, password: true }];
      }
      if (src.gtid !== null) {
        // needs an empty gtid_executed on the replica (RESET BINARY LOGS AND GTIDS / RESET MASTER first): refused by the server otherwise
        return [{ sql: `SET GLOBAL gtid_purged = ${str(src.gtid)}`, password: false }, { sql: `${head}, ${w.m}_AUTO_POSITION=1`, password: true }];
      }
      if (!src.binlog) throw new TsError({ code: 'usage', message: 'the dump records no binary log coordinates to replicate from (binary logging was off on its source)', suggestion: 'replicate by GTID if the dump has a GTID set, or set up replication by hand' });
      return [{ sql: `${head}, ${w.m}_LOG_FILE=${str(src.binlog.file)}, ${w.m}_LOG_POS=${src.binlog.position}`, password: true }];
    },
    startSql: `START ${w.s}`,
    stopSql: `STOP ${w.s}`,
  };
}

const q = (s: string): string => '`' + s.replace(/`/g, '``') + '`';

const MARIADB_ACCOUNTS: AccountDialect = {
  listSql: "SELECT User AS user, Host AS host, IF(is_role = 'Y', '1', '0') AS role, plugin FROM mysql.user ORDER BY is_role DESC, User, Host",
  createRole: (user) => `CREATE ROLE ${q(user)}`,
  name: (user, host, role) => (role ? q(user) : `${q(user)}@${q(host)}`),
  toTarget(sql, from) {
    if (from === 'mariadb') return sql;
    return sql
      .replace(/\bIDENTIFIED WITH '?mysql_native_password'? AS ('[^']*')/i, 'IDENTIFIED BY PASSWORD $1')
      .replace(/\bIDENTIFIED WITH '?([A-Za-z0-9_]+)'? AS ('[^']*')/i, 'IDENTIFIED VIA $1 USING $2')
      .replace(/(?<!\s)\s+PASSWORD (?:HISTORY|REUSE INTERVAL|REQUIRE CURRENT) (?:DEFAULT|OPTIONAL|\d+(?: DAY)?)/gi, '')
      .replace(/(?<!\s)\s+(?:FAILED_LOGIN_ATTEMPTS|PASSWORD_LOCK_TIME) (?:\d+|UNBOUNDED)/gi, '')
      .replace(/(?<!\s)\s+DEFAULT ROLE .*?(?= REQUIRE | PASSWORD | ACCOUNT |$)/i, '')
      .replace(/^SET DEFAULT ROLE (?=.*$)(.*) TO (.*)$/i, 'SET DEFAULT ROLE $1 FOR $2');
  },
};

const MYSQL_ACCOUNTS: AccountDialect = {
  listSql:
    "SELECT u.User AS user, u.Host AS host, IF(EXISTS (SELECT 1 FROM mysql.role_edges e WHERE e.FROM_USER = u.User AND e.FROM_HOST = u.Host), '1', '0') AS role, u.plugin AS plugin FROM mysql.user u ORDER BY role DESC, u.User, u.Host",
  createRole: () => null,
  name: (user, host) => `${q(user)}@${q(host)}`,
  toTarget(sql, from) {
    if (from === 'mysql') return sql;
    return sql
      .replace(/\bIDENTIFIED BY PASSWORD ('[^']*')/i, 'IDENTIFIED WITH mysql_native_password AS $1')
      .replace(/\bIDENTIFIED VIA ([A-Za-z0-9_]+) USING ('[^']*')/i, 'IDENTIFIED WITH $1 AS $2')
      .replace(/^CREATE ROLE (IF NOT EXISTS )?(`(?:[^`]|``)*`)$/i, "CREATE ROLE $1$2@'%'")
      .replace(/^SET DEFAULT ROLE (?=.*$)(.*) FOR (.*)$/i, 'SET DEFAULT ROLE $1 TO $2');
  },
};

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
      // 10.5 renamed REPLICATION CLIENT to BINLOG MONITOR (SHOW GRANTS prints the new name)
      binlogStatusPrivileges: atLeast(10, 5) ? ['BINLOG MONITOR', 'REPLICATION CLIENT', 'SUPER'] : ['REPLICATION CLIENT', 'SUPER'],
      gtidExpr: '@@GLOBAL.gtid_binlog_pos',
      hasSequences: atLeast(10, 3),
      hasBackupStage: atLeast(10, 4),
      hasInstanceBackupLock: false,
      hasSnapshotCoordinates: true,
      hasGeneratedInvisiblePk: false,
      hasViewUsage: false,
      innodbTablesView: 'information_schema.INNODB_SYS_TABLES',
      innodbSpacesView: 'information_schema.INNODB_SYS_TABLESPACES',
      analyzeStatements: (t) => [`ANALYZE TABLE ${t} PERSISTENT FOR ALL`],
      eventDisabledOnReplica: 'DISABLE ON SLAVE',
      accounts: MARIADB_ACCOUNTS,
      replica: replicaDialect('mariadb', false),
    };
  }
  const newStatus = atLeast(8, 2);
  return {
    kind, version, major, minor, patch,
    binlogStatusSql: newStatus ? 'SHOW BINARY LOG STATUS' : 'SHOW MASTER STATUS',
    binlogStatusPrivileges: ['REPLICATION CLIENT', 'SUPER'],
    gtidExpr: '@@GLOBAL.gtid_executed',
    hasSequences: false,
    hasBackupStage: false,
    hasInstanceBackupLock: atLeast(8, 0),
    hasSnapshotCoordinates: false,
    hasGeneratedInvisiblePk: atLeast(8, 0, 30),
    hasViewUsage: atLeast(8, 0, 13),
    innodbTablesView: 'information_schema.INNODB_TABLES',
    innodbSpacesView: atLeast(8, 0) ? 'information_schema.INNODB_TABLESPACES' : 'information_schema.INNODB_SYS_TABLESPACES',
    analyzeStatements: (t, columns) => [
      `ANALYZE TABLE ${t}`,
      ...(atLeast(8, 0) && columns.length > 0 ? [`ANALYZE TABLE ${t} UPDATE HISTOGRAM ON ${columns.join(', ')} WITH 100 BUCKETS`] : []),
    ],
    eventDisabledOnReplica: atLeast(8, 0, 22) ? 'DISABLE ON REPLICA' : 'DISABLE ON SLAVE',
    accounts: MYSQL_ACCOUNTS,
    replica: replicaDialect('mysql', atLeast(8, 0, 23)),
  };
}

/** Where a replica would start, for the statements printed as a hint (replicationHint). */
export interface HintSource {
  readonly host: string;
  /** null when the dump was taken over a socket (a replica needs the source's TCP port). */
  readonly port: number | null;
  readonly binlog: BinlogPosition | null;
  readonly gtid: string | null;
  /** The flavor that wrote the GTID set (GTIDs of one flavor mean nothing to the other). */
  readonly flavor: FlavorKind;
}

/** The placeholders a DBA fills in: the replication account is not the dumping one. */
export const REPLICATION_USER_PLACEHOLDER = '<replication user>';
export const REPLICATION_PASSWORD_PLACEHOLDER = '<its password>';
const NO_COORDINATES = '-- no binary log coordinates were recorded (binary logging off on the source)';

/**
 * The statements, as text to paste, that make a server of flavor `replica` a replica of the source:
 * the same ones --start-replication runs (ReplicaDialect.changeSource), with the source's real host
 * and port and placeholders for the account. GTID auto-positioning only with GTIDs of the replica's
 * own flavor, else binlog file and position. A dump over a socket knows no host or port (its host is
 * the socket path): placeholders there too.
 */
export function replicationHint(replica: Flavor, src: HintSource): string {
  const gtid = src.gtid !== null && src.flavor === replica.kind ? src.gtid : null;
  if (gtid === null && !src.binlog) return NO_COORDINATES;
  const statements = replica.replica.changeSource({ host: src.port === null ? '<source host>' : src.host, port: src.port ?? 3306, user: REPLICATION_USER_PLACEHOLDER, binlog: src.binlog, gtid });
  const lines = statements.map(({ sql }) => {
    let text = sql.replace(/_PASSWORD=\?/, `_PASSWORD=${str(REPLICATION_PASSWORD_PLACEHOLDER)}`);
    if (src.port === null) text = text.replace(/_PORT=3306/, "_PORT=3306 /* dumped over a socket: the source's TCP port */");
    return `${text};`;
  });
  const reset = replica.kind === 'mysql' && gtid !== null ? [`-- on a fresh replica (${replica.major > 8 || (replica.major === 8 && replica.minor >= 4) ? 'RESET BINARY LOGS AND GTIDS' : 'RESET MASTER'} first if it has GTIDs of its own):`] : [];
  return [...reset, ...lines, `${replica.replica.startSql};`].join('\n');
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

/** This server's replica status (the default connection), or null when it is not a replica. */
export async function readReplicaStatus(session: Session, flavor: Flavor): Promise<ReplicaStatus | null> {
  const r = (await session.query<Record<string, string | null>>(flavor.replica.statusSql))[0];
  return r ? flavor.replica.parseStatus(r) : null;
}
