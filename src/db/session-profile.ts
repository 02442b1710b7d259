/**
 * Every kind of session tsdump and tsload open, and everything each one sets up: handshake
 * charset, result charset, LOCAL INFILE, and the SET SESSION statements run right after connecting.
 * This is the only place a session's settings are decided; callers name a profile.
 */
import { plainLiteral } from '../core/ident.js';
import type { ObjectContext } from '../core/table-shape.js';

export interface SessionProfile {
  /** Shown in errors and logs ("data session", "dump worker"). */
  readonly label: string;
  /**
   * Handshake charset (default utf8mb4). 'BINARY' makes the whole session binary and mysql2 send
   * query text as latin1, i.e. one byte per char: a caller can then send arbitrary bytes verbatim.
   */
  readonly charset?: string;
  /** Receive every string as the column's own bytes (character_set_results=binary). */
  readonly binaryResults?: boolean;
  /** Allow LOAD DATA LOCAL INFILE (the loader serves only the file it asked for). */
  readonly infile?: boolean;
  /** Run in order after connecting; a failure fails the open. */
  readonly statements: readonly string[];
  /** Run after `statements`; a server that refuses one (an old version, a missing privilege) is fine. */
  readonly bestEffort?: readonly string[];
  /** Streams large results as wire rows: socket reads reuse memory (read-arena.ts; plain TCP or Unix socket only). */
  readonly readArena?: boolean;
}

/** Dumped text of TIMESTAMP values, chunk bounds and checksums must not depend on the server's zone (DST). */
const UTC = "SET SESSION time_zone = '+00:00'";

/**
 * Reads the catalog and the definitions, in UTC: SHOW CREATE TABLE prints a TIMESTAMP column's
 * literal DEFAULT in the session's time zone, and the loader creates the table in the zone the
 * manifest records for it (session.definitionsTimeZone), so the default keeps its instant.
 * MySQL 8 caches information_schema.TABLES for a day
 * (information_schema_stats_expiry): row estimates and AUTO_INCREMENT counters read fresh instead;
 * MariaDB has no such cache and refuses the variable, which is fine.
 */
export const DUMP_CONTROL: SessionProfile = { label: 'control', statements: [UTC], bestEffort: ['SET SESSION information_schema_stats_expiry = 0'] };
/**
 * Reads accounts (tsdump --users). MySQL 8.0.17+ prints caching_sha2_password hashes, which are
 * binary, as hex only when asked (else their bytes would not survive the users file's JSON);
 * MariaDB has no such variable and refuses it, which is fine.
 */
export const DUMP_ACCOUNTS: SessionProfile = { label: 'accounts', statements: [], bestEffort: ['SET SESSION print_identified_with_as_hex = ON'] };
export const LOCK_WATCHDOG: SessionProfile = { label: 'lock watchdog', statements: [] };

/**
 * How long a snapshot session waits for a table's metadata lock while it takes them all
 * (db/snapshot.ts holdTables): a DDL that holds or waits for one must fail the dump, not stall it.
 */
export function lockWaitTimeoutStatement(seconds: number): string {
  return `SET SESSION lock_wait_timeout = ${Math.max(1, Math.ceil(seconds))}`;
}

/** Plans chunks inside the snapshot: key values as bytes. */
export const DUMP_PLANNER: SessionProfile = { label: 'planner', binaryResults: true, statements: [UTC] };
/** Reads chunks inside the snapshot: values as bytes, no conversion; long writes to a slow disk must not time out. */
export const DUMP_WORKER: SessionProfile = {
  label: 'dump worker',
  binaryResults: true,
  statements: [UTC],
  bestEffort: ["SET SESSION sql_mode = ''", 'SET SESSION net_write_timeout = 3600'],
  readArena: true,
};

export interface LoadSessionSettings {
  /** The dump's session sql_mode (manifest.session.sqlMode): the mode its definitions were printed in. */
  readonly sqlMode: string;
  /** The time zone the dump printed its table definitions in (manifest.session.definitionsTimeZone; null: an older dump, which did not say). */
  readonly definitionsTimeZone: string | null;
  /** The target's explicit_defaults_for_timestamp is OFF (preflight facts). */
  readonly explicitDefaultsOff: boolean;
  /** --skip-binlog. */
  readonly skipBinlog: boolean;
}

/**
 * The sql_mode rows are loaded in, whatever mode the source ran: one that accepts every value a
 * server can hold, because the data files hold stored values (read with sql_mode ''), some of
 * which only a looser mode could have written — zero dates (NO_ZERO_DATE), invalid dates
 * (ALLOW_INVALID_DATES), an ENUM's invalid value, values clipped to their column's range. So:
 * not strict, no NO_ZERO_DATE / NO_ZERO_IN_DATE / TRADITIONAL (which would turn strict again),
 * ALLOW_INVALID_DATES, never EMPTY_STRING_IS_NULL ('' must stay '') or NO_BACKSLASH_ESCAPES (the
 * data files use escapes), always NO_AUTO_VALUE_ON_ZERO (a stored 0 in an AUTO_INCREMENT column
 * stays 0). Rows that do not fit are still refused: every warning fails the transaction unless it
 * is one the stored value itself raises (row-checks.ts), and verification compares the content.
 */
