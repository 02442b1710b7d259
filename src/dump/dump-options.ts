import os from 'node:os';
import { TsError } from '../core/errors.js';
import { checkWholeNumbers } from '../core/whole-number.js';
import type { TableSummary } from '../core/events.js';
import type { Problem } from '../core/problem.js';
import type { ConnectionSettings } from '../db/session.js';
import { COMPRESSION_LEVELS } from '../format/compression.js';
import type { Compression, DataFormat, Manifest } from '../format/manifest.js';
import type { StoreLocation } from '../storage/dump-store.js';
import { packageVersion } from '../storage/local-files.js';
import { parseLocation } from '../storage/open-store.js';

export const LOCK_MODES = ['auto', 'ftwrl', 'backup-stage', 'no-lock'] as const;
export type LockMode = (typeof LOCK_MODES)[number];

import type { TableRef } from '../format/table-filter.js';

export type { TableRef } from '../format/table-filter.js';

export interface WhereFilter {
  readonly table: TableRef;
  readonly condition: string;
}

export interface DumpOptions {
  readonly connection: ConnectionSettings;
  /** Where the dump goes: a local directory or an object-store prefix. */
  readonly output: StoreLocation;
  readonly databases: readonly string[];
  readonly tables: readonly TableRef[];
  readonly ignoreTables: readonly TableRef[];
  readonly include: RegExp | null;
  readonly exclude: RegExp | null;
  /** --where: at most one condition per table. */
  readonly where: readonly WhereFilter[];
  readonly threads: number;
  readonly format: DataFormat;
  readonly compression: Compression;
  /** --compress-level; null: the method's default. */
  readonly compressLevel: number | null;
  readonly chunkBytes: number | null;
  readonly chunkRows: number | null;
  readonly statementSize: number;
  readonly checksum: boolean;
  readonly noData: boolean;
  readonly noSchema: boolean;
  /** --users: also dump accounts, roles and grants. */
  readonly users: boolean;
  /** --replica-data: the server is a replica; record its source's coordinates too. */
  readonly replicaData: boolean;
  readonly lockMode: LockMode;
  readonly lockWaitTimeoutMs: number;
  /**
   * --lock-non-transactional: the global lock of the snapshot is held until every table of a
   * non-transactional engine (MyISAM, Aria…) is dumped, so they too are consistent with the coordinates.
   */
  readonly lockNonTransactional: boolean;
  readonly allowInconsistent: boolean;
  /** False with --no-coordinates: binary log coordinates are not read nor recorded. */
  readonly coordinates: boolean;
  readonly overwrite: boolean;
  /** Check everything (privileges, filters, output, compression), print the plan, write nothing. */
  readonly dryRun: boolean;
  readonly toolVersion: string;
}

/**
 * What a caller gives (the CLI from argv, a program through the API): the connection and the output,
 * everything else optional. `dumpOptions` applies the defaults; it is the one place they live.
 */
export type DumpInput = Partial<Omit<DumpOptions, 'connection' | 'output'>> & {
  readonly connection: ConnectionSettings;
  /** A directory, s3://bucket/prefix, or a parsed location (with an S3 endpoint and region). */
  readonly output: StoreLocation | string;
};

/** The defaults of every optional dump setting (README "Defaults"). */
export const DUMP_DEFAULTS = Object.freeze({
  format: 'csv',
  compression: 'none',
  chunkBytes: 64 * 1024 * 1024,
  statementSize: 1024 * 1024,
  lockMode: 'auto',
  lockWaitTimeoutMs: 30_000,
} as const);

