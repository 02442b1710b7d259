import { qualified, quoteIdent } from '../core/ident.js';
import { selectExpr, type CatalogTable } from '../db/catalog.js';
import type { RawRow, Session } from '../db/session.js';
import { keyColumnExpr, keyLiteral, rangeCondition } from '../format/key-range.js';
import type { KeyBound, KeyColumn } from '../format/manifest.js';

/**
 * Chunk boundaries of a table on its whole key tuple (composite and string keys), each the key of a
 * row, in key order. Any strictly increasing list of tuples gives half-open, gap-free chunks
 * (chunk-planner.ts boundsToChunks); how close the chunks come to `per` rows is a matter of cost:
 *
 * - A key column of integer type is split like an integer key: MIN/MAX within the group of rows
 *   that share the columns before it, the value range cut into ranges of about `per` rows by the
 *   optimizer's estimate (EXPLAIN: two index dives per range, no rows read), a range estimated at
 *   more than twice `per` cut again; the boundary at value v is the first key of the group with
 *   that column >= v (one row read). A single value that still holds too many rows is split on the
 *   next key column the same way. The server reads a few rows per chunk.
 * - Any other column (strings, dates, decimals, ENUM): every `per`-th key of its group in key
 *   order (`LIMIT 1 OFFSET per`), exact but a read of every row of the group once more before it
 *   is dumped (0.18 server CPU s per 500 000 rows on the bench machine).
 */
const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint']);
/** A range is cut again only when estimated at more than this many chunks' rows. */
const SLACK = 2;

interface Splitter {
  readonly session: Session;
  readonly table: CatalogTable;
  readonly cols: readonly KeyColumn[];
  readonly per: number;
  /** `db`.`t` FORCE INDEX (...) */
  readonly from: string;
  readonly select: string;
  readonly order: string;
  readonly out: KeyBound[];
  /**
   * Dive queries left (EXPLAINs and first keys): an optimizer that estimates every range at the
   * whole table must not make the plan walk every key value. Out of budget, ranges stay whole.
   */
  queries: number;
}

export function isIntegerColumn(table: CatalogTable, col: KeyColumn): boolean {
  return INTEGER_TYPES.has(table.columns.find((c) => c.name === col.name)?.dataType ?? '');
}

export async function keyBounds(session: Session, table: CatalogTable, per: number): Promise<KeyBound[]> {
  const cols = table.key.columns;
  const hint = table.key.index ? ` FORCE INDEX (${quoteIdent(table.key.index)})` : '';
  const s: Splitter = {
    session,
    table,
    cols,
    per,
    from: `${qualified(table.database, table.name)}${hint}`,
    select: cols.map((c) => selectKeyExpr(c, table)).join(', '),
    order: cols.map((c) => keyColumnExpr(c)).join(', '),
    out: [],
    queries: 16 * Math.ceil(Math.max(table.rowsEstimate, per) / per) + 100,
  };
  await splitGroup(s, [], table.rowsEstimate > 0 ? table.rowsEstimate : per * (SLACK + 1));
  return s.out;
}

/** Boundaries inside the group of rows whose first key columns equal `prefix` (integers), about `estimate` rows. */
async function splitGroup(s: Splitter, prefix: readonly string[], estimate: number): Promise<void> {
  const i = prefix.length;
  const col = s.cols[i];
  if (!col) return; // a whole key: one row
  if (!isIntegerColumn(s.table, col)) return offsetSteps(s, prefix);
  const c = keyColumnExpr(col);
  const r = await firstRow(s.session, `SELECT MIN(${c}), MAX(${c}) FROM ${s.from}${where(prefixTerms(s, prefix))}`);
  if (!r || r[0] === null || r[1] === null) return;
  const min = BigInt(r[0]!.toString('latin1'));
  const max = BigInt(r[1]!.toString('latin1'));
  // the whole table is cut into as many chunks as its estimate asks for, like an integer key
  await splitRange(s, prefix, min, max + 1n, estimate, i === 0);
}

/** Boundaries inside the rows of the group `prefix` whose next key column is in [lo, hi). */
async function splitRange(s: Splitter, prefix: readonly string[], lo: bigint, hi: bigint, estimate: number, cut = false): Promise<void> {
  if (!cut && estimate <= s.per * SLACK) return;
  if (hi - lo === 1n) return splitGroup(s, [...prefix, lo.toString()], estimate);
  const wanted = BigInt(Math.ceil(estimate / s.per));
  const parts = wanted < hi - lo ? wanted : hi - lo;
  const step = (hi - lo + parts - 1n) / parts;
  for (let a = lo; a < hi; a += step) {
    const b = a + step < hi ? a + step : hi;
    if (a > lo) await firstKeyFrom(s, prefix, a);
    // a part holds no more rows than the whole it is cut from, whatever the estimate says
    await splitRange(s, prefix, a, b, Math.min(estimate, await estimateRows(s, prefix, a, b)));
  }
}