export const LOAD_SQL_MODE = 'NO_AUTO_VALUE_ON_ZERO,ALLOW_INVALID_DATES';

/** Modes that refuse or change values or definitions the source's server holds. */
const VALUE_CHECKS = new Set(['STRICT_TRANS_TABLES', 'STRICT_ALL_TABLES', 'TRADITIONAL', 'NO_ZERO_DATE', 'NO_ZERO_IN_DATE', 'EMPTY_STRING_IS_NULL', 'NO_BACKSLASH_ESCAPES', 'NO_ENGINE_SUBSTITUTION', 'ALLOW_INVALID_DATES']);

/**
 * The sql_mode table definitions are created in: the mode they were printed in (the dump's session
 * mode: ANSI_QUOTES, ORACLE and the like change how SHOW CREATE text parses) without the checks that
 * refuse definitions a looser mode created (ENUM('','') with duplicate members: error 1291 in strict
 * mode; DEFAULT '0000-00-00' under NO_ZERO_DATE), with ALLOW_INVALID_DATES, and with
 * NO_ENGINE_SUBSTITUTION: a table is created with its own engine or not at all (--engine rewrites
 * it on purpose). Never NO_BACKSLASH_ESCAPES: SHOW CREATE escapes string literals with backslashes
 * whatever the mode.
 */
export function tableSqlMode(dumpSqlMode: string): string {
  const modes = dumpSqlMode
    .split(',')
    .map((m) => m.trim().toUpperCase())
    .filter((m) => m !== '' && !VALUE_CHECKS.has(m));
  return [...modes, 'ALLOW_INVALID_DATES', 'NO_ENGINE_SUBSTITUTION'].join(',');
}

function loadStatements(s: LoadSessionSettings): string[] {
  // every warning of a statement is checked (row-checks.ts): keep as many as the server can
  const out = [UTC, `SET SESSION sql_mode = '${LOAD_SQL_MODE}'`, 'SET SESSION foreign_key_checks = 0', 'SET SESSION unique_checks = 0', 'SET SESSION max_error_count = 65535'];
  if (s.skipBinlog) out.push('SET SESSION sql_log_bin = 0');
  return out;
}

/**
 * Creates the tables (schema-steps.ts): in tableSqlMode, foreign keys not checked (a table may
 * reference one created after it), in the time zone the definitions were printed in (a TIMESTAMP
 * column's DEFAULT '2020-06-01 12:00:00' is read in the session's zone: in the target's own it
 * would be another instant), and with explicit_defaults_for_timestamp ON: SHOW CREATE TABLE prints
 * every TIMESTAMP column's NULL and DEFAULT, except a `timestamp NOT NULL` that has no default,
 * which under OFF would get DEFAULT current_timestamp() ON UPDATE current_timestamp() (or a zero
 * default). Set only where the target's is OFF, and best effort: MySQL 8 wants SESSION_VARIABLES_ADMIN for it.
 */
export function loadSchema(s: LoadSessionSettings): SessionProfile {
  return {
    label: 'schema',
    statements: [
      `SET SESSION sql_mode = ${plainLiteral(tableSqlMode(s.sqlMode))}`,
      ...(s.definitionsTimeZone !== null ? [`SET SESSION time_zone = ${plainLiteral(s.definitionsTimeZone)}`] : []),
      'SET SESSION foreign_key_checks = 0',
      // every warning of a statement is kept for SHOW WARNINGS (a LOAD DATA's 1261 after 64 others)
      'SET SESSION max_error_count = 65535',
      ...(s.skipBinlog ? ['SET SESSION sql_log_bin = 0'] : []),
    ],
    // best effort: an account without the privilege MySQL 8 asks for loads as before (unverified here)
    ...(s.explicitDefaultsOff ? { bestEffort: ['SET SESSION explicit_defaults_for_timestamp = ON'] } : {}),
  };
}

/**
 * The control session's SQL text is the loader's own (bookkeeping, the DDL it writes): in a mode of
 * our choosing, never the target's global sql_mode. mysql2 escapes `?` parameters with backslashes
 * and quotes strings with '…', which NO_BACKSLASH_ESCAPES and ANSI_QUOTES would read otherwise
 * (error 1064 recording the run, before any row loaded).
 */
const OWN_SQL_MODE = `SET SESSION sql_mode = '${LOAD_SQL_MODE}'`;

/** The loader's DDL and bookkeeping session. */
export function loadControl(s: Pick<LoadSessionSettings, 'skipBinlog'>): SessionProfile {
  return { label: 'control', statements: [OWN_SQL_MODE, 'SET SESSION foreign_key_checks = 0', ...(s.skipBinlog ? ['SET SESSION sql_log_bin = 0'] : [])], bestEffort: [KEEP_HISTORY] };
}

/**
 * MariaDB refuses ALTER TABLE on a system-versioned table (error 4119) unless told what to do with
 * its history: the deferred indexes and foreign keys are added to a table holding its loaded
 * history, which must stay as it is.
 */
