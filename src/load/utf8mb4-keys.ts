/**
 * What --convert-utf8mb4 does to a table's index keys: a utf8/utf8mb3 text column takes up to 4
 * bytes a character instead of 3, and InnoDB keeps a key part to 767 bytes (COMPACT, REDUNDANT) or
 * 3072 (DYNAMIC, COMPRESSED), a key to 3072. Past those the server refuses the index (1709, 1071)
 * after the rows are in, or — MariaDB, for a single column past 3072 — silently shortens a plain key
 * to a prefix (Note 1071) and makes a UNIQUE one a USING HASH key (which no foreign key can
 * reference). Pure: decided in the load's preflight from the dump's definitions and column types.
 *
 * The byte counts are the server's (measured on MariaDB 10.11: no length or NULL bytes counted, a
 * prefix counts its characters × the charset's width) and a lower bound: a type not known here
 * counts 0, so a refusal is always real, and what the estimate misses is caught when the statement
 * runs (key-warnings.ts). Only keys with a converted column are judged: the others are as the source
 * held them.
 */
import { quoteIdent } from '../core/ident.js';
import type { Problem } from '../core/problem.js';
import type { ColumnSpec } from '../core/table-shape.js';
import { parseCreateBody, unquoted } from '../format/create-table.js';
import { skipQuoted } from '../format/sql-text.js';

/** A table as the load would create it, before its rewrites. */
export interface KeyedTable {
  /** The target database. */
  readonly database: string;
  readonly sourceDatabase: string;
  readonly table: string;
  /** The dump's SHOW CREATE TABLE text. */
  readonly create: string;
  readonly columns: readonly ColumnSpec[];
  /** The engine it is created with (--engine, else the dump's), null when unknown. */
  readonly engine: string | null;
}

export interface KeyLimits {
  /** The target's innodb_default_row_format, lower case (null: dynamic, the default since 10.2 / 5.7). */
  readonly defaultRowFormat: string | null;
  /** MAXLEN per character set, from the target's information_schema.CHARACTER_SETS. */
  readonly charsetWidths: ReadonlyMap<string, number>;
}

const KEY_MAX = 3072;
const NARROW_PART_MAX = 767;
const NARROW_FORMATS = new Set(['compact', 'redundant']);

/** The charsets --convert-utf8mb4 converts. */
export function convertedCharset(charset: string | null): boolean {
  return charset !== null && /^utf8(?:mb3)?$/i.test(charset);
}

export function utf8mb4KeyProblems(tables: readonly KeyedTable[], limits: KeyLimits): Problem[] {
  const problems: Problem[] = [];
  for (const t of tables) {
    if ((t.engine ?? '').toLowerCase() !== 'innodb') continue;
    const body = parseCreateBody(t.create);
    const explicit = /\bROW_FORMAT\s*=\s*([A-Za-z]+)/i.exec(unquoted(body.tail))?.[1]?.toLowerCase();
    const rowFormat = explicit && explicit !== 'default' ? explicit : (limits.defaultRowFormat ?? 'dynamic');
    const partMax = NARROW_FORMATS.has(rowFormat) ? NARROW_PART_MAX : KEY_MAX;
    const columns = new Map(t.columns.map((c) => [c.name.toLowerCase(), c]));
    for (const item of body.items) {
      const key = keyDefinition(item);
      if (!key) continue;
      const parts = key.parts.map((p) => ({ ...p, column: columns.get(p.column.toLowerCase()) }));
      if (!parts.some((p) => p.column && convertedCharset(p.column.charset))) continue;
      const sized = parts.map((p) => ({ name: p.column?.name ?? '', bytes: p.column ? partBytes(p.column, p.prefix, limits.charsetWidths) : 0, converted: convertedCharset(p.column?.charset ?? null) }));
      const wide = sized.find((p) => p.converted && p.bytes > partMax);
      const total = sized.reduce((n, p) => n + p.bytes, 0);
      if (!wide && total <= KEY_MAX) continue;
      const where = `${t.database}.${t.table}`;
      const what = wide
        ? `column ${wide.name} would take ${wide.bytes} bytes in it, more than the ${partMax} bytes ${partMax === NARROW_PART_MAX ? `a ${rowFormat.toUpperCase()} table allows a key column (error 1709 when the index is built, after the rows)` : `InnoDB allows a key column: ${consequence(key.kind)}`}`
        : `the key would take ${total} bytes, more than the ${KEY_MAX} InnoDB allows (error 1071${key.kind === 'unique' ? ', or a USING HASH key no foreign key can reference' : ''})`;
      const column = wide ?? sized.find((p) => p.converted)!;
      problems.push({
        code: 'unsupported',
        object: { database: t.database, table: t.table },
        message: `--convert-utf8mb4: index ${key.name} of ${where} on utf8mb3 text converted to utf8mb4 (4 bytes a character): ${what}`,
        fix: keyFix(t, column.name, partMax, rowFormat, explicit !== undefined && explicit !== 'default'),
      });
    }
  }
  return problems;
}

