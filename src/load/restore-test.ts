import { randomBytes } from 'node:crypto';
import { TsError } from '../core/errors.js';
import { silentReporter, type Reporter } from '../core/events.js';
import { quoteIdent } from '../core/ident.js';
import { Session } from '../db/session.js';
import { PLAIN } from '../db/session-profile.js';
import { readManifest } from '../format/dump-check.js';
import { openStore } from '../storage/open-store.js';
import type { LoadOptions, LoadResult } from './load-options.js';
import { runLoad } from './loader.js';
import { selectRestore } from './restore-filter.js';
import { forgetLoads } from './sql-progress-store.js';

/**
 * tsload --restore-test: the restore drill. The dump (or the part the filters choose) is loaded
 * into scratch databases of our own on the given server — `tsdrill_<random>_<n>_<source name>`,
 * refused if one exists already — verified per chunk against the manifest like every load, and
 * dropped again with their progress records, whatever the outcome (only databases this run
 * created are dropped). Events are created disabled, so nothing of the copy runs meanwhile. The
 * exit code says how it went (0 restored and verified, 4 mismatch, 6 bad dump, 1 failed, …).
 */
export interface RestoreTestResult extends LoadResult {
  /** Source database → scratch database it was loaded into (all dropped again). */
  readonly scratch: ReadonlyMap<string, string>;
}

function scratchName(tag: string, n: number, source: string): string {
  const clean = source.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 40);
  return `tsdrill_${tag}_${n}_${clean}`.slice(0, 64);
}

export async function runRestoreTest(opts: LoadOptions, reporter: Reporter, signal?: AbortSignal): Promise<RestoreTestResult> {
  const store = await openStore(opts.source);
  let databases: string[];
  try {
    const manifest = await readManifest(store);
    databases = (await selectRestore(manifest, store, opts.restore.filters, silentReporter)).manifest.databases.map((d) => d.name);
  } finally {
    await store.close();
  }
  const tag = randomBytes(3).toString('hex');
  const scratch = new Map(databases.map((d, i) => [d, scratchName(tag, i + 1, d)] as const));
  const control = await Session.open(opts.connection, PLAIN);
  const created: string[] = [];
  try {
    for (const name of scratch.values()) {
      if (Number(await control.scalar('SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [name])) > 0) {
        throw new TsError({ code: 'usage', message: `restore test: the scratch database ${name} exists already`, object: { database: name }, suggestion: 'rerun (the name is random), or drop it if a killed drill left it behind' });
      }
    }
    reporter.emit({ kind: 'info', message: `restore test: loading ${[...scratch].map(([s, d]) => `${s} → ${d}`).join(', ')} (dropped afterwards)` });
    const drill: LoadOptions = Object.freeze({ ...opts, targetDatabase: null, renames: scratch, verify: true, keepProgress: false, dropTable: 'fail', restore: Object.freeze({ ...opts.restore, eventsDisabled: opts.restore.eventsDisabled ?? 'disable' }) });
    created.push(...scratch.values());
    const result = await runLoad(drill, reporter, signal);
    reporter.emit({ kind: 'info', message: `restore test: ${result.mismatches.length === 0 ? 'every chunk verified against the manifest' : `${result.mismatches.length} verification mismatch(es)`}` });
    return { ...result, scratch };
  } finally {
    for (const name of created) await control.exec(`DROP DATABASE IF EXISTS ${quoteIdent(name)}`).catch(() => undefined);
    await forgetLoads(control, created).catch(() => undefined);
    if (created.length > 0) reporter.emit({ kind: 'info', message: `restore test: scratch database(s) dropped: ${created.join(', ')}` });
    await control.close();
  }
}
