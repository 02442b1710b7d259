/**
 * Content checker: compares two databases on the same server object by object.
 *
 * Tables (and MariaDB sequences): row count; an order-independent hash over every column, invisible and
 * generated and binary ones included, duplicates counted (SUM of 64-bit halves of a per-row MD5, plus
 * COUNT); SHOW CREATE TABLE; table options and the next AUTO_INCREMENT.
 * Views, triggers, routines, events: SHOW CREATE text and every information_schema attribute (definition,
 * DEFINER, sql_mode, character_set_client, collation_connection, database collation, time zone …);
 * views also by the content hash of what they return.
 * The database name is normalised out of every text, so a copy under another name compares equal — and a
 * copy whose objects still point at the source database does not.
 *
 * Hash expressions, per value: FLOAT/DOUBLE as `col + 0e0` (shortest round-trip double text, full
 * precision), ENUM/SET as index and text, BIT as its integer, everything else as the server's own text
 * of the value (bytes in the column's charset: MD5 hashes raw bytes, so the connection charset does not
 * matter). TIMESTAMPs are read with time_zone '+00:00'. NULL hashes as 'N', which no MD5 hex can be.
 * A system-versioned table (MariaDB) is hashed FOR SYSTEM_TIME ALL, history rows and their
 * ROW_START/ROW_END included.
 */
import { expect } from 'vitest';
import { quoteIdent } from '../../src/core/ident.js';
import type { SqlSession } from './corpus.js';

export const OBJECT_KINDS = ['database', 'table', 'sequence', 'view', 'trigger', 'procedure', 'function', 'event'] as const;
export type ObjectKind = (typeof OBJECT_KINDS)[number];

export interface CheckResult {
  /** Object name inside the database (the database name itself for kind 'database'). */
  readonly object: string;
  readonly kind: ObjectKind;
  readonly ok: boolean;
  readonly details: readonly string[];
}

type Row = Record<string, unknown>;

/** Placeholder the database name is replaced with before texts are compared. */
const DB_PLACEHOLDER = '`<db>`';

/** information_schema attributes that legitimately differ between a source and its copy. */
const VOLATILE = /^(TABLE_SCHEMA|TABLE_CATALOG|ROUTINE_SCHEMA|ROUTINE_CATALOG|SPECIFIC_NAME|EVENT_SCHEMA|EVENT_CATALOG|TRIGGER_SCHEMA|TRIGGER_CATALOG|EVENT_OBJECT_SCHEMA|EVENT_OBJECT_CATALOG|CREATED|LAST_ALTERED|LAST_EXECUTED|ORIGINATOR|Created)$/i;

export async function compareDatabases(session: SqlSession, srcDb: string, dstDb: string): Promise<CheckResult[]> {
  const c = new Checker(session, srcDb, dstDb);
  return c.run();
}

/** One line per failed object, then a summary line. */
export function formatReport(results: readonly CheckResult[], label = 'checker'): string {
  const failed = results.filter((r) => !r.ok);
  const lines = failed.map((r) => `FAIL ${r.kind} ${r.object}: ${r.details.join('; ')}`);
  lines.push(`${label}: ${results.length - failed.length} passed, ${failed.length} failed`);
  return lines.join('\n');
}

export function failures(results: readonly CheckResult[]): CheckResult[] {
  return results.filter((r) => !r.ok);
}

/**
 * Compares two databases and fails the test naming every difference, but the `inherent` ones ("kind
 * object", e.g. "table floats" for a dump tool that prints floats short); the report's last lines go to
 * the log either way.
 */
export async function expectSameDatabases(session: SqlSession, srcDb: string, dstDb: string, label: string, inherent: ReadonlySet<string> = new Set()): Promise<void> {
  const results = await compareDatabases(session, srcDb, dstDb);
  console.log(formatReport(results, label).split('\n').slice(-12).join('\n'));
  const bad = failures(results).filter((r) => !inherent.has(`${r.kind} ${r.object}`));
  expect(bad.map((r) => `${r.kind} ${r.object}: ${r.details.join('; ')}`)).toEqual([]);
}

function text(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  if (v instanceof Date) return v.toISOString();
  return String(v);
}

/**
 * An Aria table's CREATE_OPTIONS without `page_checksum=1`: SHOW CREATE TABLE prints PAGE_CHECKSUM=1 for
 * the server's default (aria_page_checksum), so a table created from it lists the option that the
 * source had only by default; the two definitions (compared as SHOW CREATE TABLE) are the same.
 */
function ariaOptions(row: Row): Row {
  if (text(row.ENGINE) !== 'Aria') return row;
  const options = (text(row.CREATE_OPTIONS) ?? '').split(' ').filter((o) => o !== '' && o !== 'page_checksum=1').join(' ');
  return { ...row, CREATE_OPTIONS: options };
}

