/**
 * The bridge from a benchmark's LoadCall to the loader's options: loads the one database of a dump into
 * a scratch database (never under a name the dump carries), with the cell's threads and rows per
 * transaction and the loader's defaults for the rest.
 */
import { TsError } from '../core/errors.js';
import { silentReporter } from '../core/events.js';
import { readManifest } from '../format/dump-check.js';
import { openStore } from '../storage/open-store.js';
import { loadOptions, runLoad } from '../load/loader.js';
import type { TrialOutcome } from './bench-runner.js';
import type { LoadCall, LoadFn } from './load-bench.js';

const DEFAULT_THREADS = 4;
const DEFAULT_ROWS_PER_TRANSACTION = 10_000;
/** Large, so the rows-per-transaction dimension is what the benchmark varies. */
const BYTES_PER_TRANSACTION = 256 * 1024 * 1024;

export const loadWithLoader: LoadFn = async (call: LoadCall, signal?: AbortSignal): Promise<TrialOutcome> => {
  const store = await openStore(call.source);
  const manifest = await readManifest(store).finally(() => store.close());
  const names = manifest.databases.map((d) => d.name);
  if (names.length !== 1 || names[0] !== call.table.database) {
    throw new TsError({
      code: 'usage',
      message: `tsload bench needs a dump of exactly one database (${call.table.database}); ${store.display} holds ${names.length}: ${names.join(', ')}`,
      suggestion: `dump just the table first: tsdump -T ${call.table.database}.${call.table.table} -o DIR`,
    });
  }
  const opts = loadOptions({
    connection: call.connection,
    source: call.source,
    targetDatabase: call.targetDatabase,
    threads: call.threads ?? DEFAULT_THREADS,
    rowsPerTransaction: call.rowsPerTransaction ?? DEFAULT_ROWS_PER_TRANSACTION,
    bytesPerTransaction: BYTES_PER_TRANSACTION,
    skipDefiner: true,
    inputFormat: 'tsdump',
    statementTimeout: 0,
  });
  const result = await runLoad(opts, silentReporter, signal);
  const table = result.tables.find((t) => t.table === call.table.table);
  return { bytes: table?.bytes ?? 0, rows: table?.rows ?? 0 };
};
