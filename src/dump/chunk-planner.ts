import { qualified, quoteIdent } from '../core/ident.js';
import { keyRangesMisread } from '../core/engines.js';
import type { CatalogTable } from '../db/catalog.js';
import type { Session } from '../db/session.js';
import type { KeyBound } from '../format/manifest.js';
import { firstRow, isIntegerColumn, keyBounds } from './key-splits.js';

export interface PlannedChunk {
  readonly lower: KeyBound | null;
  readonly upper: KeyBound | null;
}

export interface ChunkSizing {
  readonly chunkBytes: number | null;
  readonly chunkRows: number | null;
}

const WHOLE: PlannedChunk = { lower: null, upper: null };

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

/**
 * Chunk plan of one table, read on a session inside the dump's snapshot (so the plan describes
 * exactly the rows the workers will read). Keyless tables and small tables are one chunk.
 */
export async function planTable(session: Session, table: CatalogTable, sizing: ChunkSizing): Promise<PlannedChunk[]> {
  const key = table.key;
  // Aria misreads ranges of some keys (core/engines.ts): such a table is read whole, by a scan
  if (key.kind === 'none' || keyRangesMisread(table.engine, table)) return [WHOLE];
  const per = rowsPerChunk(table, sizing);
  if (!sizing.chunkRows && table.rowsEstimate <= per) return [WHOLE];
  const name = qualified(table.database, table.name);
  const first = key.columns[0]!;
  if (key.columns.length === 1 && isIntegerColumn(table, first)) {
    const q = quoteIdent(first.name);
    const r = await firstRow(session, `SELECT MIN(${q}), MAX(${q}) FROM ${name}`);
    if (!r || r[0] === null || r[1] === null) return [WHOLE];
    const rows = table.rowsEstimate > 0 ? table.rowsEstimate : per;
    return integerRanges(BigInt(r[0]!.toString('latin1')), BigInt(r[1]!.toString('latin1')), rows, per);
  }
  // Keyset boundaries on the whole key tuple, about every `per` rows in key order.
  return boundsToChunks(await keyBounds(session, table, per));
}
