import { describe, expect, it } from 'vitest';
import { ProgressModel } from '../../src/cli/progress-view.js';
import { formatCount } from '../../src/core/sizes.js';

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
    m.apply({ kind: 'progress', phase: 'data', ...T, chunk: 4, rows: 50, bytes: 500 }, 2000);
    [s] = m.snapshots(2000);
    expect(s!.done.rows).toBe(350);
    expect(s!.bytesPerSecond).toBe(250);
    expect(s!.etaSeconds).toBeCloseTo(2);
    m.apply({ kind: 'chunk-done', phase: 'data', ...T, chunk: 4, rows: 100, bytes: 1000, seconds: 2 }, 3000);
    [s] = m.snapshots(3000);
    expect(s!.done).toMatchObject({ rows: 400, bytes: 4000, chunks: 4 });
  });

  it('closes a phase that only reported table-done events once a later phase starts', () => {
    const m = new ProgressModel('tsload');
    m.apply({ kind: 'table-done', phase: 'indexes', ...T, rows: 10, bytes: 100, seconds: 1 }, 0);
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
    m.apply({ kind: 'start', tool: 'tsdump', dumpId: 'd', totals: { tables: 2, chunks: 0, rows: 100, bytes: 1000 }, threads: 2 }, 0);
    m.apply({ kind: 'chunk-done', phase: 'data', ...T, chunk: 1, rows: 50, bytes: 500, seconds: 1 }, 1000);
    // one second in: too early for a rate
    expect(m.line(1000)).toBe('data 50%: 0/2 tables, 50/~100 rows, 500 B/~1000 B, 500 B/s, ETA estimating…; run: time left: estimating…');
    // a dump's totals are estimates: the ETA is marked
    expect(m.line(2000)).toBe('data 50%: 0/2 tables, 50/~100 rows, 500 B/~1000 B, 250 B/s, ETA ~2.0s; run: ~2.0s left');
    m.apply({ kind: 'phase-done', phase: 'data', seconds: 2 }, 2000);
    expect(m.line(2000)).toBeNull();
  });
});

const Z = { tables: 0, chunks: 0, rows: 0, bytes: 0 };

