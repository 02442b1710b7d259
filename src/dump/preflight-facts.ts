import { TsError, messageOf, sysCodeOf } from '../core/errors.js';
import { qualified } from '../core/ident.js';
import type { Problem } from '../core/problem.js';
import { historyClause } from '../core/table-shape.js';
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
import { selectTables, type Selection } from './table-selection.js';

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
    where: 'code' in selection || opts.noData ? [] : await refusedConditions(control, selection, opts),
    output: await inspectOutput(opts),
    compressionAvailable: compressionAvailable(opts.compression),
  };
}

function asProblem(e: TsError, code: Problem['code']): Problem {
  return { code, object: e.object, message: e.message, fix: e.suggestion ?? 'see the message' };
}

/**
 * Each --where condition as the server takes it, in the chunks' own SELECT (chunk-writer.ts) with
 * LIMIT 0: the server resolves names and types but reads no row. A typo in a column otherwise
 * failed the first chunk of that table, after the output was created and other tables written.
 * Only the server's refusal of the statement is a problem; a lost connection fails the run as ever.
 */
async function refusedConditions(control: Session, selection: Selection, opts: DumpOptions): Promise<Problem[]> {
  const problems: Problem[] = [];
  for (const w of opts.where) {
    const table = selection.tables.find((t) => t.database === w.table.database && t.name === w.table.table);
    if (!table) continue; // the filters' check names it
    const object = { database: table.database, table: table.name };
    try {
      await control.query(`SELECT 1 FROM ${qualified(table.database, table.name)}${historyClause(table.columns)} WHERE (${w.condition}) LIMIT 0`, [], object);
    } catch (e) {
      if (!(e instanceof TsError) || e.errno === undefined || (e.errno >= 2000 && e.errno < 3000) || e.errno === 1142 || e.errno === 1143 || e.code === 'connection-lost' || e.code === 'interrupted') throw e;
      const columns = table.columns.map((c) => c.name).join(', ');
      problems.push({
        code: 'where-invalid',
        object,
        message: `--where '${table.database}.${table.name}:${w.condition}': the server refuses the condition on table ${table.database}.${table.name}: ${messageOf(e.cause ?? e)} [server error ${e.errno}]`,
        fix: `correct the condition (it runs as SELECT … FROM ${qualified(table.database, table.name)} WHERE (condition); the table's columns: ${columns})`,
      });
    }
  }
  return problems;
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
