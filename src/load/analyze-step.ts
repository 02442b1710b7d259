import { qualified, quoteIdent } from '../core/ident.js';
import type { TableEntry } from '../format/manifest.js';
import { openIndexSession, type LoadContext, type TableWork } from './load-context.js';
import { STEP } from './resume-state.js';

/**
 * --analyze: a table's statistics (and histograms where the server has them, db/flavor.ts), right
 * after its deferred indexes are built, so the first queries on the copy get the plans they got on
 * the source. Idempotent; recorded when done so a resume does not repeat it. What the server
 * reports as a warning or error (a column that cannot take a histogram) is passed on as a warning:
 * the data is loaded, only the statistics are short.
 */
const NO_HISTOGRAM_TYPES = new Set(['json', 'geometry', 'point', 'linestring', 'polygon', 'multipoint', 'multilinestring', 'multipolygon', 'geometrycollection', 'geomcollection', 'vector']);

/** Columns to build histograms on where they are asked by name (MySQL): scalar columns outside the chunking key. */
export function histogramColumns(t: TableEntry): string[] {
  const key = new Set(t.key.columns.map((k) => k.name));
  return t.columns
    .filter((c) => !key.has(c.name) && !NO_HISTOGRAM_TYPES.has(c.dataType.toLowerCase()) && !/blob|text/i.test(c.dataType))
    .map((c) => quoteIdent(c.name));
}

export async function analyzeTable(ctx: LoadContext, w: TableWork): Promise<void> {
  const { db, table } = w;
  const name = STEP.analyze(table.name);
  if (!ctx.opts.restore.analyze || db.steps.has(name)) return;
  const started = Date.now();
  const object = { database: db.name, table: table.name };
  const s = await openIndexSession(ctx);
  try {
    for (const sql of ctx.flavor.analyzeStatements(qualified(db.name, table.name), histogramColumns(table))) {
      const rows = await s.query<{ Msg_type: string | null; Msg_text: string | null }>(sql, [], object);
      for (const r of rows) {
        const type = (r.Msg_type ?? '').toLowerCase();
        if (type === 'error' || type === 'warning') ctx.reporter.emit({ kind: 'warning', message: `--analyze ${db.name}.${table.name}: ${r.Msg_text ?? type}`, ...object });
      }
    }
  } finally {
    await s.close();
  }
  await ctx.progress.recordStep(db.name, name);
  db.steps.set(name, '');
  ctx.reporter.emit({ kind: 'info', message: `${db.name}.${table.name}: statistics${ctx.flavor.kind === 'mariadb' ? ' and histograms' : ''} collected in ${((Date.now() - started) / 1000).toFixed(1)}s` });
}
