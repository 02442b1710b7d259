import { describe, expect, it } from 'vitest';
import { ProgressModel } from '../../src/cli/progress-view.js';

const T = { database: 'db', table: 't' } as const;

describe('ProgressModel', () => {
  it('never shows more than 100% when a dump estimate is exceeded, and 100% only once the phase is done', () => {
    const m = new ProgressModel('tsdump');
    m.apply({ kind: 'phase-start', phase: 'data', total: { tables: 1, chunks: 0, rows: 100, bytes: 1000 } }, 0);
    m.apply({ kind: 'chunk-start', phase: 'data', ...T, chunk: 1 }, 0);
    m.apply({ kind: 'chunk-done', phase: 'data', ...T, chunk: 1, rows: 150, bytes: 3000, seconds: 1 }, 1000);
    const [running] = m.snapshots(1000);
    expect(running!.fraction).toBeLessThan(1);
    expect(running!.total.rows).toBeGreaterThanOrEqual(running!.done.rows);
    expect(running!.total.bytes).toBeGreaterThanOrEqual(running!.done.bytes);
    m.apply({ kind: 'table-done', phase: 'data', ...T, rows: 150, bytes: 3000, seconds: 1 }, 1000);
    m.apply({ kind: 'phase-done', phase: 'data', seconds: 1 }, 1000);
    const [done] = m.snapshots(2000);
    expect(done!.fraction).toBe(1);
    expect(done!.total).toEqual(done!.done);
    expect(m.frame(2000)).toContain('100%');
    expect(m.frame(2000)).toContain('rows 150/150');
  });

  it('projects an exceeded bytes estimate from the rows progress', () => {
    const m = new ProgressModel('tsdump');
    m.apply({ kind: 'phase-start', phase: 'data', total: { tables: 1, chunks: 0, rows: 100, bytes: 1000 } }, 0);
    m.apply({ kind: 'chunk-done', phase: 'data', ...T, chunk: 1, rows: 50, bytes: 2000, seconds: 1 }, 1000);
    const [s] = m.snapshots(1000);
    expect(s!.total.bytes).toBe(4000);
    expect(s!.fraction).toBeCloseTo(0.5);
  });

  it('counts resumed work as done but not in the rate', () => {
    const m = new ProgressModel('tsload');
    m.apply({ kind: 'phase-start', phase: 'data', total: { tables: 1, chunks: 4, rows: 400, bytes: 4000 } }, 0);
    m.apply({ kind: 'resumed', phase: 'data', rows: 300, bytes: 3000, chunks: 3 }, 0);
    let [s] = m.snapshots(0);
    expect(s!.fraction).toBeCloseTo(0.75);
    m.apply({ kind: 'progress', phase: 'data', ...T, rows: 50, bytes: 500 }, 1000);
    [s] = m.snapshots(1000);
    expect(s!.done.rows).toBe(350);
    expect(s!.bytesPerSecond).toBe(500);
    expect(s!.etaSeconds).toBeCloseTo(1);
    m.apply({ kind: 'chunk-done', phase: 'data', ...T, chunk: 4, rows: 100, bytes: 1000, seconds: 2 }, 2000);
    [s] = m.snapshots(2000);
    expect(s!.done).toMatchObject({ rows: 400, bytes: 4000, chunks: 4 });
  });

  it('closes a phase that only reported table-done events once a later phase starts', () => {
    const m = new ProgressModel('tsload');
    m.apply({ kind: 'table-done', phase: 'indexes', ...T, rows: 0, bytes: 0, seconds: 1 }, 0);
    expect(m.snapshots(0)[0]!.finished).toBe(false);
    m.apply({ kind: 'phase-start', phase: 'post-data', total: { tables: 0, chunks: 0, rows: 0, bytes: 0 } }, 1000);
    const [indexes] = m.snapshots(1000);
    expect(indexes).toMatchObject({ phase: 'indexes', finished: true, fraction: 1 });
    expect(m.frame(1000)).toMatch(/✔ indexes\s+\[#+\] 100%  tables 1\/1  in 1\.0s/);
  });
});

describe('ProgressModel.line (plain output)', () => {
  it('describes the running phase, and nothing once it is done', () => {
    const m = new ProgressModel('tsdump');
    m.apply({ kind: 'phase-start', phase: 'data', total: { tables: 2, chunks: 0, rows: 100, bytes: 1000 } }, 0);
    m.apply({ kind: 'chunk-done', phase: 'data', ...T, chunk: 1, rows: 50, bytes: 500, seconds: 1 }, 1000);
    expect(m.line(1000)).toBe('data 50%: 0/2 tables, 50/100 rows, 500 B/1000 B, 500 B/s, ETA 1.0s');
    m.apply({ kind: 'phase-done', phase: 'data', seconds: 2 }, 2000);
    expect(m.line(2000)).toBeNull();
  });
});
