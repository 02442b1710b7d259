/**
 * tsload's orchestrator: the numbered protocol; each step is a call into its own file.
 *
 *  1. readDump          (dump-reader.ts) the manifest + every file present with its recorded size,
 *                       inside the dump; schema files are hashed as they are read, each chunk file
 *                       right before its first row is loaded (no row of a tampered chunk commits)
 *  2. selectRestore     (restore-filter.ts) the part of the dump to load (-s/-T/-x/--ignore-table),
 *                       dependencies honoured; later steps see only that part
 *     planTargets       (targets.ts) source database → target database (-B / --rename)
 *  3. preflight         (preflight-facts.ts, preflight.ts) every problem that would make the load
 *                       fail (tables that exist, local_infile, privileges on the targets and on
 *                       tsload_progress, max_allowed_packet against the longest line, read_only),
 *                       each with its fix, before anything is changed; a dry run (dry-run.ts)
 *                       describes the plan and the problems and stops
 *  4. acquireLease      (load-lease.ts) one loader per target database: a server lock held by the
 *                       control session, refused naming the loader that holds it
 *     openProgress      (history-check.ts) refuse history rows a target cannot write; (resume-check.ts) per target: a run record (dump id + sub-chunk limits). Same
 *                       dump → resume with the recorded limits; another dump → target-changed; none →
 *                       fresh load, where existing tables are refused / dropped / truncated
 *  5. checkIdentities   (resume-check.ts) on resume, every table we created must still be that table
 *  6. createSchema      (schema-steps.ts) databases, sequences, tables without secondary indexes and FKs
 *  7. loadData          (data-load.ts, chunk-load.ts) chunks in parallel, largest tables first, each as
 *                       sized transactions that also record their progress; a table's indexes
 *                       (index-steps.ts) as soon as its last chunk is in, then (--analyze) its
 *                       statistics (analyze-step.ts)
 *  8. addForeignKeys    (index-steps.ts)
 *  9. createAccounts    (users-step.ts, users-plan.ts; --load-users) accounts and roles: a view that
 *                       reads a view whose DEFINER they are cannot be created before them
 *     createObjects     (object-steps.ts, object-order.ts) routines of every database, views in one
 *                       dependency order across the databases, triggers, events
 * 10. restoreCounters   (object-steps.ts) sequence state, AUTO_INCREMENT
 *     grantAccounts     (users-step.ts; --load-users) grants, role grants, default roles: a table's
 *                       or routine's grant needs its object
 * 11. verifyLoad        (verify-step.ts, verify.ts) row counts / content checksums against the manifest
 * 12. finish            remove the progress state (unless --keep-progress)
 * 13. startReplication  (start-replication.ts, --start-replication) the target replicates from the
 *                       manifest's coordinates; planned and checked before step 4
 * What is left to do on a resume is decided from the progress records by resume-state.ts.
 */
import { TsError } from '../core/errors.js';
import type { Reporter } from '../core/events.js';
import { detectFlavor } from '../db/flavor.js';
import { loadControl } from '../db/session-profile.js';
import { replicationLines } from '../format/replication.js';
import { PreflightError } from '../core/problem.js';
import { openStore } from '../storage/open-store.js';
import { autoincLockHint } from './autoinc-hint.js';
import { csvMethodFor, insertMethodLine } from './insert-method.js';
import { loadData } from './data-load.js';
import { refuseHistoryWithoutTarget } from './history-check.js';
import { describePlan } from './dry-run.js';
import { readDump } from './dump-reader.js';
import { selectRestore } from './restore-filter.js';
import { addForeignKeys } from './index-steps.js';
import { ControlSession } from './control-session.js';
import type { LoadContext } from './load-context.js';
import { LoadLease } from './load-lease.js';
import type { LoadOptions, LoadResult } from './load-options.js';
import { createObjects, restoreCounters } from './object-steps.js';
import { gatherLoadFacts, readDefinitions, readInvokerViews } from './preflight-facts.js';
import { createdTables, definerBlockingViews, definerWarnings, preflightLoad } from './preflight.js';
import { dumpDefiners } from './absent-definers.js';
import { checkIdentities, openProgress } from './resume-check.js';
import { createSchema } from './schema-steps.js';
import { lostAfterStart } from './server-lost.js';
import { SqlProgressStore } from './sql-progress-store.js';
import { planTargets } from './targets.js';
import { accountsToLoad, createAccounts, describeUsers, grantAccounts } from './users-step.js';
import { dryRunReplication, planReplication, refuseRunningReplica, startReplication } from './start-replication.js';
import { announceVerify, verifyLoad } from './verify-step.js';

export { EVENT_STATES, type EventState } from './event-status.js';
export { DROP_TABLE_MODES, FULL_RESTORE, LOAD_DEFAULTS, ON_DUPLICATE_MODES, loadOptions, type DropTableMode, type LoadInput, type LoadOptions, type LoadResult, type OnDuplicateMode, type ReplicationOptions, type RestoreOptions, type UsersSelection } from './load-options.js';

const DEFAULT_MAX_PACKET = 16 * 1024 * 1024;

