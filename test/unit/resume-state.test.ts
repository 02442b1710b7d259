/**
 * The resume planner (src/load/resume-state.ts) through every state a table and a chunk can be in,
 * from progress records alone: no server.
 */
import { describe, expect, it } from 'vitest';
import type { ChunkEntry, TableEntry } from '../../src/format/manifest.js';
import { MemoryProgressStore } from '../../src/load/memory-progress-store.js';
import { alreadyLoaded, identityChanged } from '../../src/load/resume-check.js';
import { chunkKey, type ChunkProgress } from '../../src/load/progress-store.js';
import { PENDING_IDENTITY, STEP, TABLE_STATES, adjacentRuns, atLeast, chunkState, chunksToLoad, tableState, type ResumeRecords } from '../../src/load/resume-state.js';

const DB = 'target';

function chunk(index: number, rows = 10): ChunkEntry {
  return { index, path: `d/t.${String(index).padStart(6, '0')}.csv`, bytes: rows * 10, sha256: '0'.repeat(64), rows, lower: null, upper: null };
}

function table(chunks: number, autoIncrement: number | null = null): TableEntry {
  const cs = Array.from({ length: chunks }, (_, i) => chunk(i + 1));
  return {
    name: 't',
    engine: 'InnoDB',
    schema: { path: 'd/t.table.sql', bytes: 1, sha256: '0'.repeat(64) },
    columns: [],
    key: { kind: 'primary', index: 'PRIMARY', columns: [] },
    rows: cs.reduce((n, c) => n + c.rows, 0),
    bytes: cs.reduce((n, c) => n + c.bytes, 0),
    autoIncrement,
    chunks: cs,
  };
}

function records(steps: Record<string, string>, progress: Record<number, ChunkProgress> = {}): ResumeRecords {
  return {
    steps: new Map(Object.entries(steps)),
    progress: new Map(Object.entries(progress).map(([i, p]) => [chunkKey(DB, 't', Number(i)), p])),
  };
}

const done = (maxSub: number): ChunkProgress => ({ maxSub, complete: true, rows: 10 });
const partial = (maxSub: number): ChunkProgress => ({ maxSub, complete: false, rows: 5 });

describe('chunk states', () => {
  it('pending without records, partial with committed sub-chunks, done once the last one is in', () => {
    const c = chunk(1);
    expect(chunkState(DB, 't', c, new Map())).toEqual({ chunk: c, state: 'pending', committedSubs: 0 });
    expect(chunkState(DB, 't', c, records({}, { 1: partial(3) }).progress)).toEqual({ chunk: c, state: 'partial', committedSubs: 3 });
    expect(chunkState(DB, 't', c, records({}, { 1: done(4) }).progress)).toEqual({ chunk: c, state: 'done', committedSubs: 4 });
  });

  it('an empty chunk recorded as done (sub-chunk 0, last) is done', () => {
    expect(chunkState(DB, 't', chunk(1, 0), records({}, { 1: { maxSub: 0, complete: true, rows: 0 } }).progress).state).toBe('done');
  });

  it("another table's or database's records do not count", () => {
    const progress = new Map([[chunkKey('other', 't', 1), done(1)], [chunkKey(DB, 'u', 1), done(1)]]);
    expect(chunkState(DB, 't', chunk(1), progress).state).toBe('pending');
  });
});

describe('table states, in load order', () => {
  const t = table(3, 100);
  const created = { [STEP.table('t')]: 'id-1' };

  it('absent before its CREATE is recorded, whatever else is', () => {
    expect(tableState(DB, t, records({}, { 1: done(1) })).state).toBe('absent');
  });

  it('created, then loading, then loaded', () => {
    expect(tableState(DB, t, records(created)).state).toBe('created');
    expect(tableState(DB, t, records(created, { 2: partial(1) })).state).toBe('loading');
    expect(tableState(DB, t, records(created, { 1: done(2) })).state).toBe('loading');
    expect(tableState(DB, t, records(created, { 1: done(2), 2: done(1), 3: done(5) })).state).toBe('loaded');
  });

  it('indexed once its indexes are recorded, done after foreign keys and AUTO_INCREMENT', () => {
    const all = { 1: done(1), 2: done(1), 3: done(1) };
    expect(tableState(DB, t, records({ ...created, [STEP.indexes('t')]: '' }, all)).state).toBe('indexed');
    expect(tableState(DB, t, records({ ...created, [STEP.indexes('t')]: '', [STEP.foreignKeys('t')]: '' }, all)).state).toBe('indexed');
    expect(tableState(DB, t, records({ ...created, [STEP.indexes('t')]: '', [STEP.foreignKeys('t')]: '', [STEP.autoIncrement('t')]: '' }, all)).state).toBe('done');
    const noCounter = table(3, null);
    expect(tableState(DB, noCounter, records({ ...created, [STEP.indexes('t')]: '', [STEP.foreignKeys('t')]: '' }, all)).state).toBe('done');
  });

  it('a table without chunks (no data) is loaded as soon as it is created', () => {
    expect(tableState(DB, table(0), records(created)).state).toBe('loaded');
  });

  it('keeps the recorded identity, pending while DDL on the table runs', () => {
    expect(tableState(DB, t, records({ [STEP.table('t')]: PENDING_IDENTITY })).identity).toBe(PENDING_IDENTITY);
    expect(tableState(DB, t, records({})).identity).toBeUndefined();
  });

  it('chunksToLoad: every chunk not done, each skipping its committed sub-chunks', () => {
    const s = tableState(DB, t, records(created, { 1: done(2), 2: partial(3) }));
    expect(chunksToLoad(s).map((c) => [c.chunk.index, c.skip])).toEqual([
      [2, 3],
      [3, 0],
    ]);
  });

  it('states are ordered', () => {
    expect(TABLE_STATES).toEqual(['absent', 'created', 'loading', 'loaded', 'indexed', 'done']);
    expect(atLeast('indexed', 'loaded')).toBe(true);
    expect(atLeast('loading', 'loaded')).toBe(false);
  });
});

