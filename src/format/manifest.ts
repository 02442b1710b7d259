/**
 * The manifest: the on-disk contract between tsdump and tsload (docs/FORMAT.md). Written last and
 * atomically by the dumper; its presence means the dump is complete. Every path is relative to the
 * dump and checked by the store that opens it (storage/store-path.ts); parseManifest
 * (manifest-parse.ts) validates one read back.
 */
export const FORMAT_NAME = 'tsdump';
export const FORMAT_VERSION = 1;

export const DATA_FORMATS = ['csv', 'sql'] as const;
export type DataFormat = (typeof DATA_FORMATS)[number];

export const COMPRESSIONS = ['none', 'gzip', 'zstd'] as const;
export type Compression = (typeof COMPRESSIONS)[number];

export const SNAPSHOT_MODES = ['ftwrl', 'backup-stage', 'no-lock', 'single-table'] as const;
export type SnapshotMode = (typeof SNAPSHOT_MODES)[number];

export { COLUMN_CODECS, KEY_KINDS, KEY_LITERALS, OBJECT_KINDS } from '../core/table-shape.js';
export type { ChunkKey, ColumnCodec, ColumnSpec, KeyBound, KeyColumn, KeyKind, KeyLiteral, ObjectContext, ObjectKind } from '../core/table-shape.js';
import type { ChunkKey, ColumnSpec, KeyBound, ObjectContext, ObjectKind } from '../core/table-shape.js';
import type { ViewReference } from '../db/view-references.js';
import type { MissingEntry } from './missing.js';
import type { SubsetInfo } from './subset.js';
export type { MissingEntry } from './missing.js';
export type { SubsetInfo } from './subset.js';
import type { LongestLine } from './longest-line.js';
export type { LongestLine } from './longest-line.js';

export interface FileEntry {
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
}

/**
 * sha256 of every `bytes` bytes of a stored file, the last block shorter (format/block-hashes.ts).
 * Optional (dumps before it have none: their chunks are hashed whole before loading).
 */
export interface BlockHashes {
  readonly bytes: number;
  readonly sha256: readonly string[];
}

export interface ChunkEntry extends FileEntry {
  readonly index: number;
  readonly rows: number;
  /** Inclusive lower bound; null = from the first row. */
  readonly lower: KeyBound | null;
  /** Exclusive upper bound; null = to the last row. */
  readonly upper: KeyBound | null;
  /** Server-side content checksum in the dump's snapshot (with --checksum). */
  readonly checksum?: string;
  /** Prefix hashes of the stored bytes (the sha256 of bytes 0 to each block end): checked while streaming on load. */
  readonly prefixes?: BlockHashes;
  /** Older dumps: the sha256 of each block of the stored bytes (read and verified, no longer written). */
  readonly blocks?: BlockHashes;
  /** The longest line of the (uncompressed) file, with its newline, and its number (optional: older dumps lack it). */
  readonly longestLine?: LongestLine;
}

export interface ObjectEntry {
  readonly kind: ObjectKind;
  readonly name: string;
  readonly file: FileEntry;
  readonly definer: string | null;
  readonly context: ObjectContext | null;
  /** For views: the views it reads in its own database (what loaders before `reads` order by). */
  readonly dependsOn?: readonly string[];
  /**
   * For views: the tables, views, sequences and stored functions it reads, in any database, as the
   * source's catalog names them (before any --rename), so a loader orders views across databases and
   * says which database a view it cannot create needs. Optional: older dumps have only dependsOn.
   */
  readonly reads?: readonly ViewReference[];
  /** For triggers: the table it belongs to. */
  readonly table?: string;
}

export interface TableEntry {
  readonly name: string;
  readonly engine: string | null;
  readonly schema: FileEntry;
  readonly columns: readonly ColumnSpec[];
  readonly key: ChunkKey;
  readonly rows: number;
  readonly bytes: number;
  /**
   * The AUTO_INCREMENT counter at dump time: a JSON number, or past 2^53 - 1 (BIGINT counters, which a
   * JSON number cannot hold exactly) its decimal digits as a string (autoIncrementJson).
   */
  readonly autoIncrement: number | string | null;
  readonly chunks: readonly ChunkEntry[];
}