/**
 * Replaces the quoted database name where it is an identifier, never inside a string literal (or a
 * double-quoted token): a view selecting the literal '`src`.t' must keep it in the copy. `noBackslash`
 * follows the object's sql_mode (NO_BACKSLASH_ESCAPES: a backslash does not escape a quote).
 */
function normalise(v: string | null, db: string, noBackslash = false): string | null {
  if (v === null) return null;
  const q = quoteIdent(db);
  let out = '';
  let i = 0;
  while (i < v.length) {
    const ch = v[i]!;
    if (ch === '`') {
      if (v.startsWith(q, i)) {
        out += DB_PLACEHOLDER;
        i += q.length;
        continue;
      }
      const end = closing(v, i, '`', true);
      out += v.slice(i, end);
      i = end;
    } else if (ch === "'" || ch === '"') {
      const end = closing(v, i, ch, noBackslash);
      out += v.slice(i, end);
      i = end;
    } else {
      out += ch;
      i++;
    }
  }
  return out;
}

/** Index just past the quoted token opened at `start` (doubled quotes, and backslash escapes unless `raw`). */
function closing(v: string, start: number, quote: string, raw: boolean): number {
  let i = start + 1;
  while (i < v.length) {
    const c = v[i]!;
    if (!raw && c === '\\') {
      i += 2;
      continue;
    }
    if (c === quote) {
      if (v[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return v.length;
}

function noBackslashIn(row: Row): boolean {
  const mode = text(row.SQL_MODE ?? row.sql_mode) ?? '';
  return /NO_BACKSLASH_ESCAPES/i.test(mode);
}

function short(v: string | null, max = 160): string {
  if (v === null) return 'NULL';
  const j = JSON.stringify(v);
  return j.length > max ? j.slice(0, max) + '…' : j;
}

/** First index where two texts differ, with a window of context from each. */
function textDiff(a: string | null, b: string | null): string {
  if (a === null || b === null) return `${short(a)} vs ${short(b)}`;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const from = Math.max(0, i - 40);
  return `differ at ${i}: …${short(a.slice(from, i + 60))} vs …${short(b.slice(from, i + 60))}`;
}

interface TableInfo {
  readonly name: string;
  readonly type: string;
  readonly meta: Row;
}

interface ColumnInfo {
  readonly name: string;
  readonly dataType: string;
  readonly extra?: string;
}

class Checker {
  private readonly results: CheckResult[] = [];

  constructor(
    private readonly s: SqlSession,
    private readonly src: string,
    private readonly dst: string,
  ) {}

  async run(): Promise<CheckResult[]> {
    const saved = await this.s.query<Row>('SELECT @@session.time_zone AS tz, @@session.sql_mode AS m');
    const tz = text(saved[0]?.tz) ?? 'SYSTEM';
    const mode = text(saved[0]?.m) ?? '';
    await this.s.query("SET SESSION time_zone = '+00:00'");
    await this.s.query("SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION'");
    const version = text((await this.s.query<Row>('SELECT @@version AS v'))[0]?.v) ?? '';
    // MySQL 8 caches information_schema.TABLES statistics (AUTO_INCREMENT included) for a day by default
    if (!/mariadb/i.test(version)) await this.s.query('SET SESSION information_schema_stats_expiry = 0');
    try {
      await this.database();
      await this.tables();
      await this.views();
      await this.triggers();
      await this.routines();
      await this.events();
    } finally {
      await this.s.query(`SET SESSION time_zone = '${tz.replace(/'/g, "''")}'`);
      await this.s.query(`SET SESSION sql_mode = '${mode.replace(/'/g, "''")}'`);
    }
    return this.results;
  }

  private push(kind: ObjectKind, object: string, details: string[]): void {
    this.results.push({ kind, object, ok: details.length === 0, details });
  }

  /** Compares two attribute rows after dropping volatile keys and normalising the db names. */
  private compareRows(a: Row, b: Row, what: string): string[] {
    const out: string[] = [];
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      if (VOLATILE.test(k)) continue;
      const va = normalise(text(a[k]), this.src, noBackslashIn(a));
      const vb = normalise(text(b[k]), this.dst, noBackslashIn(b));
      if (va !== vb) out.push(`${what} ${k}: ${textDiff(va, vb)}`);
    }
    return out;
  }

  private async one(sql: string, params: readonly unknown[] = []): Promise<Row | undefined> {
    return (await this.s.query<Row>(sql, params))[0];
  }

  /** Runs the same lookup for both databases; reports objects present on one side only. */
  private async pairs(kind: ObjectKind, sql: string, key: string): Promise<[string, Row, Row][]> {
    const a = await this.s.query<Row>(sql, [this.src]);
    const b = await this.s.query<Row>(sql, [this.dst]);
    const mapA = new Map(a.map((r) => [text(r[key]) ?? '', r]));
    const mapB = new Map(b.map((r) => [text(r[key]) ?? '', r]));
    const out: [string, Row, Row][] = [];
    for (const [name, ra] of mapA) {
      const rb = mapB.get(name);
      if (!rb) this.push(kind, name, ['missing in target']);
      else out.push([name, ra, rb]);
    }
    for (const name of mapB.keys()) if (!mapA.has(name)) this.push(kind, name, ['not in source (extra in target)']);
    return out;
  }

  private async database(): Promise<void> {
    const sql = 'SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?';
    const a = await this.one(sql, [this.src]);
    const b = await this.one(sql, [this.dst]);
    if (!a || !b) {
      this.push('database', this.dst, [!a ? 'source database missing' : 'target database missing']);
      return;
    }
    const details = this.compareRows(a, b, 'schema');
    const ca = await this.one(`SHOW CREATE DATABASE ${quoteIdent(this.src)}`);
    const cb = await this.one(`SHOW CREATE DATABASE ${quoteIdent(this.dst)}`);
    const ta = normalise(text(ca?.['Create Database']), this.src);
    const tb = normalise(text(cb?.['Create Database']), this.dst);
    if (ta !== tb) details.push(`SHOW CREATE DATABASE ${textDiff(ta, tb)}`);
    this.push('database', this.dst, details);
  }

  private async tables(): Promise<void> {
    const sql = `SELECT TABLE_NAME, TABLE_TYPE, ENGINE, ROW_FORMAT, AUTO_INCREMENT, TABLE_COLLATION, CREATE_OPTIONS, TABLE_COMMENT
      FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE IN ('BASE TABLE', 'SEQUENCE', 'SYSTEM VERSIONED') ORDER BY TABLE_NAME`;
    for (const [name, a, b] of await this.pairs('table', sql, 'TABLE_NAME')) {
      const kind: ObjectKind = text(a.TABLE_TYPE) === 'SEQUENCE' ? 'sequence' : 'table';
      const details = this.compareRows(ariaOptions(a), ariaOptions(b), 'table');
      details.push(...(await this.showCreate(`SHOW CREATE TABLE`, name, 'Create Table')));
      details.push(...(await this.content({ name, type: kind, meta: a })));
      this.push(kind, name, details);
    }
  }

  private async showCreate(stmt: string, name: string, column: string): Promise<string[]> {
    const a = await this.one(`${stmt} ${quoteIdent(this.src)}.${quoteIdent(name)}`);
    const b = await this.one(`${stmt} ${quoteIdent(this.dst)}.${quoteIdent(name)}`);
    if (!a || !b) return [`${stmt}: no result`];
    const out: string[] = [];
    const ta = normalise(text(a[column]), this.src, noBackslashIn(a));
    const tb = normalise(text(b[column]), this.dst, noBackslashIn(b));
    if (ta !== tb) out.push(`${stmt} ${textDiff(ta, tb)}`);
    // the creation context columns next to the text (sql_mode, character_set_client, …)
    for (const k of Object.keys(a)) {
      if (k === column || VOLATILE.test(k) || k === 'Table' || k === 'View') continue;
      const va = normalise(text(a[k]), this.src, noBackslashIn(a));
      const vb = normalise(text(b[k]), this.dst, noBackslashIn(b));
      if (va !== vb) out.push(`${stmt} ${k}: ${short(va)} vs ${short(vb)}`);
    }
    return out;
  }

  private async columns(db: string, table: string): Promise<ColumnInfo[]> {
    const rows = await this.s.query<Row>(
      'SELECT COLUMN_NAME, DATA_TYPE, EXTRA FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
      [db, table],
    );
    return rows.map((r) => ({ name: text(r.COLUMN_NAME) ?? '', dataType: (text(r.DATA_TYPE) ?? '').toLowerCase(), extra: text(r.EXTRA) ?? '' }));
  }

  private async content(t: TableInfo): Promise<string[]> {
    const colsA = await this.columns(this.src, t.name);
    const colsB = await this.columns(this.dst, t.name);
    const sigA = colsA.map((c) => `${c.name}:${c.dataType}`).join(',');
    const sigB = colsB.map((c) => `${c.name}:${c.dataType}`).join(',');
    if (sigA !== sigB) return [`columns differ: ${short(sigA)} vs ${short(sigB)}`];
    const versioned = text(t.meta.TABLE_TYPE) === 'SYSTEM VERSIONED';
    // implicit period columns are not in information_schema.COLUMNS; explicit ones are
    const period = versioned && !colsA.some((c) => /ROW START/i.test(c.extra ?? '')) ? [{ name: 'ROW_START', dataType: 'timestamp' }, { name: 'ROW_END', dataType: 'timestamp' }] : [];
    const a = await this.hash(this.src, t.name, [...colsA, ...period], versioned);
    const b = await this.hash(this.dst, t.name, [...colsB, ...period], versioned);
    const out: string[] = [];
    if (a.rows !== b.rows) out.push(`row count ${a.rows} vs ${b.rows}`);
    if (a.hash !== b.hash) out.push(`content hash differs (${a.hash} vs ${b.hash})`);
    return out;
  }

  private async hash(db: string, table: string, cols: readonly ColumnInfo[], history = false): Promise<{ rows: string; hash: string }> {
    const parts = cols.map((c) => `COALESCE(MD5(${valueExpr(c)}), 'N')`);
    const sql = `SELECT COUNT(*) AS n,
        COALESCE(SUM(CAST(CONV(LEFT(h, 16), 16, 10) AS UNSIGNED)), 0) AS s1,
        COALESCE(SUM(CAST(CONV(RIGHT(h, 16), 16, 10) AS UNSIGNED)), 0) AS s2
      FROM (SELECT MD5(CONCAT_WS('|', ${parts.join(', ')})) AS h FROM ${quoteIdent(db)}.${quoteIdent(table)}${history ? ' FOR SYSTEM_TIME ALL' : ''}) AS x`;
    const r = await this.one(sql);
    return { rows: text(r?.n) ?? '?', hash: `${text(r?.s1) ?? '?'}/${text(r?.s2) ?? '?'}` };
  }

  private async views(): Promise<void> {
    const sql = 'SELECT * FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME';
    for (const [name, a, b] of await this.pairs('view', sql, 'TABLE_NAME')) {
      const details = this.compareRows(a, b, 'view');
      details.push(...(await this.showCreate('SHOW CREATE VIEW', name, 'Create View')));
      // what the view returns: catches a definition whose text compares equal only after the db
      // name was normalised (e.g. a loader that rewrote a string literal naming the source db)
      if (details.length === 0) details.push(...(await this.content({ name, type: 'view', meta: a })));
      this.push('view', name, details);
    }
  }

  private async triggers(): Promise<void> {
    const sql = 'SELECT * FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? ORDER BY TRIGGER_NAME';
    for (const [name, a, b] of await this.pairs('trigger', sql, 'TRIGGER_NAME')) {
      const details = this.compareRows(a, b, 'trigger');
      details.push(...(await this.showCreate('SHOW CREATE TRIGGER', name, 'SQL Original Statement')));
      this.push('trigger', name, details);
    }
  }

  private async routines(): Promise<void> {
    const sql = "SELECT *, CONCAT(ROUTINE_TYPE, ' ', ROUTINE_NAME) AS ROUTINE_KEY FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ? ORDER BY ROUTINE_NAME";
    for (const [key, a, b] of await this.pairs('procedure', sql, 'ROUTINE_KEY')) {
      const kind: ObjectKind = text(a.ROUTINE_TYPE) === 'FUNCTION' ? 'function' : 'procedure';
      const name = text(a.ROUTINE_NAME) ?? key;
      const details = this.compareRows(a, b, kind);
      const stmt = kind === 'function' ? 'SHOW CREATE FUNCTION' : 'SHOW CREATE PROCEDURE';
      details.push(...(await this.showCreate(stmt, name, kind === 'function' ? 'Create Function' : 'Create Procedure')));
      this.push(kind, name, details);
    }
  }

  private async events(): Promise<void> {
    const sql = 'SELECT * FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ? ORDER BY EVENT_NAME';
    for (const [name, a, b] of await this.pairs('event', sql, 'EVENT_NAME')) {
      const details = this.compareRows(a, b, 'event');
      details.push(...(await this.showCreate('SHOW CREATE EVENT', name, 'Create Event')));
      this.push('event', name, details);
    }
  }
}

/** The SQL expression whose text stands for one column's value (see the file comment). */
function valueExpr(c: ColumnInfo): string {
  const col = quoteIdent(c.name);
  switch (c.dataType) {
    case 'float':
    case 'double':
    case 'real':
      return `(${col} + 0e0)`;
    case 'enum':
    case 'set':
      return `CONCAT(${col} + 0, ':', HEX(${col}))`;
    case 'bit':
      return `(${col} + 0)`;
    case 'geometry':
    case 'point':
    case 'linestring':
    case 'polygon':
    case 'multipoint':
    case 'multilinestring':
    case 'multipolygon':
    case 'geometrycollection':
    case 'geomcollection':
      return `CONCAT(ST_SRID(${col}), ':', HEX(ST_AsWKB(${col})))`;
    default:
      return col;
  }
}
