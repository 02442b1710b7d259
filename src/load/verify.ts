import pLimit from 'p-limit';
import { qualified } from '../core/ident.js';
import type { Session } from '../db/session.js';
import { historyClause } from '../core/table-shape.js';
import { checksumSql } from '../format/content-checksum.js';
import { rangeCondition } from '../format/key-range.js';
import type { TableEntry } from '../format/manifest.js';

/**
 * After-load verification: row counts per chunk (the chunk's key range on the target) when the table
 * has a NOT NULL key whose ranges the target reads right, else per table; content checksums (same SQL as the dumper ran in its snapshot)
 * where the dump has them.
 */
export interface Mismatch {
  readonly database: string;
  readonly table: string;
  /** Chunk file, or null for a whole-table comparison. */
  readonly chunk: string | null;
  readonly what: 'rows' | 'checksum';
  readonly expected: string;
  readonly actual: string;
}

export interface VerifyTarget {
  readonly database: string;
  readonly table: TableEntry;
  /**
   * 'exact' (default): counts and checksums equal the dump's. 'at-least': the table held rows
   * before the load, so each chunk's range (or the table) must hold at least the dump's rows;
   * checksums are not compared. 'none': nothing can be compared (merged with --on-duplicate ignore).
   */
  readonly compare?: 'exact' | 'at-least' | 'none';
  /**
   * The target table's engine misreads ranges of the chunk key (Aria, a CHAR key in ucs2/utf32:
   * core/engines.ts): the table is compared whole, by one scan, instead of chunk by chunk (a chunk's
   * count through the index missed its first row).
   */
  readonly rangesMisread?: boolean;
}

/** One check done: a chunk (its index) or the whole table (chunk 0), with the rows and bytes it covered. */
export type OnChecked = (target: VerifyTarget, chunk: number, rows: number, bytes: number, seconds: number) => void;

function perChunk(t: TableEntry): boolean {
  if (t.key.kind === 'none' || t.key.columns.length === 0) return false;
  if (t.key.kind === 'primary') return true;
  return t.key.columns.every((k) => t.columns.find((c) => c.name === k.name)?.nullable === false);
}

export async function verifyTables(open: () => Promise<Session>, targets: readonly VerifyTarget[], threads: number, onChecked: OnChecked = () => undefined, signal?: AbortSignal): Promise<Mismatch[]> {
  const limit = pLimit(Math.max(1, threads));
  const sessions: Session[] = [];
  const idle: Session[] = [];
  const acquire = async (): Promise<Session> => {
    const s = idle.pop();
    if (s) return s;
    const n = await open();
    sessions.push(n);
    return n;
  };
  const out: Mismatch[] = [];
  const check = async (target: VerifyTarget, chunk: TableEntry['chunks'][number] | null, where: string | null, rows: number, checksum: string | undefined, atLeast: boolean): Promise<void> => {
    if (signal?.aborted) return;
    const { database: db, table: t } = target;
    const chunkPath = chunk?.path ?? null;
    const s = await acquire();
    const started = Date.now();
    try {
      if (atLeast) {
        const n = await s.scalar(`SELECT COUNT(*) FROM ${qualified(db, t.name)}${where ? ` WHERE ${where}` : ''}`);
        if (Number(n) < rows) out.push({ database: db, table: t.name, chunk: chunkPath, what: 'rows', expected: `at least ${rows}`, actual: n ?? '0' });
      } else if (checksum !== undefined) {
        const r = (await s.query<{ n: string; s: string }>(checksumSql(db, t.name, t.columns, where), [], { database: db, table: t.name }))[0];
        const actual = `${r?.n ?? '0'}:${r?.s ?? '0'}`;
        if (Number(r?.n ?? 0) !== rows) out.push({ database: db, table: t.name, chunk: chunkPath, what: 'rows', expected: String(rows), actual: r?.n ?? '0' });
        else if (actual !== checksum) out.push({ database: db, table: t.name, chunk: chunkPath, what: 'checksum', expected: checksum, actual });
      } else {
        const n = await s.scalar(`SELECT COUNT(*) FROM ${qualified(db, t.name)}${historyClause(t.columns)}${where ? ` WHERE ${where}` : ''}`);
        if (Number(n) !== rows) out.push({ database: db, table: t.name, chunk: chunkPath, what: 'rows', expected: String(rows), actual: n ?? '0' });
      }
      onChecked(target, chunk?.index ?? 0, rows, chunk ? chunk.bytes : t.bytes, (Date.now() - started) / 1000);
    } finally {
      idle.push(s);
    }
  };
  const jobs: Promise<void>[] = [];
  for (const target of targets) {
    const { table: t, compare = 'exact' } = target;
    if (compare === 'none') continue;
    const atLeast = compare === 'at-least';
    const withChecksums = t.chunks.length > 0 && t.chunks.every((c) => c.checksum !== undefined);
    if ((perChunk(t) && !target.rangesMisread) || t.chunks.length === 1) {
      for (const c of t.chunks) jobs.push(limit(() => check(target, c, t.chunks.length === 1 ? null : rangeCondition(t.key, c.lower, c.upper), c.rows, c.checksum, atLeast)));
      if (t.chunks.length === 0) jobs.push(limit(() => check(target, null, null, 0, undefined, atLeast)));
    } else {
      let checksum: string | undefined;
      if (withChecksums) {
        let n = 0n;
        let sum = 0n;
        for (const c of t.chunks) {
          const [a, b] = (c.checksum ?? '0:0').split(':');
          n += BigInt(a ?? '0');
          sum += BigInt(b ?? '0');
        }
        checksum = `${n}:${sum}`;
      }
      jobs.push(limit(() => check(target, null, null, t.rows, checksum, atLeast)));
    }
  }
  try {
    await Promise.all(jobs);
  } finally {
    await Promise.all(sessions.map((s) => s.close()));
  }
  return out.sort((a, b) => `${a.database}.${a.table}.${a.chunk ?? ''}`.localeCompare(`${b.database}.${b.table}.${b.chunk ?? ''}`));
}

