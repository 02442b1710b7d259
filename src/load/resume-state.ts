/**
 * Where each table and chunk of a load stands, from what the progress store recorded: a pure
 * function, so every case is driven by unit tests without a server. The loader asks these states
 * what is left to do; it never reads raw records itself.
 *
 * Recorded steps (keys of ProgressStore.steps):
 *   `table:<t>`          the table was created (value: its identity, or 'pending' while DDL on it runs)
 *   `indexes:<t>`        its deferred secondary indexes are built (recorded also when it has none)
 *   `fks:<t>`            its foreign keys are added (likewise)
 *   `auto-increment:<t>` its AUTO_INCREMENT counter is restored
 *   `kept:<t>`           the table existed and is loaded into as it is (existing-tables.ts)
 *   `analyze:<t>`        --analyze collected its statistics (analyze-step.ts)
 *   `selection`          a partial load: what it covers, checked on resume (restore-filter.ts)
 * and sub-chunk records per chunk (ChunkProgress).
 */
import type { ChunkEntry, TableEntry } from '../format/manifest.js';
import { chunkKey, type ChunkProgress } from './progress-store.js';

/** A table's states, in the order a load moves through them. */
export const TABLE_STATES = ['absent', 'created', 'loading', 'loaded', 'indexed', 'done'] as const;
export type TableStateName = (typeof TABLE_STATES)[number];

export const CHUNK_STATES = ['pending', 'partial', 'done'] as const;
export type ChunkStateName = (typeof CHUNK_STATES)[number];

export const STEP = {
  database: 'database',
  table: (t: string): string => `table:${t}`,
  indexes: (t: string): string => `indexes:${t}`,
  foreignKeys: (t: string): string => `fks:${t}`,
  autoIncrement: (t: string): string => `auto-increment:${t}`,
  /** The table existed and is loaded into as it is (value: 'rows' when it held rows, else 'empty'). */
  kept: (t: string): string => `kept:${t}`,
  /** A partial load (filters, --no-data, --no-schema): what it covers (restore-filter.ts selectionFingerprint). */
  selection: 'selection',
  /** --analyze ran on the table. */
  analyze: (t: string): string => `analyze:${t}`,
  sequence: (s: string): string => `sequence:${s}`,
  sequenceState: (s: string): string => `sequence-state:${s}`,
  object: (kind: string, name: string): string => `${kind}:${name}`,
} as const;

/** The identity recorded while DDL on a table runs (it is rebuilt: its identity changes). */
export const PENDING_IDENTITY = 'pending';

export interface ChunkState {
  readonly chunk: ChunkEntry;
  readonly state: ChunkStateName;
  /** Sub-chunks committed (the next to load is committedSubs + 1). */
  readonly committedSubs: number;
}

export interface TableState {
  readonly table: TableEntry;
  readonly state: TableStateName;
  readonly chunks: readonly ChunkState[];
  /** The identity recorded for the table, undefined when it was never created by this load. */
  readonly identity: string | undefined;
}

export interface ResumeRecords {
  readonly steps: ReadonlyMap<string, string>;
  readonly progress: ReadonlyMap<string, ChunkProgress>;
}

export const NO_RECORDS: ResumeRecords = { steps: new Map(), progress: new Map() };

export function chunkState(targetDb: string, table: string, chunk: ChunkEntry, progress: ReadonlyMap<string, ChunkProgress>): ChunkState {
  const p = progress.get(chunkKey(targetDb, table, chunk.index));
  if (p?.complete) return { chunk, state: 'done', committedSubs: p.maxSub };
  if (p && p.maxSub > 0) return { chunk, state: 'partial', committedSubs: p.maxSub };
  return { chunk, state: 'pending', committedSubs: 0 };
}

export function tableState(targetDb: string, table: TableEntry, rec: ResumeRecords): TableState {
  const identity = rec.steps.get(STEP.table(table.name));
  const chunks = table.chunks.map((c) => chunkState(targetDb, table.name, c, rec.progress));
  const has = (step: string): boolean => rec.steps.has(step);
  let state: TableStateName;
  if (identity === undefined) state = 'absent';
  else if (chunks.some((c) => c.state !== 'done')) state = chunks.some((c) => c.state !== 'pending') ? 'loading' : 'created';
  else if (!has(STEP.indexes(table.name))) state = 'loaded';
  else if (!has(STEP.foreignKeys(table.name)) || (table.autoIncrement !== null && !has(STEP.autoIncrement(table.name)))) state = 'indexed';
  else state = 'done';
  return { table, state, chunks, identity };
}

/** Whether `s` is at `than` or further along. */
export function atLeast(s: TableStateName, than: TableStateName): boolean {
  return TABLE_STATES.indexOf(s) >= TABLE_STATES.indexOf(than);
}

/** The chunks still to load, each with the sub-chunks to skip. */
export function chunksToLoad(t: TableState): { chunk: ChunkEntry; skip: number }[] {
  return t.chunks.filter((c) => c.state !== 'done').map((c) => ({ chunk: c.chunk, skip: c.committedSubs }));
}

/**
 * `some` (chunks of `all`, in its order) as runs of chunks next to each other in `all` whose ranges
 * join without a gap (each one's upper bound the next one's lower): [first, last] of each run.
 */
export function adjacentRuns(all: readonly ChunkEntry[], some: readonly ChunkEntry[]): [ChunkEntry, ChunkEntry][] {
  const runs: [ChunkEntry, ChunkEntry][] = [];
  const position = new Map(all.map((c, i) => [c, i] as const));
  for (const c of some) {
    const run = runs.at(-1);
    const joins = run !== undefined && position.get(c) === position.get(run[1])! + 1 && run[1].upper !== null && JSON.stringify(run[1].upper) === JSON.stringify(c.lower);
    if (joins) run[1] = c;
    else runs.push([c, c]);
  }
  return runs;
}
