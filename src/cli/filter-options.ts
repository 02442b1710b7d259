import type { TableRef } from '../format/table-filter.js';
import { usageError } from './run-command.js';

/** The table filters of both bins: the same syntax on dump and on load. */
export function parseTableRef(text: string, what: string): TableRef {
  const i = text.indexOf('.');
  if (i <= 0 || i === text.length - 1) throw usageError(`${what}: '${text}' is not db.table`, 'write tables as database.table');
  return { database: text.slice(0, i), table: text.slice(i + 1) };
}

export function parseRegex(re: string | undefined, what: string): RegExp | null {
  if (!re) return null;
  try {
    return new RegExp(re);
  } catch (e) {
    throw usageError(`${what}: ${(e as Error).message}`);
  }
}

/** `-T a.b,c.d -T e.f` → every table, in order. */
export function parseTableList(values: readonly string[], what: string): TableRef[] {
  return values.flatMap((s) => s.split(',')).filter((s) => s.trim() !== '').map((s) => parseTableRef(s.trim(), what));
}