export interface DatabaseEntry {
  readonly name: string;
  readonly charset: string;
  readonly collation: string;
  readonly schema: FileEntry;
  readonly tables: readonly TableEntry[];
  readonly objects: readonly ObjectEntry[];
}

export interface BinlogCoordinates {
  readonly file: string;
  readonly position: number;
}

/**
 * tsdump --replica-data: where the dumped server (a replica) stood in its source's binary log when
 * the snapshot was taken, so a copy can replicate from that source (the primary).
 */
export interface UpstreamInfo {
  readonly host: string;
  readonly port: number;
  readonly binlog: BinlogCoordinates | null;
  /** What the replica applied from its source: MariaDB gtid_slave_pos, MySQL gtid_executed. */
  readonly gtid: string | null;
  /** True when read under the global lock (commits, the replica's included, were held). */
  readonly exact: boolean;
}

export interface SnapshotInfo {
  readonly mode: SnapshotMode;
  /** True when the coordinates are exactly those of the data (lock held, or verified unchanged). */
  readonly exact: boolean;
  readonly binlog: BinlogCoordinates | null;
  readonly gtid: string | null;
  readonly note?: string;
  /** --replica-data: the source's coordinates of the dumped replica. */
  readonly upstream?: UpstreamInfo;
  /**
   * Present when the dump has no coordinates although the binary log may be on (--no-coordinates,
   * or an account that may not read them): why. No replica can be started from such a dump.
   */
  readonly noCoordinates?: string;
}

export interface DumpOptionsRecord {
  readonly format: DataFormat;
  readonly compression: Compression;
  readonly chunkBytes: number | null;
  readonly chunkRows: number | null;
  readonly statementSize: number;
  readonly checksum: boolean;
  readonly threads: number;
  readonly noData: boolean;
  readonly noSchema: boolean;
}

export interface Manifest {
  readonly format: typeof FORMAT_NAME;
  readonly formatVersion: number;
  readonly toolVersion: string;
  readonly dumpId: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly server: { readonly flavor: string; readonly version: string; readonly host: string; readonly port: number | null };
  readonly snapshot: SnapshotInfo;
  readonly session: {
    readonly sqlMode: string;
    readonly timeZone: string;
    /** The session time_zone SHOW CREATE TABLE was read in (TIMESTAMP defaults are in it); older dumps lack it. */
    readonly definitionsTimeZone?: string;
    /** The source's innodb_default_row_format (lower case): the row format of its InnoDB tables whose definition names none; older dumps lack it. */
    readonly innodbDefaultRowFormat?: string;
  };
  readonly options: DumpOptionsRecord;
  /** Present when the dump holds less than its databases (--where, tables left out): subset.ts. */
  readonly subset?: SubsetInfo;
  /** tsdump --users: the accounts, roles and grants of the source (format/users-file.ts). */
  readonly users?: FileEntry;
  /** Present when the dumping account's privileges hid objects (missing.ts): what and why. */
  readonly missing?: readonly MissingEntry[];
  readonly databases: readonly DatabaseEntry[];
}

/** Every file a manifest names, in a stable order (schema files, then data chunks). */
export function manifestFiles(m: Manifest): FileEntry[] {
  const out: FileEntry[] = [];
  if (m.users) out.push(m.users);
  for (const db of m.databases) {
    out.push(db.schema);
    for (const t of db.tables) out.push(t.schema);
    for (const o of db.objects) out.push(o.file);
  }
  for (const db of m.databases) for (const t of db.tables) out.push(...t.chunks);
  return out;
}

/** A counter's manifest form (TableEntry.autoIncrement) from the server's decimal digits. */
export function autoIncrementJson(decimal: string): number | string {
  const n = Number(decimal);
  return Number.isSafeInteger(n) ? n : decimal;
}
