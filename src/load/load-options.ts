import type { TableSummary } from '../core/events.js';
import type { ConnectionSettings } from '../db/session.js';
import type { Manifest } from '../format/manifest.js';
import type { StoreLocation } from '../storage/dump-store.js';
import type { Mismatch } from './verify.js';

export const DROP_TABLE_MODES = ['fail', 'drop', 'truncate'] as const;
export type DropTableMode = (typeof DROP_TABLE_MODES)[number];

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
}

export interface LoadResult {
  readonly manifest: Manifest;
  readonly seconds: number;
  readonly tables: readonly TableSummary[];
  readonly mismatches: readonly Mismatch[];
  /** Lines describing the plan (dry run). */
  readonly plan: readonly string[];
  /** Lines describing the source coordinates and how to replicate from them. */
  readonly replication: readonly string[];
}