export async function runLoad(opts: LoadOptions, reporter: Reporter, signal?: AbortSignal): Promise<LoadResult> {
  const started = Date.now();
  const store = await openStore(opts.source);
  try {
    const dumped = await readDump(store);
    const { manifest } = await selectRestore(dumped, store, opts.restore.filters, reporter);
    const targets = planTargets(manifest, opts);
    const replication = opts.restore.replication;
    const replicaPlan = replication ? planReplication(manifest, replication) : null;
    const control = await ControlSession.open(opts.connection, loadControl(opts), reporter, signal);
    try {
      const accounts = opts.restore.users ? await accountsToLoad(store, manifest, opts.restore.users) : null;
      const facts = await gatherLoadFacts(control.session, targets.map((t) => t.name), dumpDefiners(targets));
      const base = { manifest, targets, opts, accounts };
      const judged = opts.convertUtf8mb4 && !opts.restore.noSchema ? createdTables(base, facts).map((c) => c.tb) : [];
      const read = { ...base, definitions: await readDefinitions(store, judged, opts) };
      const plan = { ...read, invokerViews: await readInvokerViews(store, definerBlockingViews(read, facts)) };
      const problems = preflightLoad(plan, facts);
      for (const w of definerWarnings(plan, facts)) reporter.emit({ kind: 'warning', message: w.message, database: w.database, table: w.name });
      if (opts.dryRun) {
        const users = opts.restore.users ? await describeUsers(store, manifest, opts.restore.users, new Map(targets.map((t) => [t.source.name, t.name] as const))) : [];
        return { manifest, seconds: 0, tables: [], mismatches: [], plan: [...describePlan(manifest, targets, opts, facts.runs), ...users], replication: replicationLines(manifest, null), problems, ...(replication ? { replicationStarted: dryRunReplication(manifest, replication) } : {}) };
      }
      if (problems.length > 0) throw new PreflightError('tsload', problems);
      const lease = await LoadLease.acquire(control, targets.map((t) => t.name), manifest.dumpId);
      control.onReconnect = (s, lostThreadId) => lease.reacquire(s, lostThreadId);
      const ctx: LoadContext = {
        opts,
        manifest,
        store,
        reporter,
        signal,
        renames: new Map(targets.map((t) => [t.source.name, t.name] as const)),
        windows: [],
        control,
        lease,
        progress: new SqlProgressStore(control),
        flavor: await detectFlavor(control.session),
        maxPacket: facts.maxAllowedPacket || DEFAULT_MAX_PACKET,
        explicitDefaultsOff: facts.explicitDefaultsOff,
        csvMethod: (tb) => csvMethodFor(opts.insertMethod, facts, tb),
      };
      if (replicaPlan) await refuseRunningReplica(control.session, ctx.flavor);
      await refuseHistoryWithoutTarget(ctx, targets);
      try {
        await openProgress(ctx, targets);
        await lease.record();
        const totals = { tables: 0, chunks: 0, rows: 0, bytes: 0 };
        for (const t of targets) {
          for (const tb of t.source.tables) {
            totals.tables++;
            totals.chunks += tb.chunks.length;
            totals.rows += tb.rows;
            totals.bytes += tb.bytes;
          }
        }
        reporter.emit({ kind: 'start', tool: 'tsload', dumpId: manifest.dumpId, totals, threads: opts.threads });
        if (opts.verify && !opts.restore.noData) announceVerify(ctx, targets);
        // Databases this dump was already loaded into completely are only verified.
        const active = targets.filter((t) => !t.done);
        const hint = opts.restore.noData ? null : autoincLockHint({ lockMode: facts.autoincLockMode, format: manifest.options.format, threads: opts.threads, targets: active, method: ctx.csvMethod, engine: opts.engine });
        if (hint) reporter.emit({ kind: 'info', message: hint });
        const method = opts.restore.noData || manifest.options.format !== 'csv' ? null : insertMethodLine(active, ctx.csvMethod);
        if (method) reporter.emit({ kind: 'info', message: method });
        // Between steps an abort stops the run: every step is recorded when done, so a rerun resumes.
        const next = (): void => {
          if (signal?.aborted) throw new TsError({ code: 'interrupted', message: 'interrupted; rerun the same command to resume' });
        };
        await checkIdentities(ctx, active);
        next();
        const work = await createSchema(ctx, active);
        next();
        const summaries = await loadData(ctx, work);
        next();
        await addForeignKeys(ctx, work);
        next();
        const created = opts.restore.users ? await createAccounts(ctx, opts.restore.users) : undefined;
        if (!opts.restore.noSchema) await createObjects(ctx, active);
        next();
        await restoreCounters(ctx, active);
        next();
        const users = created ? await grantAccounts(ctx, created) : undefined;
        next();
        // --no-data: nothing was loaded to compare with the dump
        const mismatches = opts.verify && !opts.restore.noData ? await verifyLoad(ctx, targets) : [];
        if (!opts.keepProgress && active.length > 0) await ctx.progress.finish(active.map((t) => t.name));
        // only onto a copy that verified: a replica of a wrong copy diverges silently
        const replicaState = replication && replicaPlan && mismatches.length === 0 ? await startReplication(control.session, ctx.flavor, replicaPlan, replication, reporter, signal) : undefined;
        return { manifest, seconds: (Date.now() - started) / 1000, tables: summaries, mismatches, plan: [], problems: [], replication: replicationLines(manifest, ctx.flavor), ...(users ? { users } : {}), ...(replicaState ? { replicationStarted: replicaState } : {}) };
      } catch (e) {
        throw lostAfterStart(e);
      } finally {
        await lease.release();
      }
    } finally {
      await control.close();
    }
  } finally {
    await store.close();
  }
}

