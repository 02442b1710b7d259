/**
 * tsload on another tool's dump: detects what -d is (load/input-detect.ts), prints it, and runs the
 * script import (--restore-test: into scratch databases, dropped after); returns null for a tsdump
 * dump (the caller runs the normal load).
 */
import { EXIT_CODES, TsError } from '../core/errors.js';
import type { ClosableReporter } from './reporters.js';
import { runImport, type ImportResult } from '../load/import-load.js';
import { scriptFile } from '../load/import-source.js';
import { detectInput } from '../load/input-detect.js';
import type { LoadOptions } from '../load/load-options.js';
import { runMydumperImport } from '../load/mydumper-load.js';
import { runImportRestoreTest, type ScratchTargets } from '../load/restore-test.js';
import { openStore } from '../storage/open-store.js';
import { listLocalDir } from '../storage/local-files.js';
import { printSummary } from './summary.js';

export async function runImportCommand(opts: LoadOptions, reporter: ClosableReporter, signal: AbortSignal, out: { quiet: boolean; json: boolean; restoreTest: boolean }): Promise<number | null> {
  const input = detectInput(opts.source, opts.inputFormat, listLocalDir);
  if (input.kind === 'tsdump') return null;
  refuseTsdumpOnly(opts, input.kind);
  if (!out.quiet && !out.json) process.stderr.write(`tsload: ${input.display} is a ${input.kind === 'mysqldump' ? 'mysqldump / mariadb-dump file' : 'mydumper directory'}\n`);
  let result: ImportResult;
  const store = await openStore(input.dir);
  try {
    const run = (o: LoadOptions, scratch?: ScratchTargets): Promise<ImportResult> => (input.kind === 'mysqldump' ? runImport(o, scriptFile(store, input.file, input.display), reporter, signal, scratch) : runMydumperImport(o, store, input.display, reporter, signal, scratch));
    result = out.restoreTest ? await runImportRestoreTest(opts, reporter, run) : await run(opts);
  } catch (e) {
    reporter.close(e);
    throw e;
  } finally {
    reporter.close();
    await store.close();
  }
  const stdout = process.stdout;
  if (opts.dryRun) {
    for (const l of [...result.notes, ...result.plan]) stdout.write(`${l}\n`);
    return EXIT_CODES.ok;
  }
  const rows = result.tables.reduce((a, t) => a + t.rows, 0);
  const bytes = result.tables.reduce((a, t) => a + t.bytes, 0);
  reporter.emit({ kind: 'summary', ok: result.mismatches.length === 0, seconds: result.seconds, tables: result.tables, rows, bytes, dumpId: result.dumpId, coordinates: result.coordinates });
  if (!out.quiet && !out.json) printSummary('tsload', result.tables, result.seconds);
  for (const n of result.notes) process.stderr.write(`note: ${n}\n`);
  if (!out.quiet) for (const l of result.replication ?? []) stdout.write(`${l}\n`);
  if (result.mismatches.length > 0) {
    for (const m of result.mismatches) process.stderr.write(`mismatch: ${m.database}.${m.table}: ${m.what} expected ${m.expected}, found ${m.actual}\n`);
    throw new TsError({ code: 'verify', message: `${result.mismatches.length} verification mismatch(es) after the load`, suggestion: 'the target differs from the dump: check for concurrent writers, triggers, or INSERT IGNORE / REPLACE statements in the file' });
  }
  return EXIT_CODES.ok;
}

/** Options of our own dumps' restores that another tool's dump does not support (yet): said, not ignored (table filters, --no-data and --no-schema it does: import-filter.ts). */
function refuseTsdumpOnly(opts: LoadOptions, kind: string): void {
  const r = opts.restore;
  const given = [
    r.analyze && '--analyze',
    r.eventsDisabled !== null && '--events-disabled',
    r.users !== null && '--load-users',
    r.replication !== null && '--start-replication',
    // statements and mydumper's LOAD DATA files are sent as they are
    opts.insertMethod !== 'auto' && `--insert-method ${opts.insertMethod}`,
  ].filter((x): x is string => typeof x === 'string');
  if (given.length === 0) return;
  throw new TsError({ code: 'usage', message: `${given.join(', ')}: not supported when restoring a ${kind === 'mysqldump' ? 'mysqldump file' : 'mydumper directory'} (yet)`, suggestion: 'restore it whole into a scratch database, or dump it again with tsdump for these options' });
}
