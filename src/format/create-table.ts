/**
 * The text of a SHOW CREATE TABLE read as the server prints it: its parts (head, the top-level items
 * inside the outer parentheses, the table options after them) and the table's AUTO_INCREMENT option.
 * Quoted strings ('…' with backslash or doubled-quote escapes, "…", `…`) are never split.
 */
import { skipQuoted, withoutComments } from './sql-text.js';
import { identName } from './sql-classify.js';

export interface Body {
  readonly head: string;
  readonly items: readonly string[];
  readonly tail: string;
}


/** Where a CREATE TABLE's parts lie: its outer parentheses (`open`, `close`) and the [from, to) of each top-level item between them. */
export interface BodySpans {
  readonly open: number;
  readonly close: number;
  readonly items: readonly (readonly [number, number])[];
}

/** The spans of `CREATE TABLE x ( a, b, ... ) options`, or null when it has no balanced outer parentheses. */
export function createBodySpans(sql: string): BodySpans | null {
  let open = -1;
  const items: [number, number][] = [];
  let depth = 0;
  let start = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === '`' || c === "'" || c === '"') {
      i = skipQuoted(sql, i);
      continue;
    }
    if (c === '(') {
      if (open < 0) {
        open = i;
        start = i + 1;
      } else depth++;
    } else if (open >= 0 && c === ')') {
      if (depth === 0) {
        items.push([start, i]);
        return { open, close: i, items };
      }
      depth--;
    } else if (open >= 0 && c === ',' && depth === 0) {
      items.push([start, i]);
      start = i + 1;
    }
    i++;
  }
  return null;
}

/** Splits `CREATE TABLE x ( a, b, ... ) options` into head, top-level items and tail. */
export function parseCreateBody(sql: string): Body {
  const spans = createBodySpans(sql);
  if (!spans) return { head: sql, items: [], tail: '' };
  const items = spans.items.map(([from, to]) => sql.slice(from, to).trim()).filter((x) => x !== '');
  return { head: sql.slice(0, spans.open + 1), items, tail: sql.slice(spans.close) };
}

/**
 * The text rebuilt piece by piece, in order: each quoted token ('…', "…", `…`, its quotes included)
 * through `quoted`, each run of text between them through `plain`.
 */
export function mapQuoted(sql: string, quoted: (token: string) => string, plain: (text: string) => string, noBackslashEscapes = false): string {
  let out = '';
  let from = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'" || c === '"' || c === '`') {
      const j = skipQuoted(sql, i, noBackslashEscapes);
      out += plain(sql.slice(from, i)) + quoted(sql.slice(i, j));
      from = i = j;
      continue;
    }
    i++;
  }
  return out + plain(sql.slice(from));
}

/** The text with every quoted string blanked out (for keyword tests that must not look inside). */
export function unquoted(s: string): string {
  return mapQuoted(s, (t) => (t[0] === '`' ? t : "''"), (p) => p);
}

/**
 * The AUTO_INCREMENT table option of a CREATE TABLE (the server's decimal digits), or null when it has
 * none: in the options after the column list, outside quoted strings (a COMMENT may say AUTO_INCREMENT=5).
 */
export function createTableCounter(sql: string): string | null {
  return /\bAUTO_INCREMENT\s*=\s*(\d+)/i.exec(unquoted(parseCreateBody(sql).tail))?.[1] ?? null;
}


/** Where a table's AUTO_INCREMENT column is among its columns; `invisible`: left out of an INSERT without a column list. */
export interface AutoIncrementColumn {
  readonly name: string;
  readonly position: number;
  readonly invisible: boolean;
}

const COLUMN_NAME = /^\s*(`(?:[^`]|``)+`|"(?:[^"]|"")+"|[A-Za-z0-9_$\u0080-\u00ff]+)\s/;
const KEY_ITEM = /^\s*(?:PRIMARY|UNIQUE|KEY|INDEX|FULLTEXT|SPATIAL|CONSTRAINT|FOREIGN|CHECK)\b|^\s*PERIOD\s+FOR\b/i;

/**
 * The AUTO_INCREMENT column of a CREATE TABLE, found by its definition (the attribute after a
 * column's name, outside strings and comments: `DEFAULT 'auto_increment'` is not one); null when the
 * table has none, 'unknown' when the text is not read (no column list, a definition without a name).
 * `position` counts the columns before it, INVISIBLE ones included (`invisible` says whether any
 * before it, or it, is INVISIBLE).
 */
export function autoIncrementColumn(ddl: string): AutoIncrementColumn | null | 'unknown' {
  const text = withoutComments(ddl);
  const spans = createBodySpans(text);
  if (!spans) return 'unknown';
  let position = 0;
  let invisible = false;
  for (const [from, to] of spans.items) {
    const item = text.slice(from, to);
    if (item.trim() === '' || KEY_ITEM.test(item)) continue;
    const name = COLUMN_NAME.exec(item);
    if (!name) return 'unknown';
    const rest = mapQuoted(item.slice(name[0].length), () => "''", (p) => p);
    if (/\bINVISIBLE\b/i.test(rest)) invisible = true;
    if (/\bAUTO_INCREMENT\b/i.test(rest)) return { name: identName(name[1]!), position, invisible };
    position++;
  }
  return null;
}
