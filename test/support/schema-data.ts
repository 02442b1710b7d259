/**
 * Real schemas with generated data (test/fixtures/schemas, real-schemas.test.ts): run a schema script
 * in a database, then give every base table a few rows generated from its column types as
 * information_schema describes them (the value arbitraries of the generative test, gen-values.ts).
 *
 * Rows go in with INSERT IGNORE and foreign_key_checks=0: a generated row that breaks a unique key or a
 * CHECK constraint is skipped, and rows need not match their parents. What the source holds is what the
 * copy must hold.
 */
import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import type { Arbitrary } from 'fast-check';
import type { SqlSession } from './corpus.js';
import type { GenContext } from './gen-context.js';
import type { Allowed, CharsetInfo, GenValue, GeometryType } from './gen-values.js';
import {
  CHAR_POOL, GEOMETRY_TYPES, bitArb, bytesArb, dateArb, datetimeArb, decimalArb, floatArb, geometryArb, inet4Arb, inet6Arb,
  intArb, jsonArb, quoteId, textArb, timeArb, timestampArb, uuidArb, yearArb,
} from './gen-values.js';

/** The text of a fixture (gunzipped when it ends in .gz). */
export function readSchemaFile(file: string): string {
  const raw = readFileSync(file);
  return (file.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
}

/**
 * The script as batches to send with multipleStatements: the parts between DELIMITER lines, and each
 * statement of a part with another delimiter on its own. CREATE DATABASE and USE are left out.
 */
export function scriptBatches(text: string): string[] {
  const out: string[] = [];
  let delimiter = ';';
  let buf: string[] = [];
  const flush = (): void => {
    const sql = buf.join('\n').replace(/^\s*(CREATE\s+DATABASE|USE)\b[^;]*;/gim, '').trim();
    if (sql.replace(/--[^\n]*|\s/g, '') !== '') out.push(sql);
    buf = [];
  };
  for (const line of text.split('\n')) {
    const d = /^\s*DELIMITER\s+(\S+)\s*$/i.exec(line);
    if (d) {
      flush();
      delimiter = d[1]!;
      continue;
    }
    if (delimiter === ';') {
      buf.push(line);
      continue;
    }
    const end = line.trimEnd();
    if (end.endsWith(delimiter)) {
      buf.push(end.slice(0, -delimiter.length));
      flush();
    } else buf.push(line);
  }
  flush();
  return out;
}

type Row = Record<string, unknown>;

interface ColumnMeta {
  readonly name: string;
  readonly dataType: string;
  readonly columnType: string;
  readonly nullable: boolean;
  readonly charLength: number;
  readonly precision: number;
  readonly scale: number;
  readonly fsp: number;
  readonly charset: string | null;
  readonly json: boolean;
}

const INT_BITS: Record<string, number> = { tinyint: 8, smallint: 16, mediumint: 24, int: 32, integer: 32, bigint: 64 };

/** Members of an ENUM/SET column type text: enum('a','it''s') → ['a', "it's"]. */
function members(columnType: string): string[] {
  const body = columnType.slice(columnType.indexOf('(') + 1, columnType.lastIndexOf(')'));
  return [...body.matchAll(/'((?:[^']|'')*)'/g)].map((m) => m[1]!.replace(/''/g, "'").replace(/\\\\/g, '\\'));
}

function fallbackCharset(name: string): CharsetInfo {
  return { name, collations: [], maxLen: 4, alphabet: CHAR_POOL.filter((c) => /^[ -~]$/.test(c)) };
}

