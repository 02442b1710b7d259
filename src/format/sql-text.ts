/**
 * Reading SQL text as the server does: a quoted token whole, comments (plain, `-- `, `#`) apart from
 * the code, a conditional comment's SQL as code.
 */
import { afterCommentStart } from './conditional-comment.js';

/**
 * Index just past the quoted token starting at `i` (s[i] is the quote); under NO_BACKSLASH_ESCAPES
 * a backslash in a string is a character like any other.
 */
export function skipQuoted(s: string, i: number, noBackslashEscapes = false): number {
  const q = s[i]!;
  let j = i + 1;
  while (j < s.length) {
    const c = s[j]!;
    if (c === '\\' && q !== '`' && !noBackslashEscapes) {
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

/**
 * The text without its comments (`/* … *\/`, `-- …` and `#` to the end of the line), quoted strings
 * kept whole; a conditional comment's SQL (`/*!40101 … *\/`) stays, without its markers.
 */
export function withoutComments(sql: string, noBackslashEscapes = false): string {
  let out = '';
  let inCond = false;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'" || c === '"' || c === '`') {
      const j = skipQuoted(sql, i, noBackslashEscapes);
      out += sql.slice(i, j);
      i = j;
    } else if (c === '/' && sql[i + 1] === '*') {
      const step = afterCommentStart(sql, i);
      if (step.conditional) inCond = true;
      i = step.next;
      out += ' ';
    } else if (c === '*' && inCond && sql[i + 1] === '/') {
      inCond = false;
      i += 2;
      out += ' ';
    } else if (c === '#' || (c === '-' && sql[i + 1] === '-' && (sql[i + 2] ?? ' ') <= ' ')) {
      const nl = sql.indexOf('\n', i);
      i = nl < 0 ? sql.length : nl;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}