const KEEP_HISTORY = 'SET SESSION system_versioning_alter_history = KEEP';

/**
 * Data sessions are binary end to end (handshake charset binary): SQL chunk lines go to the server
 * byte for byte, and the loader's own SQL text is sent as its UTF-8 bytes (see wireText).
 */
export function loadData(s: LoadSessionSettings): SessionProfile {
  // MariaDB 10.11+: history rows of system-versioned tables are written with their own row_start/row_end
  // (load/history-check.ts refuses a target without it before anything is changed).
  // MariaDB: a table may hold rows its CHECK constraints reject (added with the checks off); like
  // foreign keys, they are not checked again on the way in. MySQL has no such rows (nor the variable).
  return { label: 'data', charset: 'BINARY', infile: true, statements: loadStatements(s), bestEffort: ['SET SESSION check_constraint_checks = OFF', 'SET SESSION system_versioning_insert_history = ON'] };
}

/** Builds a table's deferred indexes and foreign keys. */
export function loadIndex(s: LoadSessionSettings): SessionProfile {
  return { label: 'index', statements: loadStatements(s), bestEffort: [KEEP_HISTORY] };
}

export interface ObjectSessionSettings {
  /** How the object was created on the source (its sql_mode, client charset, time zone), if recorded. */
  readonly context: ObjectContext | null;
  readonly skipBinlog: boolean;
  /** --convert-utf8mb4: the recorded utf8/utf8mb3 client charset becomes utf8mb4. */
  readonly charsetOf: (charsetOrCollation: string) => string;
}

/** Creates a view, routine, trigger or event as it was created on the source. */
export function loadObject(s: ObjectSessionSettings): SessionProfile {
  const c = s.context;
  const out: string[] = [];
  if (c) {
    out.push(`SET NAMES ${s.charsetOf(c.characterSetClient)} COLLATE ${s.charsetOf(c.collationConnection)}`);
    out.push(`SET SESSION sql_mode = ${plainLiteral(c.sqlMode)}`);
    if (c.timeZone) out.push(`SET SESSION time_zone = ${plainLiteral(c.timeZone)}`);
  }
  if (s.skipBinlog) out.push('SET SESSION sql_log_bin = 0');
  out.push('SET SESSION foreign_key_checks = 0');
  return { label: 'object', statements: out };
}

export interface ImportSessionSettings {
  readonly label: string;
  /** --sql-mode: the session's sql_mode before the script's own SET statements run. */
  readonly sqlMode: string | null;
  /** The script's header SET statements (SET NAMES, TIME_ZONE, SQL_MODE …), as its bytes (latin1). */
  readonly header: readonly string[];
  readonly skipBinlog: boolean;
}

/**
 * A session restoring another tool's SQL script (a mysqldump file, a mydumper directory): binary
 * end to end like a data session, so the script's bytes reach the server unchanged, then set up as
 * the script sets itself up (its header SETs) — the state `mariadb < file` would be in. Foreign
 * keys are not checked (they are added after the data, as in our own loads).
 */
export function importSession(s: ImportSessionSettings): SessionProfile {
  return {
    label: s.label,
    charset: 'BINARY',
    // mydumper 1.0's LOAD DATA chunks; as in data sessions, only a file the loader asked for is served
    infile: true,
    // utf8mb4 first, as the mysql client connects, for a script that sets no NAMES (mysqldump --compact)
    statements: [
      'SET NAMES utf8mb4',
      ...(s.sqlMode !== null ? [`SET SESSION sql_mode = ${plainLiteral(s.sqlMode)}`] : []),
      ...s.header,
      'SET SESSION foreign_key_checks = 0',
      // every warning of a statement is kept for SHOW WARNINGS (a LOAD DATA's 1261 after 64 others)
      'SET SESSION max_error_count = 65535',
      ...(s.skipBinlog ? ['SET SESSION sql_log_bin = 0'] : []),
    ],
    // mariadb-dump --dump-history turns it on around each versioned table's INSERTs (`/*M!101100 SET
    // @@session.system_versioning_insert_history=1 */`, after the header, so not in `header`); its
    // INSERTs name row_start/row_end, unknown columns without it. On for the whole session: an INSERT
    // that names neither is read the same either way (MariaDB 10.11+; elsewhere nothing to turn on).
    // KEEP: the deferred indexes are added to a versioned table holding its loaded history (4119 otherwise).
    bestEffort: ['SET SESSION system_versioning_insert_history = ON', KEEP_HISTORY],
  };
}

/** Counts and checksums loaded rows the way the dump computed them. */
export const LOAD_VERIFY: SessionProfile = { label: 'verify', binaryResults: true, statements: [UTC] };

/** Any other short session (benchmark bookkeeping, tests). */
export const PLAIN: SessionProfile = { label: 'session', statements: [] };
/** Ends another session of ours on the server (KILL): an interrupted or stuck statement. */
export const KILLER: SessionProfile = { label: 'killer', statements: [] };