/** The frozen, complete options of a dump: `input` with the defaults applied, checked for what the types cannot say. */
export function dumpOptions(input: DumpInput): DumpOptions {
  const threads = input.threads ?? os.availableParallelism();
  checkWholeNumbers([['threads', threads], ['chunkRows', input.chunkRows], ['chunkBytes', input.chunkBytes], ['statementSize', input.statementSize]], 1);
  const compressLevel = checkCompressLevel(input.compression ?? DUMP_DEFAULTS.compression, input.compressLevel ?? null);
  const where = input.where ?? [];
  if (input.lockNonTransactional === true && (input.lockMode ?? DUMP_DEFAULTS.lockMode) === 'no-lock') {
    throw new TsError({ code: 'usage', message: '--lock-non-transactional holds the snapshot\'s global lock, but --lock-mode no-lock takes none', suggestion: 'use --lock-mode auto, ftwrl or backup-stage (RELOAD privilege), or drop --lock-non-transactional' });
  }
  if (where.length > 0 && input.noData === true) throw new TsError({ code: 'usage', message: '--where selects rows, but --no-data dumps none', suggestion: 'drop --where or --no-data' });
  if (input.noData === true && input.noSchema === true && input.users !== true) {
    throw new TsError({ code: 'usage', message: '--no-data and --no-schema together dump nothing: no rows, and no views, routines, triggers or events', suggestion: 'drop one of them; for the accounts alone add --users' });
  }
  return Object.freeze({
    // Every statement names its database: no session needs a default one (it may not even exist).
    connection: Object.freeze({ ...input.connection, database: undefined }),
    output: typeof input.output === 'string' ? parseLocation(input.output, 'output') : Object.freeze({ ...input.output }),
    databases: Object.freeze([...(input.databases ?? [])]),
    tables: Object.freeze([...(input.tables ?? [])]),
    ignoreTables: Object.freeze([...(input.ignoreTables ?? [])]),
    include: input.include ?? null,
    exclude: input.exclude ?? null,
    where: Object.freeze([...where]),
    threads,
    format: input.format ?? DUMP_DEFAULTS.format,
    compression: input.compression ?? DUMP_DEFAULTS.compression,
    compressLevel,
    chunkBytes: input.chunkBytes === undefined ? DUMP_DEFAULTS.chunkBytes : input.chunkBytes,
    chunkRows: input.chunkRows ?? null,
    statementSize: input.statementSize ?? DUMP_DEFAULTS.statementSize,
    checksum: input.checksum ?? false,
    noData: input.noData ?? false,
    noSchema: input.noSchema ?? false,
    users: input.users ?? false,
    replicaData: input.replicaData ?? false,
    lockMode: input.lockMode ?? DUMP_DEFAULTS.lockMode,
    lockWaitTimeoutMs: input.lockWaitTimeoutMs ?? DUMP_DEFAULTS.lockWaitTimeoutMs,
    lockNonTransactional: input.lockNonTransactional ?? false,
    allowInconsistent: input.allowInconsistent ?? false,
    coordinates: input.coordinates ?? true,
    overwrite: input.overwrite ?? false,
    dryRun: input.dryRun ?? false,
    toolVersion: input.toolVersion ?? packageVersion(),
  });
}

export interface DumpResult {
  /** The manifest written; null after a dry run (nothing is written). */
  readonly manifest: Manifest | null;
  readonly tables: readonly TableSummary[];
  readonly seconds: number;
  /** Lines describing what would be dumped (dry run). */
  readonly plan: readonly string[];
  /** What the preflight found (dry run; a real run with problems rejects with a PreflightError). */
  readonly problems: readonly Problem[];
}

/** --compress-level: only with a compression method, within that method's levels (null: its default). */
function checkCompressLevel(c: Compression, level: number | null): number | null {
  if (level === null) return null;
  if (c === 'none') throw new TsError({ code: 'usage', message: '--compress-level needs -c gzip or -c zstd' });
  const { min, max } = COMPRESSION_LEVELS[c];
  if (!Number.isInteger(level) || level < min || level > max) throw new TsError({ code: 'usage', message: `--compress-level ${level}: ${c} levels are ${min} to ${max}` });
  return level;
}
