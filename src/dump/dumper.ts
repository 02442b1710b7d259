/**
 * The dump protocol. Each numbered step is a call into its own file.
 *
 *  1. connect            control session (locks, catalog, DDL) and flavor detection
 *     requireReplica     (replica-data.ts, --replica-data) the server must be a replica; its source's
 *                        coordinates are read with the snapshot's (step 5)
 *  2. preflight          (preflight-facts.ts, preflight.ts) the selection after the filters (table-selection.ts), and
 *                        every problem that would make the dump fail (filters matching nothing, privileges for the
 *                        tables, views, triggers, events, the lock and the coordinates, compression, the output),
 *                        each with its fix, before anything is created; a dry run returns the plan and the problems
 *  3. prepareOutput      (output.ts) under an exclusive claim: refuse a non-empty output unless --overwrite of one of our
 *                        dumps; mark it in progress (the marker refreshed until the end, so another host sees it alive)
 *  4. openWorkers        (worker-pool.ts) worker threads with their snapshot sessions, connected before any lock
 *  5. takeSnapshot       (snapshot-step.ts) global lock (or a verified lock-free path), every session opens
 *                        START TRANSACTION WITH CONSISTENT SNAPSHOT and takes every dumped table's metadata
 *                        lock (DDL on them waits for the end of the dump), coordinates read, lock released
 *                        (with --lock-non-transactional: once the MyISAM/Aria/… tables are dumped, first);
 *                        the catalog is checked against the locked tables (ddl-step.ts)
 *  6. writeSchema        (schema-writer.ts) database, table and object definitions with their creation context
 *     writeUsers         (users-writer.ts, --users) accounts, roles and grants
 *  7. dumpData           (data-dump.ts) chunks planned per table inside the snapshot, largest tables first, written by the workers
 *  8. writeManifest      (manifest-writer.ts) definitions checked unchanged; every file with size, sha256 and rows; committed last, atomically
 */
import { randomUUID } from 'node:crypto';
import type { Reporter, TableSummary } from '../core/events.js';
import { PreflightError } from '../core/problem.js';
import { detectFlavor } from '../db/flavor.js';
import { Session } from '../db/session.js';
import { DUMP_CONTROL, DUMP_PLANNER } from '../db/session-profile.js';
import type { DumpStore } from '../storage/dump-store.js';
import { openStore } from '../storage/open-store.js';
import { DumpEstimate } from './dump-estimate.js';
import { sampleRowBytes } from './row-sample.js';
import { dumpData, type TableData } from './data-dump.js';
import type { DumpOptions, DumpResult } from './dump-options.js';
import { checkDefinitionsAtEnd, checkDefinitionsAtStart } from './ddl-step.js';
import { buildManifest, writeManifest } from './manifest-writer.js';
import { cleanupPartials, finishOutput, prepareOutput, type OutputHold } from './output.js';
import { writeSchema } from './schema-writer.js';
import { capStatementSize, maxAllowedPacket, readSessionContext, warnLongLines } from './server-settings.js';
import { outsideSnapshot, takeSnapshot, warnOutsideSnapshot, type Snapshot } from './snapshot-step.js';
import { writeUsers } from './users-writer.js';
import { requireReplica } from './replica-data.js';
import { gatherDumpFacts } from './preflight-facts.js';
import { describeDumpPlan, invisibleObjects, preflightDump } from './preflight.js';
import type { Selection } from './table-selection.js';
import { startWorkers, type DumpWorker } from './worker-pool.js';

export { DUMP_DEFAULTS, LOCK_MODES, dumpOptions, type DumpInput, type DumpOptions, type DumpResult, type LockMode, type TableRef, type WhereFilter } from './dump-options.js';

