import { qualified, quoteIdent } from '../core/ident.js';
import { selectExpr, type CatalogTable } from '../db/catalog.js';
import type { RawRow, Session } from '../db/session.js';
import { keyColumnExpr, rangeCondition } from '../format/key-range.js';
import type { KeyBound, KeyColumn } from '../format/manifest.js';

export interface PlannedChunk {
  readonly lower: KeyBound | null;
  readonly upper: KeyBound | null;
}

export interface ChunkSizing {
  readonly chunkBytes: number | null;
  readonly chunkRows: number | null;
}

const WHOLE: PlannedChunk = { lower: null, upper: null };
const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint']);

export function rowsPerChunk(table: Pick<CatalogTable, 'avgRowLength'>, sizing: ChunkSizing): number {
  if (sizing.chunkRows) return sizing.chunkRows;
  const avg = table.avgRowLength > 0 ? table.avgRowLength : 100;
  return Math.max(1, Math.floor((sizing.chunkBytes ?? 64 * 1024 * 1024) / avg));
}

/**
 * Integer key ranges: as many chunks as the row estimate asks for, spread evenly over [min, max].
 * The count depends on the rows, not on the key span, so a sparse key (ids 1 and 10^18) never
 * floods the plan with empty chunks. First chunk open below, last open above: gap-free.
 */
export function integerRanges(min: bigint, max: bigint, estimatedRows: number, perChunk: number): PlannedChunk[] {
  const n = BigInt(Math.max(1, Math.ceil(estimatedRows / perChunk)));
  const span = max - min + 1n;
  if (n <= 1n || span <= 1n) return [WHOLE];
  const parts = n > span ? span : n;
  const step = (span + parts - 1n) / parts;
  const bounds: bigint[] = [];
  for (let b = min + step; b <= max; b += step) bounds.push(b);
  return boundsToChunks(bounds.map((b) => [b.toString()]));
}

export function boundsToChunks(bounds: readonly KeyBound[]): PlannedChunk[] {
  if (bounds.length === 0) return [WHOLE];
  const chunks: PlannedChunk[] = [{ lower: null, upper: bounds[0]! }];
  for (let i = 1; i < bounds.length; i++) chunks.push({ lower: bounds[i - 1]!, upper: bounds[i]! });
  chunks.push({ lower: bounds[bounds.length - 1]!, upper: null });
  return chunks;
}

function boundValue(col: KeyColumn, raw: Buffer | null): string {
  const b = raw ?? Buffer.alloc(0);
  return col.literal === 'string' || col.literal === 'binary' ? b.toString('hex') : b.toString('latin1');
}

/** How a key column's bound values are read: ENUM/SET as their index, the binary-form types as their bytes. */
function selectKeyExpr(col: KeyColumn, table: CatalogTable): string {
  if (col.literal === 'enum') return `(${keyColumnExpr(col)} + 0)`;
  const spec = table.columns.find((c) => c.name === col.name);
  return spec && spec.codec === 'hex' ? selectExpr(spec) : keyColumnExpr(col);
}

async function firstRow(session: Session, sql: string): Promise<RawRow | null> {
  for await (const row of session.rawRows(sql)) return row;
  return null;
}

/**
 * Chunk plan of one table, read on a session inside the dump's snapshot (so the plan describes
 * exactly the rows the workers will read). Keyless tables and small tables are one chunk.
 */
export async function planTable(session: Session, table: CatalogTable, sizing: ChunkSizing): Promise<PlannedChunk[]> {
  const key = table.key;
  if (key.kind === 'none') return [WHOLE];
  const per = rowsPerChunk(table, sizing);
  if (!sizing.chunkRows && table.rowsEstimate <= per) return [WHOLE];
  const name = qualified(table.database, table.name);
  const first = key.columns[0]!;
  const dataType = table.columns.find((c) => c.name === first.name)?.dataType ?? '';
  if (key.columns.length === 1 && INTEGER_TYPES.has(dataType)) {
    const q = quoteIdent(first.name);
    const r = await firstRow(session, `SELECT MIN(${q}), MAX(${q}) FROM ${name}`);
    if (!r || r[0] === null || r[1] === null) return [WHOLE];
    const rows = table.rowsEstimate > 0 ? table.rowsEstimate : per;
    return integerRanges(BigInt(r[0]!.toString('latin1')), BigInt(r[1]!.toString('latin1')), rows, per);
  }
  // Keyset boundaries on the whole key tuple: every `per` rows in index order.
  const cols = key.columns;
  const order = cols.map((c) => keyColumnExpr(c)).join(', ');
  const hint = key.index ? ` FORCE INDEX (${quoteIdent(key.index)})` : '';
  const bounds: KeyBound[] = [];
  let lower: KeyBound | null = null;
  for (;;) {
    const where = rangeCondition(key, lower, null);
    const row = await firstRow(
      session,
      `SELECT ${cols.map((c) => selectKeyExpr(c, table)).join(', ')} FROM ${name}${hint}${where ? ` WHERE ${where}` : ''} ORDER BY ${order} LIMIT 1 OFFSET ${per}`,
    );
    if (!row) break;
    const bound = cols.map((c, i) => boundValue(c, row[i] ?? null));
    bounds.push(bound);
    lower = bound;
  }
  return boundsToChunks(bounds);
}