/** Appends the first key of the group `prefix` whose next column is >= v (none: the group ends before v). */
async function firstKeyFrom(s: Splitter, prefix: readonly string[], v: bigint): Promise<void> {
  if (s.queries-- <= 0) return;
  const col = s.cols[prefix.length]!;
  const terms = [...prefixTerms(s, prefix), `${keyColumnExpr(col)} >= ${keyLiteral(col, v.toString())}`];
  const row = await firstRow(s.session, `SELECT ${s.select} FROM ${s.from}${where(terms)} ORDER BY ${s.order} LIMIT 1`);
  if (row) push(s, row);
}

/** The optimizer's estimate of the group's rows with the next column in [lo, hi): index dives, no rows read. */
async function estimateRows(s: Splitter, prefix: readonly string[], lo: bigint, hi: bigint): Promise<number> {
  if (s.queries-- <= 0) return 0;
  const col = s.cols[prefix.length]!;
  const c = keyColumnExpr(col);
  const terms = [...prefixTerms(s, prefix), `${c} >= ${keyLiteral(col, lo.toString())}`, `${c} < ${keyLiteral(col, hi.toString())}`];
  const rows = await s.session.query<{ rows: string | null }>(`EXPLAIN SELECT ${c} FROM ${s.from}${where(terms)}`);
  return Number(rows[0]?.rows ?? 0);
}

/**
 * Every `per`-th key of the group `prefix`, in key order: exact, reads the group's rows once. A step
 * that does not move past its lower bound (a bound the server compares otherwise than it stores it)
 * ends the splitting: the rest of the group stays one range, never a loop.
 */
async function offsetSteps(s: Splitter, prefix: readonly string[]): Promise<void> {
  let lower: KeyBound | null = null;
  for (;;) {
    const range = rangeCondition(s.table.key, lower, null);
    const terms = [...prefixTerms(s, prefix), ...(range ? [range] : [])];
    const row = await firstRow(s.session, `SELECT ${s.select} FROM ${s.from}${where(terms)} ORDER BY ${s.order} LIMIT 1 OFFSET ${s.per}`);
    if (!row) return;
    const next = push(s, row);
    if (lower && next.every((v, i) => v === lower![i])) return;
    lower = next;
  }
}

/** Appends a row's key as a boundary, unless it equals the last one (an empty range between two split values). */
function push(s: Splitter, row: RawRow): KeyBound {
  const bound = s.cols.map((c, i) => boundValue(c, row[i] ?? null));
  const last = s.out[s.out.length - 1];
  if (!last || last.some((v, i) => v !== bound[i])) s.out.push(bound);
  return bound;
}

function prefixTerms(s: Splitter, prefix: readonly string[]): string[] {
  return prefix.map((v, i) => `${keyColumnExpr(s.cols[i]!)} = ${keyLiteral(s.cols[i]!, v)}`);
}

function where(terms: readonly string[]): string {
  return terms.length ? ` WHERE ${terms.join(' AND ')}` : '';
}

function boundValue(col: KeyColumn, raw: Buffer | null): string {
  const b = raw ?? Buffer.alloc(0);
  return col.literal === 'string' || col.literal === 'binary' ? b.toString('hex') : b.toString('latin1');
}

/**
 * How a key column's bound values are read: ENUM/SET as their index, the binary-form types as their
 * bytes, FLOAT at full double precision — its own text ('0.1') is another number than the stored
 * one (0.100000001490116…), so `f = 0.1` matches none of its rows and `f > 0.1` all of them.
 */
function selectKeyExpr(col: KeyColumn, table: CatalogTable): string {
  if (col.literal === 'enum') return `(${keyColumnExpr(col)} + 0)`;
  const spec = table.columns.find((c) => c.name === col.name);
  return spec && (spec.codec === 'hex' || spec.codec === 'float') ? selectExpr(spec) : keyColumnExpr(col);
}

export async function firstRow(session: Session, sql: string): Promise<RawRow | null> {
  for await (const row of session.rawRows(sql)) return row;
  return null;
}
