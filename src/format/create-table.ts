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

/** Splits `CREATE TABLE x ( a, b, ... ) options` into head, top-level items and tail. */
export function parseCreateBody(sql: string): Body {
  let i = 0;
  let open = -1;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === '`' || c === "'" || c === '"') {
      i = skipQuoted(sql, i);
      continue;
    }
    if (c === '(') {
      open = i;
      break;
    }
    i++;
  }
  if (open < 0) return { head: sql, items: [], tail: '' };
  const items: string[] = [];
  let depth = 0;
  let start = open + 1;
  i = open + 1;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === '`' || c === "'" || c === '"') {
      i = skipQuoted(sql, i);
      continue;
    }
    if (c === '(') depth++;
    else if (c === ')') {
      if (depth === 0) {
        items.push(sql.slice(start, i).trim());
        return { head: sql.slice(0, open + 1), items: items.filter((x) => x !== ''), tail: sql.slice(i) };
      }
      depth--;
    } else if (c === ',' && depth === 0) {
      items.push(sql.slice(start, i).trim());
      start = i + 1;
    }
    i++;
  }
  return { head: sql, items: [], tail: '' };
}

/** The text with every quoted string blanked out (for keyword tests that must not look inside). */
export function unquoted(s: string): string {
  let out = '';
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === "'" || c === '"') {
      const j = skipQuoted(s, i);
      out += "''";
      i = j;
      continue;
    }
    if (c === '`') {
      const j = skipQuoted(s, i);
      out += s.slice(i, j);
      i = j;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

/**
 * The AUTO_INCREMENT table option of a CREATE TABLE (the server's decimal digits), or null when it has
 * none: outside quoted strings (a COMMENT may say AUTO_INCREMENT=5) and before any PARTITION clause.
 */
export function createTableCounter(sql: string): string | null {
  const { tail } = parseCreateBody(sql);
  const options = unquoted(tail).split(/\bPARTITION\s+BY\b|\/\*!\d*\s*PARTITION\b/i)[0]!;
  return /\bAUTO_INCREMENT\s*=\s*(\d+)/i.exec(options)?.[1] ?? null;
}
