import type { Reporter } from '../core/events.js';
import type { Flavor } from '../db/flavor.js';
import { Session } from '../db/session.js';
import type { ControlSession } from './control-session.js';
import { LOAD_VERIFY, loadData, loadIndex, loadObject, loadSchema, type LoadSessionSettings } from '../db/session-profile.js';
import type { DatabaseEntry, Manifest, ObjectEntry, TableEntry } from '../format/manifest.js';
import type { DumpStore } from '../storage/dump-store.js';
import { convertUtf8mb4 } from './ddl.js';
import type { SplitTable } from './ddl.js';
import type { LoadOptions } from './load-options.js';
import type { CsvMethod } from './insert-method.js';
import type { ChunkProgress, ProgressStore } from './progress-store.js';
import type { SubChunkLimits, SubChunkWindow } from './sub-chunks.js';

/** One database of the dump and where it goes. */
export interface TargetDb {
  readonly source: DatabaseEntry;
  readonly name: string;
  resumed: boolean;
  /**
   * How its chunks are cut into sub-chunks (one transaction each): the options' on a fresh load, the
   * ones its interrupted run recorded on a resume. Per database, not per run: the committed
   * sub-chunks are skipped by number, which is only right when they are cut as when they committed,
   * and each database's interrupted run may have had other limits.
   */
  limits: SubChunkLimits;
  /** This dump was already loaded completely into this database (nothing to do but verify). */
  done: boolean;
  steps: Map<string, string>;
  progress: Map<string, ChunkProgress>;
}

/** One table's load: its DDL split for deferred indexes, and the chunks still to load. */
export interface TableWork {
  readonly db: TargetDb;
  readonly table: TableEntry;
  readonly split: SplitTable;
  readonly started: number;
  remaining: number;
  rows: number;
  bytes: number;
  transactional: boolean;
  /** The target table's engine (information_schema.TABLES.ENGINE), read before its first chunk loads. */
  engine: string | null;
  /** Chunks to load and, per chunk, the sub-chunks already committed. */
  todo: { chunk: TableEntry['chunks'][number]; skip: number }[];
}

/** What every load step shares. Built by the orchestrator (loader.ts) once per run. */
export interface LoadContext {
  readonly opts: LoadOptions;
  readonly manifest: Manifest;
  readonly store: DumpStore;
  readonly reporter: Reporter;
  readonly signal: AbortSignal | undefined;
  readonly renames: ReadonlyMap<string, string>;
  /** Reconnects and retries its idempotent statements after a lost connection (control-session.ts). */
  readonly control: ControlSession;
  /** This loader's hold on the target databases (load-lease.ts); a data transaction commits only while it holds. */
  readonly lease: { confirm(s: Session, targetDb: string): Promise<void> };
  readonly progress: ProgressStore;
  readonly flavor: Flavor;
  /** The target's max_allowed_packet: a line longer than this cannot be sent, so it is refused up front. */
  readonly maxPacket: number;
  /** The target's explicit_defaults_for_timestamp is OFF: the schema session turns it on (session-profile.ts loadSchema). */
  readonly explicitDefaultsOff: boolean;
  /** Read windows not in use (one per running chunk). */
  readonly windows: SubChunkWindow[];
  /** How a table's CSV rows are sent (--insert-method, decided per table: insert-method.ts). */
  readonly csvMethod: (table: TableEntry) => CsvMethod;
}

/** The file, chunk and table a data error is about. */
export interface ChunkRef {
  readonly database: string;
  readonly table: string;
  readonly chunk: number;
  readonly file: string;
}

function loadSettings(ctx: LoadContext): LoadSessionSettings {
  const { session } = ctx.manifest;
  return { sqlMode: session.sqlMode, definitionsTimeZone: session.definitionsTimeZone ?? null, explicitDefaultsOff: ctx.explicitDefaultsOff, skipBinlog: ctx.opts.skipBinlog };
}

export function openDataSession(ctx: LoadContext): Promise<Session> {
  return Session.open(ctx.opts.connection, loadData(loadSettings(ctx)));
}

/** Creates tables in the mode their definitions need (session-profile.ts tableSqlMode). */
export function openSchemaSession(ctx: LoadContext): Promise<Session> {
  return Session.open(ctx.opts.connection, loadSchema(loadSettings(ctx)));
}

export function openIndexSession(ctx: LoadContext): Promise<Session> {
  return Session.open(ctx.opts.connection, loadIndex(loadSettings(ctx)));
}

export function openObjectSession(ctx: LoadContext, o: ObjectEntry): Promise<Session> {
  const charsetOf = (c: string): string => (ctx.opts.convertUtf8mb4 ? convertUtf8mb4(c) : c);
  return Session.open(ctx.opts.connection, loadObject({ context: o.context, skipBinlog: ctx.opts.skipBinlog, charsetOf }));
}

export function openVerifySession(ctx: LoadContext): Promise<Session> {
  return Session.open(ctx.opts.connection, LOAD_VERIFY);
}