function consequence(kind: KeyKind): string {
  if (kind === 'primary') return 'error 1071 when the table is created';
  if (kind === 'unique') return 'MariaDB would make it a USING HASH key, silently (no foreign key can reference it)';
  return 'MariaDB would shorten it to a prefix, silently (Note 1071)';
}

function keyFix(t: KeyedTable, column: string, partMax: number, rowFormat: string, explicit: boolean): string {
  const q = quoteIdent;
  const prefix = Math.floor(partMax / 4);
  const fixes = [`give the column a prefix on the source (an index on ${q(column)}(${prefix}) fits; a UNIQUE key then holds for the prefix only) and dump again`];
  if (NARROW_FORMATS.has(rowFormat)) {
    fixes.push(explicit ? `make the table DYNAMIC on the source (ALTER TABLE ${q(t.sourceDatabase)}.${q(t.table)} ROW_FORMAT=DYNAMIC) and dump again` : `create it DYNAMIC: SET GLOBAL innodb_default_row_format = dynamic; on the target for the load`);
  }
  fixes.push('or load without --convert-utf8mb4');
  return fixes.join(', ');
}

type KeyKind = 'primary' | 'unique' | 'plain';

interface KeyPart {
  readonly column: string;
  readonly prefix: number | null;
}

/** A PRIMARY, UNIQUE or plain key of a CREATE TABLE item (FULLTEXT, SPATIAL, VECTOR and USING HASH keys have no length limit), else null. */
export function keyDefinition(item: string): { kind: KeyKind; name: string; parts: KeyPart[] } | null {
  const m = /^(PRIMARY\s+KEY|UNIQUE(?:\s+(?:KEY|INDEX))?|KEY|INDEX)\s*(`(?:[^`]|``)*`)?\s*(?:USING\s+\w+\s*)?\(/i.exec(item);
  if (!m || /\bUSING\s+HASH\b/i.test(unquoted(item))) return null;
  const kind: KeyKind = /^PRIMARY/i.test(m[1]!) ? 'primary' : /^UNIQUE/i.test(m[1]!) ? 'unique' : 'plain';
  const name = kind === 'primary' ? 'PRIMARY' : (m[2] ?? '``').slice(1, -1).replace(/``/g, '`');
  const parts: KeyPart[] = [];
  for (const text of topLevelList(item, m[0].length - 1)) {
    const p = /^`((?:[^`]|``)*)`\s*(?:\(\s*(\d+)\s*\))?/.exec(text.trim());
    // an expression key part (MySQL 8's functional keys) is not judged
    if (p) parts.push({ column: p[1]!.replace(/``/g, '`'), prefix: p[2] === undefined ? null : Number(p[2]) });
  }
  return { kind, name, parts };
}

/** The comma-separated items inside the parentheses opening at `open`. */
function topLevelList(s: string, open: number): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = open + 1;
  for (let i = open; i < s.length; i++) {
    const c = s[i]!;
    if (c === "'" || c === '"' || c === '`') {
      i = skipQuoted(s, i) - 1;
      continue;
    }
    if (c === '(') depth++;
    else if (c === ')' && --depth === 0) {
      out.push(s.slice(start, i));
      break;
    } else if (c === ',' && depth === 1) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  return out;
}

const FIXED_BYTES: Readonly<Record<string, number>> = {
  tinyint: 1, smallint: 2, mediumint: 3, int: 4, integer: 4, bigint: 8, float: 4, double: 8, real: 8,
  date: 3, year: 1, inet4: 4, inet6: 16, uuid: 16,
};

/** The bytes a key part takes after the conversion (converted text: 4 a character). */
function partBytes(c: ColumnSpec, prefix: number | null, widths: ReadonlyMap<string, number>): number {
  const type = c.dataType.toLowerCase();
  const args = /\(([^)]*)\)/.exec(c.columnType)?.[1] ?? '';
  const n = Number.parseInt(args, 10) || 0;
  const width = convertedCharset(c.charset) ? 4 : c.charset ? (widths.get(c.charset.toLowerCase()) ?? 1) : 1;
  if (type === 'char' || type === 'varchar') return (prefix ?? n) * width;
  if (/text$|^json$/.test(type)) return (prefix ?? 0) * width;
  if (type === 'binary' || type === 'varbinary' || /blob$/.test(type)) return prefix ?? (type.endsWith('blob') ? 0 : n);
  const fixed = FIXED_BYTES[type];
  if (fixed !== undefined) return fixed;
  const fsp = Math.ceil((n || 0) / 2);
  if (type === 'datetime') return 5 + fsp;
  if (type === 'timestamp') return 4 + fsp;
  if (type === 'time') return 3 + fsp;
  if (type === 'bit') return Math.ceil((n || 1) / 8);
  if (type === 'decimal' || type === 'numeric') {
    const [m = 10, d = 0] = args.split(',').map((x) => Number.parseInt(x, 10));
    return decimalBytes(m - d) + decimalBytes(d);
  }
  return 0;
}

/** DECIMAL stores 9 digits in 4 bytes and the rest in the fewest bytes that hold them. */
function decimalBytes(digits: number): number {
  const rest = [0, 1, 1, 2, 2, 3, 3, 4, 4, 4];
  return Math.floor(digits / 9) * 4 + rest[digits % 9]!;
}
