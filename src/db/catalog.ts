import { qualified, quoteIdent } from '../core/ident.js';
import type { ChunkKey, ColumnCodec, ColumnSpec, KeyColumn, KeyLiteral, ObjectContext, ObjectKind } from '../core/table-shape.js';
import type { Flavor } from './flavor.js';
import type { Session } from './session.js';
import { viewReferenceCandidates, type ViewReference } from './view-references.js';

export type { ViewReference } from './view-references.js';

/**
 * The catalog: what information_schema says about the tables and objects to dump. Built once by the
 * coordinator; chunk tasks refer to it.
 */
export interface CatalogTable {
  readonly database: string;
  readonly name: string;
  readonly engine: string | null;
  readonly rowsEstimate: number;
  readonly avgRowLength: number;
  readonly dataLength: number;
  /** The AUTO_INCREMENT counter as the server's decimal digits (a BIGINT: a JS number would round it past 2^53 - 1). */
  readonly autoIncrement: string | null;
  readonly columns: readonly ColumnSpec[];
  readonly key: ChunkKey;
}

export interface CatalogObject {
  readonly database: string;
  readonly kind: ObjectKind;
  readonly name: string;
  readonly table?: string;
  /** Views: the existing tables, views, sequences and stored functions its body reads (any database). */
  readonly reads?: readonly ViewReference[];
}

export interface CatalogDatabase {
  readonly name: string;
  readonly charset: string;
  readonly collation: string;
}

const NUMBER_TYPES = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint', 'decimal', 'numeric', 'double', 'real', 'year']);
const HEX_TYPES = new Set(['bit', 'binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob', 'geometry', 'point', 'linestring', 'polygon', 'multipoint', 'multilinestring', 'multipolygon', 'geometrycollection', 'geomcollection', 'vector']);
const TEMPORAL_TYPES = new Set(['date', 'datetime', 'timestamp', 'time']);
/**
 * Types that read a string as their text form only when it has a text character set: over the
 * loader's binary sessions '::1' would be taken as raw bytes (error 1292). They are dumped as their
 * binary form (`CAST(col AS BINARY)`: 16 bytes for UUID and INET6, 4 for INET4), which the server
 * reads back from a binary string, and compared as values (`uu >= X'…'`) in chunk bounds.
 */
const BINARY_FORM_TYPES = new Set(['uuid', 'inet6', 'inet4']);

export function codecFor(dataType: string, charset: string | null): ColumnCodec {
  const t = dataType.toLowerCase();
  if (t === 'float') return 'float';
  if (NUMBER_TYPES.has(t)) return 'number';
  if (t === 'enum' || t === 'set') return 'index';
  if (HEX_TYPES.has(t) || BINARY_FORM_TYPES.has(t) || charset === 'binary') return 'hex';
  return 'text';
}

/**
 * The SELECT expression a dumped value is read through: FLOAT at full double precision, ENUM/SET as
 * their index / bit mask, the binary-form types as their bytes, everything else as the column itself.
 */
export function selectExpr(c: Pick<ColumnSpec, 'name' | 'dataType' | 'codec'>): string {
  const q = quoteIdent(c.name);
  if (c.codec === 'float') return `(${q} + 0e0)`;
  if (c.codec === 'index') return `(${q} + 0)`;
  if (BINARY_FORM_TYPES.has(c.dataType.toLowerCase())) return `CAST(${q} AS BINARY)`;
  return q;
}

function keyLiteralFor(dataType: string, charset: string | null): KeyLiteral {
  const t = dataType.toLowerCase();
  if (t === 'enum' || t === 'set') return 'enum';
  if (NUMBER_TYPES.has(t) || t === 'float') return 'number';
  if (TEMPORAL_TYPES.has(t)) return 'temporal';
  if (HEX_TYPES.has(t) || BINARY_FORM_TYPES.has(t) || charset === 'binary' || charset === null) return 'binary';
  return 'string';
}

export async function listDatabases(session: Session): Promise<CatalogDatabase[]> {
  const rows = await session.query<{ SCHEMA_NAME: string; DEFAULT_CHARACTER_SET_NAME: string; DEFAULT_COLLATION_NAME: string }>(
    `SELECT SCHEMA_NAME, DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA ORDER BY SCHEMA_NAME`,
  );
  return rows.map((r) => ({ name: r.SCHEMA_NAME, charset: r.DEFAULT_CHARACTER_SET_NAME, collation: r.DEFAULT_COLLATION_NAME }));
}

export const SYSTEM_DATABASES = ['mysql', 'information_schema', 'performance_schema', 'sys'] as const;