describe('through the in-memory progress store', () => {
  it('records made as a load makes them give the states a resume acts on', async () => {
    const store = new MemoryProgressStore();
    const t = table(2);
    const session = undefined as never; // the memory store records without a session
    const rec = async (): Promise<ResumeRecords> => ({ steps: await store.steps(DB), progress: await store.chunkProgress(DB) });
    await store.ensure();
    await store.insertRun({ targetDb: DB, dumpId: 'd1', sourceDb: 's', rowsPerTransaction: 10, bytesPerTransaction: 100 });
    await store.recordStep(DB, STEP.table('t'), 'id');
    expect(tableState(DB, t, await rec()).state).toBe('created');
    expect(await store.recordSubChunk(session, { dumpId: 'd1', targetDb: DB, table: 't', chunk: 1, sub: 1, rows: 5, last: false })).toBe(true);
    // the same sub-chunk again (a retry after a lost COMMIT that did commit): refused
    expect(await store.recordSubChunk(session, { dumpId: 'd1', targetDb: DB, table: 't', chunk: 1, sub: 1, rows: 5, last: false })).toBe(false);
    expect(chunksToLoad(tableState(DB, t, await rec())).map((c) => [c.chunk.index, c.skip])).toEqual([
      [1, 1],
      [2, 0],
    ]);
    await store.recordSubChunk(session, { dumpId: 'd1', targetDb: DB, table: 't', chunk: 1, sub: 2, rows: 5, last: true });
    await store.recordSubChunk(session, { dumpId: 'd1', targetDb: DB, table: 't', chunk: 2, sub: 1, rows: 10, last: true });
    expect(tableState(DB, t, await rec()).state).toBe('loaded');
    await store.forgetChunk(DB, 't', 2);
    expect(tableState(DB, t, await rec()).state).toBe('loading');
    await store.finish([DB]);
    expect((await store.run(DB))?.completedAt).toBeTruthy();
    expect([...(await store.steps(DB)).keys()]).toEqual([STEP.table('t')]);
  });
});

describe('the statement a finished load suggests (forget it, to add the rows again)', () => {
  it('names the database as a literal that no name can break out of', () => {
    expect(alreadyLoaded('shop_copy', 'dump', 'T', 'append', false)).toContain("DELETE FROM tsload_progress.runs WHERE target_db = 'shop_copy';");
    // in the default sql_mode a backslash escapes the quote after it: doubling quotes alone let the rest run as SQL
    const hostile = "x\\'; DROP DATABASE prod; -- ";
    const text = alreadyLoaded(hostile, 'dump', 'T', 'append', false);
    expect(text).toContain(`WHERE target_db = _utf8mb4 X'${Buffer.from(hostile).toString('hex')}';`);
    expect(/forget that load first: (.*?;) then/.exec(text)?.[1]).not.toContain('DROP');
  });
});

describe('adjacentRuns (unfinished chunks cleared together)', () => {
  const bounded = (index: number, lower: number | null, upper: number | null): ChunkEntry => ({ ...chunk(index), lower: lower === null ? null : [String(lower)], upper: upper === null ? null : [String(upper)] });
  const all = [bounded(1, null, 10), bounded(2, 10, 20), bounded(3, 20, 30), bounded(4, 30, 40), bounded(5, 40, null)];
  const runs = (some: ChunkEntry[]): number[][] => adjacentRuns(all, some).map(([a, b]) => [a.index, b.index]);

  it('joins chunks next to each other whose bounds meet, and only those', () => {
    expect(runs([all[1]!, all[2]!, all[4]!])).toEqual([[2, 3], [5, 5]]);
    expect(runs([all[0]!, all[1]!, all[2]!, all[3]!, all[4]!])).toEqual([[1, 5]]);
    expect(runs([all[0]!, all[2]!])).toEqual([[1, 1], [3, 3]]);
    expect(runs([])).toEqual([]);
  });

  it('keeps chunks apart whose bounds do not meet (a gap would be deleted with them)', () => {
    const gapped = [bounded(1, null, 10), bounded(2, 11, null)];
    expect(adjacentRuns(gapped, gapped).map(([a, b]) => [a.index, b.index])).toEqual([[1, 1], [2, 2]]);
  });
});

describe('a MEMORY table emptied by a restart (its identity changed)', () => {
  const memory = { control: { scalar: async () => 'MEMORY' } } as unknown as Parameters<typeof identityChanged>[0];
  it('suggests --drop-table drop only when the load kept no table that held rows before it', async () => {
    const plain = await identityChanged(memory, 'shop', 't', 'a', 'b', new Map([[STEP.table('t'), 'a']]));
    expect(plain.message).toMatch(/uses the MEMORY engine, which loses its rows when the server restarts/);
    expect(plain.suggestion).toMatch(/rerun with --drop-table drop/);
    const kept = await identityChanged(memory, 'shop', 't', 'a', 'b', new Map([[STEP.table('t'), 'a'], [STEP.kept('customers'), 'rows']]));
    expect(kept.suggestion).not.toMatch(/rerun with --drop-table drop/);
    expect(kept.suggestion).toMatch(/into another database .*--drop-table drop would also drop the tables this load found holding rows and loaded into \(customers\)/);
  });
});
