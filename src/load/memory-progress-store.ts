import { TsError } from '../core/errors.js';
import type { Session } from '../db/session.js';
import { chunkKey, type ChunkProgress, type ProgressStore, type RunRecord, type SubChunkRecord } from './progress-store.js';

/** A progress store in memory: the loader's bookkeeping for unit tests, without a server. */
export class MemoryProgressStore implements ProgressStore {
  private created = false;
  readonly runs = new Map<string, RunRecord>();
  readonly stepRows = new Map<string, Map<string, string>>();
  readonly subs = new Map<string, SubChunkRecord>();

  async exists(): Promise<boolean> {
    return this.created;
  }
  async ensure(): Promise<void> {
    this.created = true;
  }
  async run(targetDb: string): Promise<RunRecord | null> {
    return this.runs.get(targetDb) ?? null;
  }
  async insertRun(r: RunRecord): Promise<void> {
    if (this.runs.has(r.targetDb)) throw new TsError({ code: 'internal', message: `a run for ${r.targetDb} is recorded already` });
    this.runs.set(r.targetDb, { ...r, completedAt: null });
  }
  async steps(targetDb: string): Promise<Map<string, string>> {
    return new Map(this.stepRows.get(targetDb) ?? []);
  }
  async chunkProgress(targetDb: string): Promise<Map<string, ChunkProgress>> {
    const out = new Map<string, ChunkProgress>();
    for (const r of this.subs.values()) {
      if (r.targetDb !== targetDb) continue;
      const k = chunkKey(targetDb, r.table, r.chunk);
      const p = out.get(k) ?? { maxSub: 0, complete: false, rows: 0, endOffset: r.endOffset ?? null };
      const endOffset = p.endOffset == null || r.endOffset == null ? null : Math.max(p.endOffset, r.endOffset);
      out.set(k, { maxSub: Math.max(p.maxSub, r.sub), complete: p.complete || r.last, rows: p.rows + r.rows, endOffset });
    }
    return out;
  }
  async recordStep(targetDb: string, step: string, info = ''): Promise<void> {
    const m = this.stepRows.get(targetDb) ?? new Map<string, string>();
    m.set(step, info);
    this.stepRows.set(targetDb, m);
  }
  recordStepOn(_session: Session, targetDb: string, step: string, info = ''): Promise<void> {
    return this.recordStep(targetDb, step, info);
  }
  async forgetChunk(targetDb: string, table: string, chunk: number | null): Promise<void> {
    for (const [k, r] of this.subs) if (r.targetDb === targetDb && r.table === table && (chunk === null || r.chunk === chunk)) this.subs.delete(k);
  }
  async recordSubChunk(_session: Session, r: SubChunkRecord): Promise<boolean> {
    const k = `${chunkKey(r.targetDb, r.table, r.chunk)}\u0000${r.sub}`;
    if (this.subs.has(k)) return false;
    this.subs.set(k, r);
    return true;
  }
  async isCommitted(_session: Session, r: Pick<SubChunkRecord, 'targetDb' | 'table' | 'chunk' | 'sub'>): Promise<boolean> {
    return this.subs.has(`${chunkKey(r.targetDb, r.table, r.chunk)}\u0000${r.sub}`);
  }
  async finish(targetDbs: readonly string[]): Promise<void> {
    for (const db of targetDbs) {
      for (const [k, r] of this.subs) if (r.targetDb === db) this.subs.delete(k);
      const steps = this.stepRows.get(db);
      if (steps) for (const k of [...steps.keys()]) if (!k.startsWith('table:') && !k.startsWith('kept:')) steps.delete(k);
      const run = this.runs.get(db);
      if (run) this.runs.set(db, { ...run, completedAt: new Date().toISOString() });
    }
  }
  async forget(targetDb: string): Promise<void> {
    for (const [k, r] of this.subs) if (r.targetDb === targetDb) this.subs.delete(k);
    this.stepRows.delete(targetDb);
    this.runs.delete(targetDb);
  }
}

/**
 * A dry run's progress store: reads what the real run would find (so the plan says "resume" or
 * "fresh" truthfully) and refuses every write, so a bug can never make a dry run change the target.
 */
export class ReadOnlyProgressStore implements ProgressStore {
  constructor(private readonly inner: ProgressStore) {}
  exists(): Promise<boolean> {
    return this.inner.exists();
  }
  async run(targetDb: string): Promise<RunRecord | null> {
    return (await this.inner.exists()) ? this.inner.run(targetDb) : null;
  }
  async steps(targetDb: string): Promise<Map<string, string>> {
    return (await this.inner.exists()) ? this.inner.steps(targetDb) : new Map();
  }
  async chunkProgress(targetDb: string): Promise<Map<string, ChunkProgress>> {
    return (await this.inner.exists()) ? this.inner.chunkProgress(targetDb) : new Map();
  }
  isCommitted(session: Session, r: Pick<SubChunkRecord, 'targetDb' | 'table' | 'chunk' | 'sub'>): Promise<boolean> {
    return this.inner.isCommitted(session, r);
  }
  private refuse(what: string): never {
    throw new TsError({ code: 'internal', message: `a dry run tried to ${what}; nothing was changed` });
  }
  ensure(): Promise<void> {
    this.refuse('create the progress tables');
  }
  insertRun(): Promise<void> {
    this.refuse('record a run');
  }
  recordStep(): Promise<void> {
    this.refuse('record a step');
  }
  recordStepOn(): Promise<void> {
    this.refuse('record a step');
  }
  forgetChunk(): Promise<void> {
    this.refuse('forget progress');
  }
  recordSubChunk(): Promise<boolean> {
    this.refuse('record a sub-chunk');
  }
  finish(): Promise<void> {
    this.refuse('finish a load');
  }
  forget(): Promise<void> {
    this.refuse('forget a load');
  }
}
