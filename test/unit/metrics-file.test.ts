import { describe, expect, it } from 'vitest';
import { metricsText } from '../../src/cli/metrics-file.js';
import { ProgressModel } from '../../src/cli/progress-view.js';

describe('--metrics-file text', () => {
  it('Prometheus exposition: HELP/TYPE per metric, labelled samples, NaN while estimating', () => {
    const m = new ProgressModel('tsdump');
    m.apply({ kind: 'start', tool: 'tsdump', dumpId: 'a"b', totals: { tables: 1, chunks: 0, rows: 10, bytes: 100 }, threads: 1 }, 0);
    m.apply({ kind: 'phase-start', phase: 'data', total: { tables: 1, chunks: 0, rows: 10, bytes: 100 }, exact: false }, 0);
    m.apply({ kind: 'chunk-done', phase: 'data', database: 'd', table: 't', chunk: 1, rows: 4, bytes: 40, dataBytes: 40, seconds: 1 }, 500);
    const text = metricsText('tsdump', m, { dumpId: 'a"b', startedAt: 0, warnings: 2, finished: false, succeeded: false }, 1000);
    expect(text).toContain('# TYPE tsdump_warnings_total counter\ntsdump_warnings_total{dump_id="a\\"b"} 2\n');
    expect(text).toContain('tsdump_eta_seconds{dump_id="a\\"b"} NaN');
    expect(text).toContain('tsdump_phase_rows_done{dump_id="a\\"b",phase="data"} 4');
    expect(text).toContain('tsdump_phase_bytes_total{dump_id="a\\"b",phase="data"} 100');
    expect(text.endsWith('\n')).toBe(true);
  });
});