interface ColumnRow {
  TABLE_NAME: string;
  COLUMN_NAME: string;
  DATA_TYPE: string;
  COLUMN_TYPE: string;
  IS_NULLABLE: string;
  CHARACTER_SET_NAME: string | null;
  EXTRA: string | null;
  GENERATION_EXPRESSION: string | null;
}

interface IndexRow {
  TABLE_NAME: string;
  INDEX_NAME: string;
  NON_UNIQUE: string;
  COLUMN_NAME: string;
  SEQ_IN_INDEX: string;
  NULLABLE: string;
  SUB_PART: string | null;
}

/** Base tables of one database with columns and the key used for chunking. */
export async function readTables(session: Session, database: string, flavor: Flavor): Promise<CatalogTable[]> {
  const tables = await session.query<{ TABLE_NAME: string; TABLE_TYPE: string; ENGINE: string | null; TABLE_ROWS: string | null; AVG_ROW_LENGTH: string | null; DATA_LENGTH: string | null; AUTO_INCREMENT: string | null }>(
    `SELECT TABLE_NAME, TABLE_TYPE, ENGINE, TABLE_ROWS, AVG_ROW_LENGTH, DATA_LENGTH, AUTO_INCREMENT FROM information_schema.TABLES
      WHERE TABLE_SCHEMA = ? AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED') ORDER BY TABLE_NAME`,
    [database],
  );
  if (flavor.hasGeneratedInvisiblePk) await session.exec('SET SESSION show_gipk_in_create_table_and_information_schema = ON').catch(() => undefined);
  const columns = await session.query<ColumnRow>(
    `SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, CHARACTER_SET_NAME, EXTRA, GENERATION_EXPRESSION
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION`,
    [database],
  );
  const indexes = await session.query<IndexRow>(
    `SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME, SEQ_IN_INDEX, NULLABLE, SUB_PART
       FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`,
    [database],
  );
  const colsBy = groupBy(columns, (c) => c.TABLE_NAME);
  const idxBy = groupBy(indexes, (i) => i.TABLE_NAME);
  return tables.map((t) => {
    const cols = withPeriodColumns(t.TABLE_TYPE, (colsBy.get(t.TABLE_NAME) ?? []).map(toColumnSpec));
    return {
      database,
      name: t.TABLE_NAME,
      engine: t.ENGINE,
      rowsEstimate: Number(t.TABLE_ROWS ?? 0),
      avgRowLength: Number(t.AVG_ROW_LENGTH ?? 0),
      dataLength: Number(t.DATA_LENGTH ?? 0),
      autoIncrement: t.AUTO_INCREMENT,
      columns: cols,
      key: chooseKey(cols, idxBy.get(t.TABLE_NAME) ?? []),
    };
  });
}

/**
 * A system-versioned table (MariaDB) is dumped with its history, so its period columns are data:
 * explicit ones (GENERATED ALWAYS AS ROW START/END) are dumped like any column, implicit ones
 * (not listed by information_schema) are added as `row_start`/`row_end`, TIMESTAMP(6).
 */
function withPeriodColumns(tableType: string, cols: ColumnSpec[]): ColumnSpec[] {
  if (tableType !== 'SYSTEM VERSIONED' || cols.some((c) => c.systemTime)) return cols;
  const period = (name: string, systemTime: 'start' | 'end'): ColumnSpec => ({ name, dataType: 'timestamp', columnType: 'timestamp(6)', charset: null, nullable: false, generated: false, invisible: true, dumped: true, codec: 'text', systemTime });
  return [...cols, period('row_start', 'start'), period('row_end', 'end')];
}

function toColumnSpec(c: ColumnRow): ColumnSpec {
  const extra = (c.EXTRA ?? '').toUpperCase();
  const systemTime = /^ROW (START|END)$/i.exec(c.GENERATION_EXPRESSION ?? '')?.[1]?.toLowerCase() as 'start' | 'end' | undefined;
  if (systemTime) return { ...plainColumn(c, false), systemTime };
  return plainColumn(c, /\b(VIRTUAL|STORED|PERSISTENT)\b/.test(extra) || /GENERATED/.test(extra) && !/DEFAULT_GENERATED/.test(extra));
}

function plainColumn(c: ColumnRow, generated: boolean): ColumnSpec {
  const extra = (c.EXTRA ?? '').toUpperCase();
  return {
    name: c.COLUMN_NAME,
    dataType: c.DATA_TYPE.toLowerCase(),
    columnType: c.COLUMN_TYPE,
    charset: c.CHARACTER_SET_NAME,
    nullable: c.IS_NULLABLE === 'YES',
    generated,
    invisible: /INVISIBLE/.test(extra),
    dumped: !generated,
    codec: codecFor(c.DATA_TYPE, c.CHARACTER_SET_NAME),
  };
}

