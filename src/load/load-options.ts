import os from 'node:os';
import { TsError } from '../core/errors.js';
import { checkWholeNumbers } from '../core/whole-number.js';
import type { TableSummary } from '../core/events.js';
import type { Problem } from '../core/problem.js';
import type { ConnectionSettings } from '../db/session.js';
import type { Manifest } from '../format/manifest.js';
import type { StoreLocation } from '../storage/dump-store.js';
import { parseLocation } from '../storage/open-store.js';
import type { Mismatch } from './verify.js';
import type { InsertMethod } from './insert-method.js';

import type { TableFilters } from '../format/table-filter.js';
import type { EventState } from './event-status.js';

/** A table of the dump that already exists in a fresh load: refuse, drop and recreate, empty it, or load into it as it is. */
export const DROP_TABLE_MODES = ['fail', 'drop', 'truncate', 'append'] as const;
export type DropTableMode = (typeof DROP_TABLE_MODES)[number];

/** A row whose key is already in the table: fail the load, keep the row there (IGNORE), or replace it (REPLACE). */
export const ON_DUPLICATE_MODES = ['error', 'ignore', 'replace'] as const;
export type OnDuplicateMode = (typeof ON_DUPLICATE_MODES)[number];

/** What of the dump to restore and how (issue 16): filters, merge modes, after-load work. */
export interface RestoreOptions {
  /** -s (databases of the dump), -T, --ignore-table, -x, --exclude-regex: tsdump's filters. */
  readonly filters: TableFilters;
  /** --no-data: schema and objects only. */
  readonly noData: boolean;
  /** --no-schema: rows only, into tables that exist already. */
  readonly noSchema: boolean;
  readonly onDuplicate: OnDuplicateMode;
  /** --analyze: ANALYZE TABLE (histograms where the server has them) after each table's indexes. */
  readonly analyze: boolean;
  /** --events-disabled: events created DISABLE, or DISABLE ON SLAVE/REPLICA; null: as dumped. */
  readonly eventsDisabled: EventState | null;
  /** --load-users: which accounts of the dump's users file to create; null: none. */
  readonly users: UsersSelection | null;
  /** --start-replication: make the target a replica of the dump's source; null: no. */
  readonly replication: ReplicationOptions | null;
}

export interface ReplicationOptions {
  /** --source-host / --source-port; null: from the manifest. */
  readonly host: string | null;
  readonly port: number | null;
  readonly user: string;
  /** From the environment variable named by --source-password-env (never printed). */
  readonly password: string;
  readonly passwordEnv: string;
  /** --replication-gtid: by GTID (MariaDB gtid_slave_pos, MySQL gtid_purged + auto-position), else by binlog position. */
  readonly useGtid: boolean;
}

/** What --load-users did (users-step.ts). */
export interface UsersReport {
  readonly created: string[];
  readonly existed: string[];
  readonly skipped: { readonly account: string; readonly reason: string }[];
  readonly problems: { readonly account: string; readonly statement: string; readonly reason: string }[];
}

export interface UsersSelection {
  /** --users-include / --users-exclude: shell patterns on user@host (a MariaDB role: its name). */
  readonly include: readonly string[];
  readonly exclude: readonly string[];
  /** --include-system-users: root, mariadb.sys, mysql.* too. */
  readonly system: boolean;
}

export const FULL_RESTORE: RestoreOptions = Object.freeze({
  filters: Object.freeze({ databases: [], tables: [], ignoreTables: [], include: null, exclude: null }),
  noData: false,
  noSchema: false,
  onDuplicate: 'error',
  analyze: false,
  eventsDisabled: null,
  users: null,
  replication: null,
});