export async function runDump(options: DumpOptions, reporter: Reporter, signal?: AbortSignal): Promise<DumpResult> {
  let opts = options;
  const started = Date.now();
  const startedAt = new Date().toISOString();
  // 1 and 2 before 3: a wrong password, an unreachable host or a filter that matches nothing must
  // not leave a half-prepared output (nor, with --overwrite, delete the earlier dump).
  const control = await Session.open(opts.connection, DUMP_CONTROL);
  let store: DumpStore | undefined;
  let workers: DumpWorker[] = [];
  let planner: Session | undefined;
  let locked: Snapshot | undefined;
  let hold: OutputHold | undefined;
  let failed = false;
  try {
    const flavor = await detectFlavor(control);
    if (opts.replicaData) await requireReplica(control, flavor);
    const facts = await gatherDumpFacts(control, flavor, opts, reporter);
    const problems = preflightDump(opts, facts);
    if (!('code' in facts.selection)) for (const message of invisibleObjects(facts.selection, facts.grants, opts.tables.length > 0)) reporter.emit({ kind: 'warning', message });
    if (opts.dryRun) return { manifest: null, tables: [], seconds: 0, plan: 'code' in facts.selection ? [] : describeDumpPlan(facts.selection, opts), problems };
    if (problems.length > 0) throw new PreflightError('tsdump', problems);
    const selection = facts.selection as Selection;
    store = await openStore(opts.output, { create: true });
    // from here the output is this run's (held): a run that lost the claim must not touch another's partials
    hold = await prepareOutput(store, opts.overwrite, opts.toolVersion, (message) => reporter.emit({ kind: 'warning', message }));
    const threads = opts.noData ? 0 : Math.max(1, opts.threads);
    workers = startWorkers(threads);
    await Promise.all(workers.map((w) => w.open(opts.connection)));
    planner = await Session.open(opts.connection, DUMP_PLANNER);
    const outside = opts.noData ? [] : outsideSnapshot(selection.tables);
    const held = await takeSnapshot(control, planner, workers, selection.tables.map((t) => ({ database: t.database, name: t.name })), flavor, opts, reporter, opts.lockNonTransactional && outside.length > 0);
    locked = held;
    const snapshot = held.info;
    if (!held.held) warnOutsideSnapshot(outside, opts.lockNonTransactional, reporter);
    await checkDefinitionsAtStart(control, flavor, selection.tables);
    const session = await readSessionContext(control);
    const maxPacket = await maxAllowedPacket(control);
    opts = capStatementSize(opts, maxPacket, reporter);
    const dumpId = randomUUID();
    const { tables } = selection;
    // bytes of data before compression, as the data phase counts them: estimated, from a sample of rows
    const estimate = new DumpEstimate(tables, opts.format, opts.noData ? new Map() : await sampleRowBytes(planner, tables, opts.format));
    const totals = opts.noData ? { tables: tables.length, chunks: 0, rows: 0, bytes: 0 } : estimate.totals();
    reporter.emit({ kind: 'start', tool: 'tsdump', dumpId, totals, threads });

    const schema = await writeSchema(control, store, selection, opts, reporter);
    const users = opts.users ? await writeUsers(opts.connection, store, flavor, reporter) : null;
    // stopped by the user, or by a refresh of the marker that finds the output taken from this run
    const stop = signal ? AbortSignal.any([signal, hold.lost]) : hold.lost;
    const data: TableData = opts.noData ? new Map() : await dumpData(planner, workers, tables, opts, reporter, stop, estimate, held.held ? { tables: outside, release: () => held.release() } : undefined);
    await held.release();
    warnLongLines(data, maxPacket, reporter);

    await checkDefinitionsAtEnd(control, flavor, tables);
    const manifest = buildManifest(opts, { dumpId, startedAt, flavor, snapshot, session, threads, selection, schema, data, users });
    await hold.confirm();
    await writeManifest(store, manifest);
    await finishOutput(store, hold);
    const summaries: TableSummary[] = tables.map((t) => {
      const d = data.get(t);
      return { database: t.database, table: t.name, rows: sum(d?.chunks.map((c) => c.rows) ?? []), bytes: sum(d?.chunks.map((c) => c.bytes) ?? []), seconds: d?.seconds ?? 0 };
    });
    return { manifest, tables: summaries, seconds: (Date.now() - started) / 1000, plan: [], problems: [] };
  } catch (e) {
    // a global lock still held (--lock-non-transactional) holds back the server's writes: it goes first
    await locked?.release().catch(() => undefined);
    failed = true;
    throw e;
  } finally {
    await planner?.close().catch(() => undefined);
    await Promise.all(workers.map((w) => w.close().catch(() => undefined)));
    // after the workers: a chunk still being written would begin an upload (or a partial) after it
    await hold?.release();
    // not when the output was taken from this run: the partials there may be the new run's
    if (failed && store && hold && !hold.lost.aborted) await cleanupPartials(store);
    await control.close().catch(() => undefined);
    await store?.close().catch(() => undefined);
  }
}

function sum(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}