/** PRIMARY KEY, else the shortest unique key on NOT NULL full columns, else none (whole-table chunk). */
export function chooseKey(columns: readonly ColumnSpec[], indexRows: readonly IndexRow[]): ChunkKey {
  const byIndex = groupBy(indexRows, (r) => r.INDEX_NAME);
  const candidates: { name: string; cols: IndexRow[] }[] = [];
  for (const [name, rows] of byIndex) {
    if (rows[0]!.NON_UNIQUE !== '0') continue;
    if (rows.some((r) => r.SUB_PART !== null || r.NULLABLE === 'YES' || r.COLUMN_NAME === null)) continue;
    candidates.push({ name, cols: rows });
  }
  candidates.sort((a, b) => (a.name === 'PRIMARY' ? -1 : b.name === 'PRIMARY' ? 1 : a.cols.length - b.cols.length));
  const chosen = candidates[0];
  if (!chosen) return { kind: 'none', index: null, columns: [] };
  const keyCols: KeyColumn[] = chosen.cols.map((r) => {
    const spec = columns.find((c) => c.name === r.COLUMN_NAME);
    return { name: r.COLUMN_NAME, literal: keyLiteralFor(spec?.dataType ?? 'varchar', spec?.charset ?? null), charset: spec?.charset ?? null };
  });
  return { kind: chosen.name === 'PRIMARY' ? 'primary' : 'unique', index: chosen.name, columns: keyCols };
}

export async function readObjects(session: Session, database: string, flavor: Flavor): Promise<CatalogObject[]> {
  const out: CatalogObject[] = [];
  const views = await session.query<{ TABLE_NAME: string; VIEW_DEFINITION: string | null }>(`SELECT TABLE_NAME, VIEW_DEFINITION FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME`, [database]);
  const reads = await (flavor.hasViewUsage ? viewUsage(session, database) : viewBodyReferences(session, views));
  for (const v of views) out.push({ database, kind: 'view', name: v.TABLE_NAME, reads: reads.get(v.TABLE_NAME) ?? [] });
  if (flavor.hasSequences) {
    const seqs = await session.query<{ TABLE_NAME: string }>(`SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'SEQUENCE' ORDER BY TABLE_NAME`, [database]);
    for (const s of seqs) out.push({ database, kind: 'sequence', name: s.TABLE_NAME });
  }
  const routines = await session.query<{ ROUTINE_NAME: string; ROUTINE_TYPE: string }>(
    `SELECT ROUTINE_NAME, ROUTINE_TYPE FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ? AND ROUTINE_TYPE IN ('PROCEDURE','FUNCTION') ORDER BY ROUTINE_TYPE, ROUTINE_NAME`,
    [database],
  );
  for (const r of routines) out.push({ database, kind: r.ROUTINE_TYPE === 'PROCEDURE' ? 'procedure' : 'function', name: r.ROUTINE_NAME });
  const triggers = await session.query<{ TRIGGER_NAME: string; EVENT_OBJECT_TABLE: string }>(
    `SELECT TRIGGER_NAME, EVENT_OBJECT_TABLE FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? ORDER BY EVENT_OBJECT_TABLE, ACTION_ORDER, TRIGGER_NAME`,
    [database],
  );
  for (const t of triggers) out.push({ database, kind: 'trigger', name: t.TRIGGER_NAME, table: t.EVENT_OBJECT_TABLE });
  const events = await session.query<{ EVENT_NAME: string }>(`SELECT EVENT_NAME FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ? ORDER BY EVENT_NAME`, [database]);
  for (const e of events) out.push({ database, kind: 'event', name: e.EVENT_NAME });
  return out;
}

/** What each view of `database` reads, as information_schema records it (MySQL 8.0.13+). */
async function viewUsage(session: Session, database: string): Promise<Map<string, ViewReference[]>> {
  const tables = await session.query<{ V: string; D: string; N: string }>(
    `SELECT VIEW_NAME AS V, TABLE_SCHEMA AS D, TABLE_NAME AS N FROM information_schema.VIEW_TABLE_USAGE WHERE VIEW_SCHEMA = ?`,
    [database],
  );
  const functions = await session.query<{ V: string; D: string; N: string }>(
    `SELECT TABLE_NAME AS V, SPECIFIC_SCHEMA AS D, SPECIFIC_NAME AS N FROM information_schema.VIEW_ROUTINE_USAGE WHERE TABLE_SCHEMA = ?`,
    [database],
  );
  const out = new Map<string, ViewReference[]>();
  const add = (v: string, r: ViewReference): void => void (out.get(v) ?? out.set(v, []).get(v)!).push(r);
  for (const r of tables) add(r.V, { kind: 'table', database: r.D, name: r.N });
  for (const r of functions) add(r.V, { kind: 'function', database: r.D, name: r.N });
  return out;
}

