import { TsError } from '../core/errors.js';
import { quoteIdent } from '../core/ident.js';
import type { ChunkKey, KeyBound, KeyColumn, KeyLiteral } from './manifest.js';

/**
 * Half-open key ranges as SQL. A chunk covers lower <= key < upper on the whole key tuple, written
 * in the expanded OR form both optimizers turn into an index range:
 *   (a > 1) OR (a = 1 AND b >= 2)            -- lower (1, 2), inclusive
 *   (a < 5) OR (a = 5 AND b < 7)             -- upper (5, 7), exclusive
 * With the first chunk unbounded below and the last unbounded above, consecutive chunks sharing a
 * bound are gap-free and disjoint by construction.
 */
const LITERAL: Record<KeyLiteral, (value: string, col: KeyColumn) => string> = {
  number: (v) => checked(v, /^[-+]?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/, 'number'),
  enum: (v) => checked(v, /^[0-9]+$/, 'enum index'),
  temporal: (v) => `'${checked(v, /^-?[0-9: .-]+$/, 'temporal value')}'`,
  string: (v, col) => `_${checked(col.charset ?? 'utf8mb4', /^[a-z0-9_]+$/, 'charset')} X'${checked(v, /^([0-9a-f]{2})*$/, 'hex')}'`,
  binary: (v) => `X'${checked(v, /^([0-9a-f]{2})*$/, 'hex')}'`,
};

function checked(v: string, re: RegExp, what: string): string {
  if (!re.test(v)) throw new TsError({ code: 'bad-dump', message: `invalid ${what} in a chunk bound: '${v.slice(0, 40)}'`, suggestion: 'the manifest was edited or damaged' });
  return v;
}

export function keyLiteral(col: KeyColumn, value: string): string {
  return LITERAL[col.literal](value, col);
}

/** The expression a key column is compared through (ENUM/SET compare by index, as the index orders them). */
export function keyColumnExpr(col: KeyColumn): string {
  return quoteIdent(col.name);
}

function bound(cols: readonly KeyColumn[], values: KeyBound, lastOp: '>=' | '<', strictOp: '>' | '<'): string {
  if (values.length !== cols.length) throw new TsError({ code: 'bad-dump', message: `chunk bound has ${values.length} values for a ${cols.length}-column key` });
  const terms: string[] = [];
  for (let i = 0; i < cols.length; i++) {
    const eqs = cols.slice(0, i).map((c, j) => `${keyColumnExpr(c)} = ${keyLiteral(c, values[j]!)}`);
    const op = i === cols.length - 1 ? lastOp : strictOp;
    eqs.push(`${keyColumnExpr(cols[i]!)} ${op} ${keyLiteral(cols[i]!, values[i]!)}`);
    terms.push(eqs.length === 1 ? eqs[0]! : `(${eqs.join(' AND ')})`);
  }
  return terms.length === 1 ? terms[0]! : `(${terms.join(' OR ')})`;
}

/** WHERE condition of a chunk, or null for a chunk that covers the whole table. */
export function rangeCondition(key: ChunkKey, lower: KeyBound | null, upper: KeyBound | null): string | null {
  const parts: string[] = [];
  if (lower) parts.push(bound(key.columns, lower, '>=', '>'));
  if (upper) parts.push(bound(key.columns, upper, '<', '<'));
  return parts.length === 0 ? null : parts.join(' AND ');
}