/** Values for one column; undefined when it gets none (generated, AUTO_INCREMENT: the server fills them). */
export function columnValues(col: ColumnMeta, ctx: GenContext, allowed: Allowed): Arbitrary<GenValue> | undefined {
  const unsigned = /unsigned/i.test(col.columnType);
  const cs = ctx.charsets.find((c) => c.name === col.charset) ?? fallbackCharset(col.charset ?? 'ascii');
  const t = col.dataType;
  if (t in INT_BITS) return intArb(INT_BITS[t]!, unsigned, allowed);
  if (t === 'decimal' || t === 'numeric') return decimalArb(col.precision, col.scale, unsigned, allowed);
  if (t === 'float') return floatArb(true);
  if (t === 'double' || t === 'real') return floatArb(false);
  if (t === 'bit') return bitArb(col.precision);
  if (col.json || t === 'json') return jsonArb();
  if (/char|text$/.test(t)) return textArb(cs, Math.min(col.charLength, 4000), 0, allowed);
  if (/binary|blob$/.test(t)) return bytesArb(Math.min(col.charLength, 4000), 0, allowed);
  if (t === 'enum' || t === 'set') {
    const ms = members(col.columnType);
    const empty = ms.indexOf('');
    const usable = ms.map((_, i) => i + 1).filter((i) => i !== empty + 1 || allowed(t === 'enum' ? 'enum-empty-member' : 'set-empty-member'));
    if (t === 'enum') return usable.length > 0 ? fc.constantFrom(...usable).map((i) => ({ sql: String(i) })) : undefined;
    const bits = usable.reduce((m, i) => m | (1 << (i - 1)), 0);
    return fc.integer({ min: 0, max: 2 ** Math.min(ms.length, 20) - 1 }).map((b) => ({ sql: String(b & bits) }));
  }
  if (t === 'date') return dateArb(allowed);
  if (t === 'time') return timeArb(col.fsp, allowed);
  if (t === 'datetime') return datetimeArb(col.fsp);
  if (t === 'timestamp') return timestampArb(col.fsp);
  if (t === 'year') return yearArb();
  const geo = GEOMETRY_TYPES.find((g) => g.toLowerCase() === t || (t === 'geomcollection' && g === 'GEOMETRYCOLLECTION'));
  if (geo) return geometryArb(geo as GeometryType, ctx.flavor === 'mariadb');
  if (t === 'uuid' && allowed('uuid')) return uuidArb();
  if (t === 'inet6' && allowed('inet6')) return inet6Arb();
  if (t === 'inet4' && allowed('inet4')) return inet4Arb();
  return undefined;
}

async function tableColumns(s: SqlSession, db: string, table: string): Promise<ColumnMeta[]> {
  const rows = await s.query<Row>(
    `SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, EXTRA, CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, NUMERIC_SCALE, DATETIME_PRECISION, CHARACTER_SET_NAME
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
    [db, table],
  );
  // MariaDB's JSON is LONGTEXT with a json_valid() CHECK constraint
  const checks = await s.query<Row>('SELECT CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ? AND TABLE_NAME = ?', [db, table]).catch(() => [] as Row[]);
  const jsonCols = new Set(checks.map((c) => /json_valid\(`((?:[^`]|``)+)`\)/i.exec(String(c.CHECK_CLAUSE))?.[1]?.replace(/``/g, '`')).filter(Boolean));
  return rows
    .filter((r) => !/GENERATED|auto_increment/i.test(String(r.EXTRA ?? '')))
    .map((r) => ({
      name: String(r.COLUMN_NAME),
      dataType: String(r.DATA_TYPE).toLowerCase(),
      columnType: String(r.COLUMN_TYPE),
      nullable: r.IS_NULLABLE === 'YES',
      charLength: Number(r.CHARACTER_MAXIMUM_LENGTH ?? 0),
      precision: Number(r.NUMERIC_PRECISION ?? 0),
      scale: Number(r.NUMERIC_SCALE ?? 0),
      fsp: Number(r.DATETIME_PRECISION ?? 0),
      charset: r.CHARACTER_SET_NAME === null || r.CHARACTER_SET_NAME === undefined ? null : String(r.CHARACTER_SET_NAME),
      json: jsonCols.has(String(r.COLUMN_NAME)),
    }));
}

/**
 * Adds up to `rows` generated rows to every base table of `db` (deterministic for a seed). Returns the
 * base table names.
 */
export async function fillTables(s: SqlSession, db: string, ctx: GenContext, allowed: Allowed, rows: number, seed: number): Promise<string[]> {
  const tables = (await s.query<Row>("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME", [db])).map((r) => String(r.TABLE_NAME));
  await s.query('SET SESSION foreign_key_checks = 0, sql_mode = DEFAULT, time_zone = ?', ['+00:00']);
  try {
    for (const [i, table] of tables.entries()) {
      const cols = (await tableColumns(s, db, table)).map((c) => ({ c, arb: columnValues(c, ctx, allowed) })).filter((x) => x.arb !== undefined);
      if (cols.length === 0) continue;
      const arb = fc.tuple(...cols.map(({ c, arb }) => (c.nullable ? fc.oneof({ weight: 4, arbitrary: arb! }, { weight: 1, arbitrary: fc.constant<GenValue>({ sql: 'NULL' }) }) : arb!)));
      const tuples = fc.sample(arb, { numRuns: rows, seed: seed + i });
      const list = cols.map(({ c }) => quoteId(c.name)).join(', ');
      const values = tuples.map((t) => `(${t.map((v) => v.sql).join(', ')})`).join(',\n');
      await s.query(`INSERT IGNORE INTO ${quoteId(db)}.${quoteId(table)} (${list}) VALUES\n${values}`);
    }
  } finally {
    await s.query('SET SESSION foreign_key_checks = 1, sql_mode = DEFAULT, time_zone = DEFAULT');
  }
  return tables;
}
