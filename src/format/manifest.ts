import { TsError } from '../core/errors.js';

/**
 * The manifest: the on-disk contract between tsdump and tsload (docs/FORMAT.md). Written last and
 * atomically by the dumper; its presence means the dump is complete. Every path is relative to the
 * dump and checked by the store that opens it (storage/store-path.ts).
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
import { COLUMN_CODECS, KEY_KINDS, KEY_LITERALS, OBJECT_KINDS, type ChunkKey, type ColumnSpec, type KeyBound, type ObjectContext, type ObjectKind } from '../core/table-shape.js';
import { MISSING_KINDS, type MissingEntry } from './missing.js';
import { SUBSET_KINDS, type SubsetInfo } from './subset.js';
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
  /** For views: the views and tables it reads (same database), so a loader can order them. */
  readonly dependsOn?: readonly string[];
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

const COUNTER_MAX = 2n ** 64n - 1n;

/**
 * A valid TableEntry.autoIncrement (it goes into an ALTER TABLE): null, a non-negative integer (one
 * past 2^53 only in dumps of tsdump before the digits: rounded, as they were written), or digits.
 */
function isCounter(v: Json | undefined): boolean {
  if (v === null) return true;
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 && v <= Number(COUNTER_MAX);
  return typeof v === 'string' && /^[0-9]{1,20}$/.test(v) && BigInt(v) <= COUNTER_MAX;
}

/** A counter's manifest form (TableEntry.autoIncrement) from the server's decimal digits. */
export function autoIncrementJson(decimal: string): number | string {
  const n = Number(decimal);
  return Number.isSafeInteger(n) ? n : decimal;
}

// ---------------------------------------------------------------- validation

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

class Shape {
  constructor(private readonly where: string) {}
  fail(msg: string): never {
    throw new TsError({
      code: 'bad-dump',
      message: `manifest is invalid: ${this.where}: ${msg}`,
      object: { file: 'manifest.json' },
      suggestion: 'the manifest was edited or damaged; use an untouched copy of the dump (tsdump verify DIR shows what differs)',
    });
  }
  obj(v: Json | undefined): { [k: string]: Json } {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail('expected an object');
    return v;
  }
  arr(v: Json | undefined): Json[] {
    if (!Array.isArray(v)) this.fail('expected an array');
    return v;
  }
  str(v: Json | undefined): string {
    if (typeof v !== 'string') this.fail('expected a string');
    return v;
  }
  nat(v: Json | undefined): number {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) this.fail('expected a non-negative integer');
    return v;
  }
  bool(v: Json | undefined): boolean {
    if (typeof v !== 'boolean') this.fail('expected true or false');
    return v;
  }
  oneOf<T extends string>(v: Json | undefined, set: readonly T[]): T {
    const s = this.str(v);
    if (!(set as readonly string[]).includes(s)) this.fail(`expected one of ${set.join(', ')}, got '${s}'`);
    return s as T;
  }
  at(key: string): Shape {
    return new Shape(`${this.where}.${key}`);
  }
}

function checkFile(s: Shape, v: Json | undefined): void {
  const o = s.obj(v);
  s.at('path').str(o.path);
  s.at('bytes').nat(o.bytes);
  const h = s.at('sha256').str(o.sha256);
  if (!/^[0-9a-f]{64}$/.test(h)) s.at('sha256').fail('expected 64 hex digits');
}

/** Block sizes a loader accepts (it holds two blocks in memory per running chunk). */
const BLOCK_SIZES = { min: 64 * 1024, max: 64 * 1024 * 1024 };

function checkBlocks(s: Shape, v: Json | undefined, fileBytes: number, whole?: { path: Json | undefined; sha256: Json | undefined }): void {
  const o = s.obj(v);
  const size = s.at('bytes').nat(o.bytes);
  if (size < BLOCK_SIZES.min || size > BLOCK_SIZES.max) s.at('bytes').fail(`block size ${size} is outside ${BLOCK_SIZES.min}..${BLOCK_SIZES.max}`);
  const hashes = s.at('sha256').arr(o.sha256);
  if (hashes.length !== Math.ceil(fileBytes / size)) s.at('sha256').fail(`${hashes.length} block hashes for ${fileBytes} bytes in blocks of ${size}`);
  hashes.forEach((h, i) => {
    if (typeof h !== 'string' || !/^[0-9a-f]{64}$/.test(h)) s.at(`sha256[${i}]`).fail('expected 64 hex digits');
  });
  // prefixes: the last is the sha256 of the whole file
  if (whole && hashes.length > 0 && hashes.at(-1) !== whole.sha256) s.at(`sha256[${hashes.length - 1}]`).fail(`the last prefix hash of ${String(whole.path)} differs from its sha256`);
}

/**
 * Parses and validates manifest text. Refuses unknown format versions, wrong shapes and duplicate
 * paths; path containment is checked by the store where files are opened.
 */