/** What `-d` points at: detected from the path unless --input-format says. */
export const INPUT_FORMATS = ['auto', 'tsdump', 'mysqldump', 'mydumper'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

export interface LoadOptions {
  readonly connection: ConnectionSettings;
  /** Where the dump is: a local directory or an object-store prefix. */
  readonly source: StoreLocation;
  /** -B: the one database of the dump goes here. */
  readonly targetDatabase: string | null;
  /** --rename src=dst. */
  readonly renames: ReadonlyMap<string, string>;
  readonly threads: number;
  readonly rowsPerTransaction: number;
  readonly bytesPerTransaction: number;
  readonly deferIndexes: boolean;
  readonly dropTable: DropTableMode;
  readonly skipDefiner: boolean;
  readonly convertUtf8mb4: boolean;
  readonly engine: string | null;
  readonly skipBinlog: boolean;
  readonly verify: boolean;
  readonly dryRun: boolean;
  readonly keepProgress: boolean;
  readonly restore: RestoreOptions;
  readonly inputFormat: InputFormat;
  /** Another tool's script that is not complete: load the tables that are, say which are not. */
  readonly force: boolean;
  /** --sql-mode: sessions restoring another tool's script start in this mode (null: the server's). */
  readonly sqlMode: string | null;
  /** A data transaction (one sub-chunk) that takes longer (seconds) is killed and fails the load; 0: no limit. */
  readonly statementTimeout: number;
  /** How CSV rows reach the server: LOAD DATA LOCAL or MariaDB's bulk INSERT (insert-method.ts). */
  readonly insertMethod: InsertMethod;
}

/**
 * What a caller gives (the CLI from argv, a program through the API): the connection and the dump,
 * everything else optional. `loadOptions` applies the defaults; it is the one place they live.
 */
export type LoadInput = Partial<Omit<LoadOptions, 'connection' | 'source' | 'renames' | 'restore'>> & {
  readonly connection: ConnectionSettings;
  /** A directory, s3://bucket/prefix, or a parsed location (with an S3 endpoint and region). */
  readonly source: StoreLocation | string;
  /** Source database → target database. */
  readonly renames?: ReadonlyMap<string, string> | Readonly<Record<string, string>>;
  /** What of the dump to restore and how (filters, merge modes, users, replication); default: all of it. */
  readonly restore?: Partial<RestoreOptions>;
};

/**
 * Defaults (measured, README "Defaults"): 50 000 rows / 8 MiB per transaction. 8 MiB loads as fast
 * as 16 MiB and keeps about 25 MB less in flight per thread; smaller transactions keep undo and
 * lock memory small on the target.
 */
export const LOAD_DEFAULTS = Object.freeze({
  rowsPerTransaction: 50_000,
  bytesPerTransaction: 8 * 1024 * 1024,
  dropTable: 'fail',
  /**
   * A transaction of 8 MiB loads in well under a second, a 100 MB value in seconds: ten minutes is
   * far beyond any statement that makes progress, and still ends one that waits forever.
   */
  statementTimeout: 600,
} as const);

/** The frozen, complete options of a load: `input` with the defaults applied, checked for what the types cannot say. */
export function loadOptions(input: LoadInput): LoadOptions {
  const threads = input.threads ?? os.availableParallelism();
  checkWholeNumbers([['threads', threads], ['rowsPerTransaction', input.rowsPerTransaction], ['bytesPerTransaction', input.bytesPerTransaction]], 1);
  checkWholeNumbers([['statementTimeout', input.statementTimeout]], 0, 'number of seconds');
  const renames = new Map(input.renames instanceof Map ? input.renames : Object.entries(input.renames ?? {}));
  if (input.targetDatabase != null && renames.size > 0) throw new TsError({ code: 'usage', message: '-B (targetDatabase) and --rename (renames) do not go together', suggestion: 'use -B for a one-database dump, --rename src=dst for several' });
  if (input.engine != null && !/^[A-Za-z0-9_]+$/.test(input.engine)) throw new TsError({ code: 'usage', message: `--engine '${input.engine}' is not an engine name` });
  return Object.freeze({
    // The sessions connect without a database: the load creates it.
    connection: Object.freeze({ ...input.connection, database: undefined }),
    source: typeof input.source === 'string' ? parseLocation(input.source, 'source') : Object.freeze({ ...input.source }),
    targetDatabase: input.targetDatabase ?? null,
    renames,
    threads,
    rowsPerTransaction: input.rowsPerTransaction ?? LOAD_DEFAULTS.rowsPerTransaction,
    bytesPerTransaction: input.bytesPerTransaction ?? LOAD_DEFAULTS.bytesPerTransaction,
    deferIndexes: input.deferIndexes ?? true,
    dropTable: input.dropTable ?? LOAD_DEFAULTS.dropTable,
    skipDefiner: input.skipDefiner ?? false,
    convertUtf8mb4: input.convertUtf8mb4 ?? false,
    engine: input.engine ?? null,
    skipBinlog: input.skipBinlog ?? false,
    verify: input.verify ?? true,
    dryRun: input.dryRun ?? false,
    keepProgress: input.keepProgress ?? false,
    restore: input.restore === undefined ? FULL_RESTORE : Object.freeze({ ...FULL_RESTORE, ...input.restore }),
    inputFormat: input.inputFormat ?? 'auto',
    force: input.force ?? false,
    sqlMode: input.sqlMode ?? null,
    statementTimeout: input.statementTimeout ?? LOAD_DEFAULTS.statementTimeout,
    insertMethod: input.insertMethod ?? 'auto',
  });
}

export interface LoadResult {
  readonly manifest: Manifest;
  readonly seconds: number;
  readonly tables: readonly TableSummary[];
  readonly mismatches: readonly Mismatch[];
  /** Lines describing the plan (dry run). */
  readonly plan: readonly string[];
  /** What the preflight found (dry run; a real run with problems rejects with a PreflightError). */
  readonly problems: readonly Problem[];
  /** Lines describing the source coordinates and how to replicate from them. */
  readonly replication: readonly string[];
  /** --load-users: what was created, kept, skipped, and what the target could not take. */
  readonly users?: UsersReport;
  /** --start-replication: the statements run and the replica's state (dry run: the statements). */
  readonly replicationStarted?: readonly string[];
}
