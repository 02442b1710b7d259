import type { ConnectionSettings } from '../db/session.js';
import type { StoreLocation } from '../storage/dump-store.js';
import type { BlockHashes, ChunkKey, ColumnSpec, Compression, DataFormat, KeyBound, LongestLine } from '../format/manifest.js';
import type { ErrorCode, ErrorObject } from '../core/errors.js';
import type { TableName } from '../db/snapshot.js';

/** One chunk of one table to write: everything a worker needs, by value (it crosses threads). */
export interface ChunkTask {
  readonly database: string;
  readonly table: string;
  readonly index: number;
  readonly columns: readonly ColumnSpec[];
  readonly key: ChunkKey;
  readonly lower: KeyBound | null;
  readonly upper: KeyBound | null;
  /** Extra user condition (--where), ANDed with the range. */
  readonly where: string | null;
  /** Where the dump is written (the worker opens its own store there). */
  readonly store: StoreLocation;
  readonly file: string;
  readonly format: DataFormat;
  readonly compression: Compression;
  /** null: the method's default level (format/compression.ts). */
  readonly compressLevel: number | null;
  readonly statementSize: number;
  readonly checksum: boolean;
}

export interface ChunkResult {
  readonly rows: number;
  /** Bytes of the file as stored (compressed, when it is). */
  readonly bytes: number;
  /** Bytes of data before compression: the unit of the dump's progress and estimates. */
  readonly dataBytes: number;
  readonly sha256: string;
  readonly prefixes: BlockHashes;
  readonly longestLine: LongestLine;
  readonly checksum?: string;
}

export interface SerializedError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly suggestion?: string;
  readonly errno?: number;
  readonly object: ErrorObject;
}

/** A request to a worker thread, for one of its snapshot sessions (`slot`). */
export type WorkerRequest =
  | { readonly id: number; readonly slot: number; readonly op: 'open'; readonly settings: ConnectionSettings }
  | { readonly id: number; readonly slot: number; readonly op: 'snapshot'; readonly coordinates: boolean }
  | { readonly id: number; readonly slot: number; readonly op: 'hold'; readonly tables: readonly TableName[]; readonly lockWaitSeconds: number }
  | { readonly id: number; readonly slot: number; readonly op: 'chunk'; readonly task: ChunkTask }
  | { readonly id: number; readonly slot: number; readonly op: 'close' }
  /** Every chunk of the thread (any slot) stopped, its file aborted; answered once all have settled. */
  | { readonly id: number; readonly slot: number; readonly op: 'stop' };

export type WorkerReply =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: SerializedError }
  | { readonly id: number; readonly progress: { readonly rows: number; readonly bytes: number } };
