import { openVerifySession, type LoadContext, type TargetDb } from './load-context.js';
import { verifyTables, type Mismatch } from './verify.js';

/** Step 11: every loaded table against the manifest, in parallel sessions. */
export async function verifyLoad(ctx: LoadContext, targets: readonly TargetDb[]): Promise<Mismatch[]> {
  const started = Date.now();
  ctx.reporter.emit({ kind: 'phase-start', phase: 'verify', total: { tables: targets.reduce((n, t) => n + t.source.tables.length, 0), chunks: 0, rows: 0, bytes: 0 } });
  const list = targets.flatMap((t) => t.source.tables.map((table) => ({ database: t.name, table })));
  const out = await verifyTables(() => openVerifySession(ctx), list, ctx.opts.threads);
  ctx.reporter.emit({ kind: 'phase-done', phase: 'verify', seconds: (Date.now() - started) / 1000 });
  return out;
}
