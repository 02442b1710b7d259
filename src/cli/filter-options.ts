import type { TableRef } from '../format/table-filter.js';
import { usageError } from './run-command.js';

const QUOTING = "write tables as database.table; quote a name holding '.', ',' or ':' in backticks (`my.db`.`t,1`, a backtick in one doubled)";

/**
 * The table filters of both bins: the same syntax on dump and on load. `db.table`, each name plain
 * (the database up to the first '.') or in backticks, as in SQL.
 */
export function parseTableRef(text: string, what: string): TableRef {
  const bad = (): never => {
    throw usageError(`${what}: '${text}' is not db.table`, QUOTING);
  };
  const db = namePart(text, 0, '.') ?? bad();
  if (text[db.end] !== '.') bad();
  const table = namePart(text, db.end + 1, '') ?? bad();
  if (table.end !== text.length || db.name === '' || table.name === '') bad();
  return { database: db.name, table: table.name };
}

/** A name from `from`: in backticks, else plain up to `stop` (or the end); null for an unclosed quote. */
function namePart(text: string, from: number, stop: string): { name: string; end: number } | null {
  if (text[from] !== '`') {
    const i = stop === '' ? -1 : text.indexOf(stop, from);
    const end = i < 0 ? text.length : i;
    return { name: text.slice(from, end), end };
  }
  let name = '';
  for (let i = from + 1; i < text.length; i++) {
    if (text[i] !== '`') name += text[i];
    else if (text[i + 1] === '`') name += text[i++];
    else return { name, end: i + 1 };
  }
  return null;
}

/** The index of the first `ch` outside backticks (-1: none). */
export function indexOutsideQuotes(text: string, ch: string, from = 0): number {
  let quoted = false;
  for (let i = from; i < text.length; i++) {
    if (text[i] === '`') quoted = !quoted;
    else if (!quoted && text[i] === ch) return i;
  }
  return -1;
}

export function parseRegex(re: string | undefined, what: string): RegExp | null {
  if (!re) return null;
  try {
    return new RegExp(re);
  } catch (e) {
    throw usageError(`${what}: ${(e as Error).message}`);
  }
}

/** `-T a.b,c.d -T e.f` → every table, in order (a comma in backticks is part of a name). */
export function parseTableList(values: readonly string[], what: string): TableRef[] {
  return values.flatMap(splitOutsideQuotes).filter((s) => s.trim() !== '').map((s) => parseTableRef(s.trim(), what));
}

function splitOutsideQuotes(text: string): string[] {
  const parts: string[] = [];
  let from = 0;
  for (let i = indexOutsideQuotes(text, ','); i >= 0; i = indexOutsideQuotes(text, ',', from)) {
    parts.push(text.slice(from, i));
    from = i + 1;
  }
  return [...parts, text.slice(from)];
}

