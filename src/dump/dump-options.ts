import type { TableSummary } from '../core/events.js';
import type { ConnectionSettings } from '../db/session.js';
import type { Compression, DataFormat, Manifest } from '../format/manifest.js';
import type { StoreLocation } from '../storage/dump-store.js';

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
  readonly allowInconsistent: boolean;
  readonly overwrite: boolean;
  readonly toolVersion: string;
}

export interface DumpResult {
  readonly manifest: Manifest;
  readonly tables: readonly TableSummary[];
  readonly seconds: number;
}