/**
 * The same from the views' bodies (MariaDB, older MySQL): the qualified names in each body that
 * name an existing table, view, sequence or stored function (view-references.ts).
 */
async function viewBodyReferences(session: Session, views: readonly { TABLE_NAME: string; VIEW_DEFINITION: string | null }[]): Promise<Map<string, ViewReference[]>> {
  const candidates = new Map(views.map((v) => [v.TABLE_NAME, viewReferenceCandidates(v.VIEW_DEFINITION ?? '')]));
  const databases = new Set(await listDatabases(session).then((ds) => ds.map((d) => d.name)));
  const existing = new Set<string>();
  const key = (kind: string, d: string, n: string): string => `${kind}\0${d}\0${n}`;
  for (const d of new Set([...candidates.values()].flat().map((r) => r.database))) {
    if (!databases.has(d)) continue;
    for (const t of await session.query<{ N: string }>(`SELECT TABLE_NAME AS N FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?`, [d])) existing.add(key('table', d, t.N));
    for (const f of await session.query<{ N: string }>(`SELECT ROUTINE_NAME AS N FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ? AND ROUTINE_TYPE = 'FUNCTION'`, [d])) existing.add(key('function', d, f.N));
  }
  return new Map([...candidates].map(([v, refs]) => [v, refs.filter((r) => existing.has(key(r.kind, r.database, r.name)))]));
}

export interface ObjectDefinition {
  readonly sql: string;
  readonly context: ObjectContext | null;
  readonly definer: string | null;
}

const SHOW_CREATE: Record<ObjectKind, { stmt: string; column: string }> = {
  view: { stmt: 'SHOW CREATE VIEW', column: 'Create View' },
  sequence: { stmt: 'SHOW CREATE SEQUENCE', column: 'Create Table' },
  procedure: { stmt: 'SHOW CREATE PROCEDURE', column: 'Create Procedure' },
  function: { stmt: 'SHOW CREATE FUNCTION', column: 'Create Function' },
  trigger: { stmt: 'SHOW CREATE TRIGGER', column: 'SQL Original Statement' },
  event: { stmt: 'SHOW CREATE EVENT', column: 'Create Event' },
};

export async function showCreateObject(session: Session, obj: CatalogObject): Promise<ObjectDefinition> {
  const s = SHOW_CREATE[obj.kind];
  const rows = await session.query<Record<string, string | null>>(`${s.stmt} ${qualified(obj.database, obj.name)}`, [], { database: obj.database, table: obj.name });
  const r = rows[0] ?? {};
  const sql = r[s.column] ?? '';
  const definer = /DEFINER\s*=\s*(`(?:[^`]|``)*`@`(?:[^`]|``)*`|\S+@\S+)/i.exec(sql)?.[1] ?? null;
  const context: ObjectContext | null = r.character_set_client
    ? {
        sqlMode: r.sql_mode ?? '',
        characterSetClient: r.character_set_client ?? 'utf8mb4',
        collationConnection: r.collation_connection ?? 'utf8mb4_general_ci',
        databaseCollation: r['Database Collation'] ?? '',
        ...(r.time_zone ? { timeZone: r.time_zone } : {}),
      }
    : null;
  return { sql, context, definer };
}

export async function showCreateTable(session: Session, database: string, table: string): Promise<string> {
  const rows = await session.query<Record<string, string>>(`SHOW CREATE TABLE ${qualified(database, table)}`, [], { database, table });
  return rows[0]?.['Create Table'] ?? '';
}

export async function showCreateDatabase(session: Session, database: string): Promise<string> {
  const rows = await session.query<Record<string, string>>(`SHOW CREATE DATABASE ${quoteIdent(database)}`, [], { database });
  return rows[0]?.['Create Database'] ?? '';
}

/** Current state of a MariaDB sequence, as a statement that restores it after CREATE SEQUENCE. */
export async function sequenceState(session: Session, database: string, name: string): Promise<string | null> {
  const v = await session.scalar(`SELECT next_not_cached_value FROM ${qualified(database, name)}`).catch(() => null);
  return v === null ? null : `DO SETVAL(${qualified(database, name)}, ${BigInt(v).toString()}, 0)`;
}

function groupBy<T>(rows: readonly T[], key: (r: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = m.get(k);
    if (list) list.push(r);
    else m.set(k, [r]);
  }
  return m;
}
