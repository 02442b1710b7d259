/**
 * `tsload bench`: loads one table of a dump again and again into a scratch database, one grid cell per
 * run. Nothing of the user's is touched: every database it writes is named tsbench_<random> and dropped
 * in `finally` (also on error or interrupt), every file goes under a private temp root that is removed.
 *
 *  1. pickTable       the table from the manifest (-T, else the largest by bytes)
 *  2. loadSource      load it once into tsbench_<r>_src
 *  3. dumpVariants    dump that copy in SQL format once per statement size (statement size is a property
 *                     of the dump files, so it can only be varied by re-dumping)
 *  4. trials          per run: drop the target scratch database (untimed), load one variant into it with
 *                     the cell's threads and rows per transaction (timed)
 *  5. cleanup         drop both scratch databases, remove the temp root
 *
 * The loader itself is injected (LoadFn), so this file depends on the loader's options only through the
 * small adapter the CLI passes in.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { TsError } from '../core/errors.js';
import { silentReporter } from '../core/events.js';
import { quoteIdent } from '../core/ident.js';
import { Session, type ConnectionSettings } from '../db/session.js';
import { PLAIN } from '../db/session-profile.js';
import type { StoreLocation } from '../storage/dump-store.js';
import { makeScratchDir, removeScratchDir } from '../storage/local-files.js';
import { openStore } from '../storage/open-store.js';
import type { TableRef } from '../dump/dumper.js';
import { runDump } from '../dump/dumper.js';
import { readManifest } from '../format/dump-check.js';
import { forgetLoads } from '../load/sql-progress-store.js';
import type { BenchPlan, TrialOutcome, TrialProgress } from './bench-runner.js';
import { runTrials } from './bench-runner.js';
import { dumpOptionsFor } from './dump-bench.js';
import type { BenchSetting } from './grid.js';
import type { BenchReport } from './report.js';
import { recommend } from './stats.js';

/** One load the benchmark asks the loader for: `table` of the dump at `source`, into `targetDatabase`. */
export interface LoadCall {
  readonly connection: ConnectionSettings;
  readonly source: StoreLocation;
  readonly table: TableRef;
  readonly targetDatabase: string;
  /** null: the loader's default. */
  readonly threads: number | null;
  readonly rowsPerTransaction: number | null;
}

export type LoadFn = (call: LoadCall, signal?: AbortSignal) => Promise<TrialOutcome>;

export interface LoadBenchOptions {
  readonly connection: ConnectionSettings;
  readonly source: StoreLocation;
  /** null: the largest table of the dump. */
  readonly table: TableRef | null;
  readonly plan: BenchPlan;
  readonly chunkBytes: number | null;
  readonly chunkRows: number | null;
  readonly tmpDir: string | null;
  readonly toolVersion: string;
}

export const SCRATCH_PREFIX = 'tsbench_';

export function scratchDatabaseName(random: Buffer = randomBytes(6)): string {
  return `${SCRATCH_PREFIX}${random.toString('hex')}`;
}

export async function runLoadBench(opts: LoadBenchOptions, load: LoadFn, onTrial?: (p: TrialProgress) => void, signal?: AbortSignal): Promise<BenchReport> {
  const table = await pickTable(opts.source, opts.table);
  const target = scratchDatabaseName();
  const source = `${target}_src`;
  const root = await makeScratchDir('tsbench-load-', opts.tmpDir);
  const control = await Session.open(opts.connection, PLAIN);
  try {
    await assertAbsent(control, [target, source]);
    // 2
    await load({ connection: opts.connection, source: opts.source, table, targetDatabase: source, threads: null, rowsPerTransaction: null }, signal);
    // 3
    const variants = new Map<number, StoreLocation>();
    for (const size of new Set(opts.plan.cells.map((c) => c.statementSize))) {
      const dir = path.join(root, `stmt-${size}`);
      const dumpSetting: BenchSetting = { statementSize: size, threads: Math.max(...opts.plan.cells.map((c) => c.threads)), rowsPerTransaction: null };
      await runDump(dumpOptionsFor({ ...opts, table: { database: source, table: table.table }, lockMode: 'auto' }, dumpSetting, dir), silentReporter, signal);
      variants.set(size, { kind: 'local', dir });
    }
    // 4
    const ranked = await runTrials(
      opts.plan,
      {
        reset: async () => {
          await control.exec(`DROP DATABASE IF EXISTS ${quoteIdent(target)}`);
        },
        run: (setting, s) =>
          load(
            { connection: opts.connection, source: variants.get(setting.statementSize)!, table: { database: source, table: table.table }, targetDatabase: target, threads: setting.threads, rowsPerTransaction: setting.rowsPerTransaction },
            s,
          ),
      },
      onTrial,
      signal,
    );
    return { tool: 'tsload', table: `${table.database}.${table.table}`, repeat: opts.plan.repeat, warmup: opts.plan.warmup, seed: opts.plan.seed, results: ranked, recommendation: recommend(ranked) };
  } finally {
    // 5 — drop first (the user's server matters more than our temp files)
    for (const db of [target, source]) await control.exec(`DROP DATABASE IF EXISTS ${quoteIdent(db)}`).catch(() => undefined);
    await forgetLoads(control, [target, source]).catch(() => undefined);
    await control.close().catch(() => undefined);
    await removeScratchDir(root);
  }
}

async function pickTable(source: StoreLocation, wanted: TableRef | null): Promise<TableRef> {
  const store = await openStore(source);
  const manifest = await readManifest(store).finally(() => store.close());
  const dir = store.display;
  const all = manifest.databases.flatMap((d) => d.tables.map((t) => ({ database: d.name, table: t.name, bytes: t.bytes })));
  if (wanted) {
    if (!all.some((t) => t.database === wanted.database && t.table === wanted.table)) {
      throw new TsError({ code: 'usage', message: `table ${wanted.database}.${wanted.table} is not in the dump ${dir}`, object: { database: wanted.database, table: wanted.table }, suggestion: 'check -T (db.table as dumped)' });
    }
    return wanted;
  }
  const largest = [...all].sort((a, b) => b.bytes - a.bytes)[0];
  if (!largest) throw new TsError({ code: 'usage', message: `the dump ${dir} holds no tables`, suggestion: 'pick a dump with data' });
  return { database: largest.database, table: largest.table };
}

/** A random name colliding with an existing database would mean dropping something that is not ours. */
async function assertAbsent(control: Session, names: readonly string[]): Promise<void> {
  for (const n of names) {
    const found = await control.scalar('SELECT schema_name FROM information_schema.schemata WHERE schema_name = ?', [n]);
    if (found !== null) throw new TsError({ code: 'target-changed', message: `scratch database ${n} already exists; refusing to touch it`, suggestion: 'run the benchmark again (a new random name is drawn)' });
  }
}
