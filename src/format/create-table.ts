/**
 * The text of a SHOW CREATE TABLE read as the server prints it: its parts (head, the top-level items
 * inside the outer parentheses, the table options after them) and the table's AUTO_INCREMENT option.
 * Quoted strings ('…' with backslash or doubled-quote escapes, "…", `…`) are never split.
 */

export interface Body {
  readonly head: string;
  readonly items: readonly string[];
  readonly tail: string;
}

/** Index just past the quoted token starting at `i` (s[i] is the quote). */
export function skipQuoted(s: string, i: number): number {
  const q = s[i]!;
  let j = i + 1;
  while (j < s.length) {
    const c = s[j]!;
    if (c === '\\' && q !== '`') {
      j += 2;
      continue;
    }
    if (c === q) {
      if (s[j + 1] === q) {
        j += 2;
        continue;
      }
      return j + 1;
    }
    j++;
  }
  return j;
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
export function mapQuoted(sql: string, quoted: (token: string) => string, plain: (text: string) => string): string {
  let out = '';
  let from = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'" || c === '"' || c === '`') {
      const j = skipQuoted(sql, i);
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
