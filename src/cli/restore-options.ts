import { Option, type Command } from 'commander';
import type { TableFilters } from '../format/table-filter.js';
import { EVENT_STATES, ON_DUPLICATE_MODES, type DropTableMode, type EventState, type ReplicationOptions, type OnDuplicateMode, type RestoreOptions } from '../load/loader.js';
import { parseRegex, parseTableList, parseTableRef } from './filter-options.js';
import { collect, wholeNumber } from './option-parsers.js';
import { usageError } from './run-command.js';

/** tsload's options for restoring part of a dump, into an existing database, and after the load. */
export interface RestoreFlagValues {
  sourceDatabase: string[];
  tables: string[];
  ignoreTable: string[];
  regex?: string;
  excludeRegex?: string;
  data: boolean;
  schema: boolean;
  onDuplicate: OnDuplicateMode;
  analyze: boolean;
  eventsDisabled?: EventState;
  loadUsers: boolean;
  usersInclude: string[];
  usersExclude: string[];
  includeSystemUsers: boolean;
  startReplication: boolean;
  sourceHost?: string;
  sourcePort?: number;
  sourceUser?: string;
  sourcePasswordEnv?: string;
  replicationGtid: boolean;
}

function replicationOptions(f: RestoreFlagValues, env: NodeJS.ProcessEnv): ReplicationOptions | null {
  const given = f.sourceHost !== undefined || f.sourcePort !== undefined || f.sourceUser !== undefined || f.sourcePasswordEnv !== undefined || f.replicationGtid;
  if (!f.startReplication) {
    if (given) throw usageError('--source-host, --source-port, --source-user, --source-password-env and --replication-gtid go with --start-replication', 'add --start-replication');
    return null;
  }
  if (!f.sourceUser) throw usageError('--start-replication needs the replication account: --source-user', 'and --source-password-env NAME with its password in that environment variable');
  if (!f.sourcePasswordEnv) throw usageError('--start-replication needs --source-password-env NAME (the password is read from that environment variable, never from the command line)');
  const password = env[f.sourcePasswordEnv];
  if (password === undefined) throw usageError(`--source-password-env ${f.sourcePasswordEnv}: the variable is not set`);
  // the password goes as a ? parameter: no other ? may be in the statement
  if (f.sourceUser.includes('?') || f.sourceHost?.includes('?')) throw usageError('--source-user / --source-host cannot contain "?"');
  return Object.freeze({ host: f.sourceHost ?? null, port: f.sourcePort ?? null, user: f.sourceUser, password, passwordEnv: f.sourcePasswordEnv, useGtid: f.replicationGtid });
}

/**
 * tsload's part-of-a-dump options. -B stays the target database (myloader's convention, and every
 * existing command line); the dump's databases are picked with -s/--source-database.
 */
export function addRestoreOptions(program: Command): Command {
  return program
    .option('-s, --source-database <db>', 'load only this database of the dump (repeatable; as tsdump -B)', collect, [])
    .option('-T, --tables <db.t,...>', 'load only these tables of the dump and their triggers (comma-separated db.table, repeatable; a name holding . , or : in backticks)', collect, [])
    .option('--ignore-table <db.t>', 'do not load this table, view or sequence (repeatable)', collect, [])
    .option('-x, --regex <re>', 'load only tables whose "db.table" matches this regular expression')
    .option('--exclude-regex <re>', 'do not load tables whose "db.table" matches')
    .option('--no-data', 'schema and objects only: no rows')
    .option('--no-schema', 'rows only, into tables that exist already (no database, table, view, routine, trigger or event is created)')
    .option('--load-users', 'create the dump\'s accounts and roles with their grants (tsdump --users); root and system accounts skipped', false)
    .option('--users-include <pattern>', 'only accounts whose user@host (a role: its name) matches this shell pattern (* ?; repeatable)', collect, [])
    .option('--users-exclude <pattern>', 'not the accounts that match (repeatable)', collect, [])
    .option('--include-system-users', 'also root, mariadb.sys and mysql.* accounts', false)
    .option('--start-replication', 'after a verified load, make the target a replica of the dump\'s source (of its primary, for a --replica-data dump) from the manifest\'s coordinates', false)
    .option('--source-host <host>', 'with --start-replication: the source to replicate from (default: from the manifest)')
    .option('--source-port <port>', 'with --start-replication (default: from the manifest)', wholeNumber('--source-port'))
    .option('--source-user <user>', 'with --start-replication: the replication account on the source')
    .option('--source-password-env <name>', 'with --start-replication: the environment variable that holds its password (never printed)')
    .option('--replication-gtid', 'with --start-replication: by GTID (MariaDB gtid_slave_pos; MySQL gtid_purged, needs an empty gtid_executed) instead of the binlog position', false)
    .option('--analyze', 'after each table\'s indexes: ANALYZE TABLE, with histograms where the server has them', false)
    .addOption(new Option('--events-disabled [how]', 'create events disabled: DISABLE (default), or "replica": DISABLE ON SLAVE/REPLICA').choices(EVENT_STATES).preset('disable'))
    .addOption(new Option('--on-duplicate <mode>', 'a row whose primary/unique key is already in the table: error, ignore (keep the existing row) or replace (with the dump\'s); for a mysqldump file or mydumper directory also a key the file repeats (ignore keeps the first, replace the last)').choices(ON_DUPLICATE_MODES).default('error'));
}

export function restoreOptions(f: RestoreFlagValues, dropTable: DropTableMode, env: NodeJS.ProcessEnv): RestoreOptions {
  if (!f.data && !f.schema) throw usageError('--no-data and --no-schema together load nothing');
  if (!f.schema && dropTable === 'drop') throw usageError('--no-schema creates no table, so --drop-table drop could not recreate one', 'use --drop-table truncate (empty them) or append (load into them as they are)');
  const filters: TableFilters = Object.freeze({
    databases: Object.freeze([...f.sourceDatabase]),
    tables: Object.freeze(parseTableList(f.tables, '-T')),
    ignoreTables: Object.freeze(f.ignoreTable.map((s) => parseTableRef(s, '--ignore-table'))),
    include: parseRegex(f.regex, '--regex'),
    exclude: parseRegex(f.excludeRegex, '--exclude-regex'),
  });
  if (f.analyze && !f.data) throw usageError('--analyze collects statistics of loaded rows, but --no-data loads none');
  if (!f.loadUsers && (f.usersInclude.length > 0 || f.usersExclude.length > 0 || f.includeSystemUsers)) throw usageError('--users-include, --users-exclude and --include-system-users choose accounts for --load-users', 'add --load-users');
  const users = f.loadUsers ? Object.freeze({ include: Object.freeze([...f.usersInclude]), exclude: Object.freeze([...f.usersExclude]), system: f.includeSystemUsers }) : null;
  const replication = replicationOptions(f, env);
  if (replication && (!f.data || hasLoadFilters(f))) throw usageError('--start-replication needs the whole dump loaded: a replica of part of the data would fail on the first event for the rest', 'leave out the filters and --no-data');
  return Object.freeze({ replication, users, filters, noData: !f.data, noSchema: !f.schema, onDuplicate: f.onDuplicate, analyze: f.analyze, eventsDisabled: f.eventsDisabled ?? null });
}

function hasLoadFilters(f: RestoreFlagValues): boolean {
  return f.sourceDatabase.length > 0 || f.tables.length > 0 || f.ignoreTable.length > 0 || f.regex !== undefined || f.excludeRegex !== undefined;
}
