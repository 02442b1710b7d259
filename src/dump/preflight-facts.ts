import { TsError, sysCodeOf } from '../core/errors.js';
import type { Problem } from '../core/problem.js';
import type { Reporter } from '../core/events.js';
import type { Flavor } from '../db/flavor.js';
import { readGrants } from '../db/privileges.js';
import type { Session } from '../db/session.js';
import { compressionAvailable } from '../format/compression.js';
import { openStore } from '../storage/open-store.js';
import type { DumpOptions } from './dump-options.js';
import { outputRefusal } from './output.js';
import type { DumpFacts } from './preflight.js';
import { withStoredSizes } from './stale-statistics.js';
import { selectTables } from './table-selection.js';

/** Reads what the dump preflight decides from; reads only (nothing is created, locked or written). */
export async function gatherDumpFacts(control: Session, flavor: Flavor, opts: DumpOptions, reporter: Reporter): Promise<DumpFacts> {
  const selected = await selectTables(control, flavor, opts, reporter).catch((e: unknown) => {
    // a filter that matches nothing (or an unknown database): a problem beside the others
    if (e instanceof TsError && e.code === 'usage') return asProblem(e, 'nothing-selected');
    throw e;
  });
  // row estimates that InnoDB's stale statistics would leave at a fraction of the table (stale-statistics.ts)
  const selection = 'code' in selected || opts.noData ? selected : { ...selected, tables: await withStoredSizes(control, flavor, selected.tables, opts.format, reporter) };
  return {
    flavor,
    grants: await readGrants(control),
    binlogOn: Number(await control.scalar('SELECT @@GLOBAL.log_bin')) === 1,
    selection,
    output: await inspectOutput(opts),
    compressionAvailable: compressionAvailable(opts.compression),
  };
}

function asProblem(e: TsError, code: Problem['code']): Problem {
  return { code, object: e.object, message: e.message, fix: e.suggestion ?? 'see the message' };
}

/** The output as prepareOutput will find it, without creating it: a directory that does not exist yet is fine. */
async function inspectOutput(opts: DumpOptions): Promise<Problem | null> {
  const store = await openStore(opts.output);
  try {
    const entries = await store.list().catch((e: unknown) => {
      const code = sysCodeOf(e instanceof TsError ? e.cause : e);
      if (code === 'ENOENT' || code === 'ENOTDIR') return []; // not there yet: whyNotWritable says whether it can be
      throw e;
    });
    if (entries.length === 0) {
      const why = await store.whyNotWritable();
      return why ? { code: 'output-unusable', object: {}, message: `cannot write the dump to ${store.display}: ${why}`, fix: 'choose another -o directory, or give the user running tsdump write access to it' } : null;
    }
    const refusal = await outputRefusal(store, entries, opts.overwrite);
    return refusal ? asProblem(refusal, refusal.message.includes('is not empty') ? 'output-not-empty' : 'output-unusable') : null;
  } catch (e) {
    // a usage error is in the command (-o); an I/O error (no such bucket, a failing disk) is a failed run, exit 1 as before
    if (e instanceof TsError && e.code === 'usage') return asProblem(e, 'output-unusable');
    if (e instanceof TsError && e.code === 'io') return asProblem(e, 'output-unreachable');
    throw e;
  } finally {
    await store.close().catch(() => undefined);
  }
}