export function parseManifest(text: string): Manifest {
  let raw: Json;
  try {
    raw = JSON.parse(text) as Json;
  } catch (e) {
    throw new TsError({ code: 'bad-dump', message: `manifest.json is not valid JSON (${(e as Error).message})`, object: { file: 'manifest.json' }, suggestion: 'the file is truncated or edited; use an untouched copy of the dump' });
  }
  const s = new Shape('manifest');
  const o = s.obj(raw);
  if (o.format !== FORMAT_NAME) s.at('format').fail(`this is not a tsdump manifest`);
  const version = s.at('formatVersion').nat(o.formatVersion);
  if (version !== FORMAT_VERSION) {
    throw new TsError({ code: 'bad-dump', message: `dump format version ${version} is not supported (this tsload reads version ${FORMAT_VERSION})`, object: { file: 'manifest.json' }, suggestion: 'use the tsload release that matches the tsdump that wrote the dump' });
  }
  s.at('dumpId').str(o.dumpId);
  const snap = s.at('snapshot').obj(o.snapshot);
  s.at('snapshot.mode').oneOf(snap.mode, SNAPSHOT_MODES);
  s.at('snapshot.exact').bool(snap.exact);
  if (snap.noCoordinates !== undefined) s.at('snapshot.noCoordinates').str(snap.noCoordinates);
  const opts = s.at('options').obj(o.options);
  s.at('options.format').oneOf(opts.format, DATA_FORMATS);
  s.at('options.compression').oneOf(opts.compression, COMPRESSIONS);
  const session = s.at('session').obj(o.session);
  if (session.definitionsTimeZone !== undefined) s.at('session.definitionsTimeZone').str(session.definitionsTimeZone);
  if (session.innodbDefaultRowFormat !== undefined) s.at('session.innodbDefaultRowFormat').str(session.innodbDefaultRowFormat);
  if (o.subset !== undefined) {
    const sub = s.at('subset').obj(o.subset);
    s.at('subset.where').arr(sub.where).forEach((wv, i) => {
      const ws = s.at(`subset.where[${i}]`);
      const w = ws.obj(wv);
      for (const k of ['database', 'table', 'condition']) ws.at(k).str(w[k]);
    });
    s.at('subset.leftOut').arr(sub.leftOut).forEach((lv, i) => {
      const ls = s.at(`subset.leftOut[${i}]`);
      const l = ls.obj(lv);
      ls.at('kind').oneOf(l.kind, SUBSET_KINDS);
      for (const k of ['database', 'name', 'reason']) ls.at(k).str(l[k]);
    });
  }
  if (o.missing !== undefined) {
    s.at('missing').arr(o.missing).forEach((mv, i) => {
      const ms = s.at(`missing[${i}]`);
      const m = ms.obj(mv);
      ms.at('kind').oneOf(m.kind, MISSING_KINDS);
      ms.at('database').str(m.database);
      ms.at('reason').str(m.reason);
      if (m.name !== null) ms.at('name').str(m.name);
    });
  }
  const paths = new Set<string>();
  const seen = (p: Shape, v: Json | undefined): void => {
    checkFile(p, v);
    const path = (v as { path: string }).path;
    if (paths.has(path)) p.fail(`file '${path}' is listed twice`);
    paths.add(path);
  };
  if (o.users !== undefined) seen(s.at('users'), o.users);
  s.at('databases').arr(o.databases).forEach((dbv, i) => {
    const ds = s.at(`databases[${i}]`);
    const db = ds.obj(dbv);
    ds.at('name').str(db.name);
    seen(ds.at('schema'), db.schema);
    ds.at('tables').arr(db.tables).forEach((tv, j) => {
      const ts = ds.at(`tables[${j}]`);
      const t = ts.obj(tv);
      ts.at('name').str(t.name);
      seen(ts.at('schema'), t.schema);
      ts.at('rows').nat(t.rows);
      // absent (manifests written by hand, or by other tools): no counter
      if (t.autoIncrement === undefined) t.autoIncrement = null;
      if (!isCounter(t.autoIncrement)) ts.at('autoIncrement').fail('expected null, a non-negative integer, or its decimal digits (at most 2^64 - 1)');
      ts.at('columns').arr(t.columns).forEach((cv, k) => {
        const cs = ts.at(`columns[${k}]`);
        const c = cs.obj(cv);
        cs.at('name').str(c.name);
        cs.at('codec').oneOf(c.codec, COLUMN_CODECS);
        cs.at('dumped').bool(c.dumped);
      });
      const key = ts.at('key').obj(t.key);
      ts.at('key.kind').oneOf(key.kind, KEY_KINDS);
      ts.at('key.columns').arr(key.columns).forEach((kv, k) => {
        ts.at(`key.columns[${k}].literal`).oneOf(ts.obj(kv).literal, KEY_LITERALS);
      });
      let sum = 0;
      ts.at('chunks').arr(t.chunks).forEach((chv, k) => {
        const cs = ts.at(`chunks[${k}]`);
        const ch = cs.obj(chv);
        seen(cs, chv);
        sum += cs.at('rows').nat(ch.rows);
        if (ch.prefixes !== undefined && ch.blocks !== undefined) cs.at('prefixes').fail('a chunk has prefix hashes or block hashes, not both');
        if (ch.prefixes !== undefined) checkBlocks(cs.at('prefixes'), ch.prefixes, cs.at('bytes').nat(ch.bytes), { path: ch.path, sha256: ch.sha256 });
        if (ch.blocks !== undefined) checkBlocks(cs.at('blocks'), ch.blocks, cs.at('bytes').nat(ch.bytes));
        if (ch.longestLine !== undefined) {
          const ll = cs.at('longestLine').obj(ch.longestLine);
          cs.at('longestLine.bytes').nat(ll.bytes);
          cs.at('longestLine.line').nat(ll.line);
        }
        if (cs.at('index').nat(ch.index) !== k + 1) cs.at('index').fail('chunks must be numbered 1..n in order');
      });
      if (sum !== t.rows) ts.at('rows').fail(`table rows ${String(t.rows)} differ from the sum of its chunks' rows ${sum}`);
    });
    ds.at('objects').arr(db.objects).forEach((ov, j) => {
      const os = ds.at(`objects[${j}]`);
      const ob = os.obj(ov);
      os.at('kind').oneOf(ob.kind, OBJECT_KINDS);
      os.at('name').str(ob.name);
      seen(os.at('file'), ob.file);
    });
  });
  return raw as unknown as Manifest;
}