describe('ProgressModel: progress you can trust', () => {
  it('a compressed dump never goes backwards: chunks count their bytes before compression', () => {
    const m = new ProgressModel('tsdump');
    m.apply({ kind: 'phase-start', phase: 'data', total: { tables: 1, chunks: 0, rows: 200, bytes: 2000 }, exact: false }, 0);
    m.apply({ kind: 'progress', phase: 'data', ...T, chunk: 1, rows: 100, bytes: 1000 }, 500);
    const before = m.snapshots(500)[0]!.fraction;
    // the file is 300 bytes gzipped; 1000 bytes of data went into it
    m.apply({ kind: 'chunk-done', phase: 'data', ...T, chunk: 1, rows: 100, bytes: 300, dataBytes: 1000, seconds: 1 }, 1000);
    const after = m.snapshots(1000)[0]!;
    expect(after.fraction).toBeGreaterThanOrEqual(before);
    expect(after.done.bytes).toBe(1000);
  });

  it('a raised estimate slows the bar but never moves it back', () => {
    const m = new ProgressModel('tsdump');
    m.apply({ kind: 'phase-start', phase: 'data', total: { tables: 1, chunks: 0, rows: 100, bytes: 1000 }, exact: false }, 0);
    m.apply({ kind: 'chunk-done', phase: 'data', ...T, chunk: 1, rows: 50, bytes: 500, dataBytes: 500, seconds: 1 }, 1000);
    expect(m.snapshots(1000)[0]!.fraction).toBeCloseTo(0.5);
    m.apply({ kind: 'totals', phase: 'data', total: { tables: 1, chunks: 0, rows: 100, bytes: 2000 }, exact: false }, 1000);
    expect(m.snapshots(1000)[0]!.fraction).toBeCloseTo(0.5);
    m.apply({ kind: 'chunk-done', phase: 'data', ...T, chunk: 2, rows: 25, bytes: 500, dataBytes: 500, seconds: 1 }, 2000);
    expect(m.snapshots(2000)[0]!.fraction).toBeGreaterThanOrEqual(0.5);
  });

  it('progress is kept per chunk: a finished chunk takes only its own in-flight share', () => {
    const m = new ProgressModel('tsload');
    m.apply({ kind: 'phase-start', phase: 'data', total: { tables: 1, chunks: 2, rows: 200, bytes: 2000 } }, 0);
    m.apply({ kind: 'progress', phase: 'data', ...T, chunk: 1, rows: 60, bytes: 600 }, 100);
    m.apply({ kind: 'progress', phase: 'data', ...T, chunk: 2, rows: 40, bytes: 400 }, 100);
    m.apply({ kind: 'chunk-done', phase: 'data', ...T, chunk: 1, rows: 100, bytes: 1000, seconds: 1 }, 200);
    expect(m.snapshots(200)[0]!.done).toMatchObject({ rows: 140, bytes: 1400 });
  });

  it('verify shows its real totals from the start, and moves as tables are checked', () => {
    const m = new ProgressModel('tsload');
    m.apply({ kind: 'start', tool: 'tsload', dumpId: 'd', totals: { tables: 2, chunks: 2, rows: 400, bytes: 4000 }, threads: 2 }, 0);
    m.apply({ kind: 'totals', phase: 'verify', total: { tables: 2, chunks: 0, rows: 400, bytes: 4000 }, exact: true }, 0);
    m.apply({ kind: 'phase-start', phase: 'data', total: { tables: 2, chunks: 2, rows: 400, bytes: 4000 }, exact: true }, 0);
    expect(m.frame(500)).toMatch(/ verify\s+\[-+\]\s+0%\s+tables 0\/2\n\s+rows 0\/400  bytes 0 B\/3\.9 KiB  waiting/);
    m.apply({ kind: 'phase-done', phase: 'data', seconds: 1 }, 1000);
    m.apply({ kind: 'phase-start', phase: 'verify', total: { tables: 2, chunks: 0, rows: 400, bytes: 4000 }, exact: true }, 1000);
    m.apply({ kind: 'chunk-done', phase: 'verify', ...T, chunk: 1, rows: 200, bytes: 2000, seconds: 0.5 }, 1500);
    m.apply({ kind: 'table-done', phase: 'verify', ...T, rows: 200, bytes: 2000, seconds: 0.5 }, 1500);
    const verify = m.snapshots(1500).find((x) => x.phase === 'verify')!;
    expect(verify.done).toMatchObject({ tables: 1, rows: 200, bytes: 2000 });
    expect(verify.fraction).toBeCloseTo(0.5);
  });

  it('the run ETA counts index builds and verification, not only the data (a resumed load at 12 s)', () => {
    const m = new ProgressModel('tsload');
    const total = { tables: 2, chunks: 10, rows: 1000, bytes: 10_000 };
    m.apply({ kind: 'start', tool: 'tsload', dumpId: 'd', totals: total, threads: 2 }, 0);
    m.apply({ kind: 'totals', phase: 'verify', total: { ...total, chunks: 0 }, exact: true }, 0);
    m.apply({ kind: 'phase-start', phase: 'data', total, exact: true }, 0);
    m.apply({ kind: 'totals', phase: 'indexes', total: { ...total, chunks: 0 }, exact: true }, 0);
    m.apply({ kind: 'resumed', phase: 'data', rows: 500, bytes: 5000, chunks: 5 }, 0);
    // this run: 4000 bytes in 8 s (500 B/s); 1000 bytes of data left = 2 s
    m.apply({ kind: 'chunk-done', phase: 'data', ...T, chunk: 6, rows: 400, bytes: 4000, seconds: 8 }, 8000);
    const data = m.snapshots(8000).find((x) => x.phase === 'data')!;
    expect(data.etaSeconds).toBeCloseTo(2);
    const run = m.runEta(8000);
    // + indexes 10000 B at the prior 2 × 500 B/s = 10 s, + verify 10000 B at 1.5 × 500 B/s ≈ 13.3 s
    expect(run.seconds).toBeCloseTo(2 + 10 + 10_000 / 750);
    expect(run.uncertain).toBe(true);
    expect(m.frame(8000)).toMatch(/elapsed 8\.0s, ~25\.3s left/);
    // once verification measured its own rate, that is what counts
    m.apply({ kind: 'phase-done', phase: 'data', seconds: 9 }, 9000);
    for (const t of ['a', 'b']) m.apply({ kind: 'table-done', phase: 'indexes', database: 'db', table: t, rows: 500, bytes: 5000, seconds: 1 }, 9000);
    m.apply({ kind: 'phase-start', phase: 'post-data', total: Z }, 9000);
    m.apply({ kind: 'phase-done', phase: 'post-data', seconds: 0 }, 9000);
    m.apply({ kind: 'phase-start', phase: 'verify', total: { ...total, chunks: 0 }, exact: true }, 9000);
    m.apply({ kind: 'chunk-done', phase: 'verify', ...T, chunk: 1, rows: 500, bytes: 5000, seconds: 2 }, 11_000);
    const after = m.runEta(11_000);
    expect(after.seconds).toBeCloseTo(2);
    expect(after.uncertain).toBe(false);
  });

  it('says "estimating…" until a rate is measured', () => {
    const m = new ProgressModel('tsload');
    m.apply({ kind: 'start', tool: 'tsload', dumpId: 'd', totals: { tables: 1, chunks: 1, rows: 10, bytes: 100 }, threads: 1 }, 0);
    m.apply({ kind: 'phase-start', phase: 'data', total: { tables: 1, chunks: 1, rows: 10, bytes: 100 }, exact: true }, 0);
    expect(m.runEta(500).seconds).toBeNull();
    // a dump in its schema phase: the data to come is not known in detail yet, the run's time neither
    const d = new ProgressModel('tsdump');
    d.apply({ kind: 'start', tool: 'tsdump', dumpId: 'd', totals: { tables: 1, chunks: 0, rows: 10, bytes: 100 }, threads: 1 }, 0);
    d.apply({ kind: 'phase-start', phase: 'schema', total: { tables: 1, chunks: 0, rows: 0, bytes: 0 } }, 0);
    expect(d.frame(500)).toContain('time left: estimating…');
    expect(m.frame(500)).toContain('time left: estimating…');
    expect(m.frame(500)).toContain('ETA estimating…');
  });
});

describe('formatCount', () => {
  it('groups thousands as en-US does, without ICU', () => {
    for (const n of [0, 7, 999, 1000, 12345, 999999, 1000000, 4000000, 1234567890123, -1234567]) {
      expect(formatCount(n)).toBe(n.toLocaleString('en-US'));
    }
  });
});
