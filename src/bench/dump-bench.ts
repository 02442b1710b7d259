/**
 * `tsdump bench`: dumps one table again and again in SQL format, one grid cell per run, each into a fresh
 * directory under a private temp root that is removed afterwards (also on error or interrupt).
 */
import path from 'node:path';
import { silentReporter } from '../core/events.js';
import { makeScratchDir, removeScratchDir } from '../storage/local-files.js';
import type { ConnectionSettings } from '../db/session.js';
import type { DumpOptions, LockMode, TableRef } from '../dump/dumper.js';
import { dumpOptions, runDump } from '../dump/dumper.js';
import type { BenchPlan, TrialOutcome, TrialProgress } from './bench-runner.js';
import { runTrials } from './bench-runner.js';
import type { BenchSetting } from './grid.js';
import type { BenchReport } from './report.js';
import { recommend } from './stats.js';

export interface DumpBenchOptions {
  readonly connection: ConnectionSettings;
  readonly table: TableRef;
  readonly plan: BenchPlan;
  readonly chunkBytes: number | null;
  readonly chunkRows: number | null;
  readonly lockMode: LockMode;
  /** Parent of the private temp root (default: the OS temp directory). */
  readonly tmpDir: string | null;
  readonly toolVersion: string;
}

export async function runDumpBench(opts: DumpBenchOptions, onTrial?: (p: TrialProgress) => void, signal?: AbortSignal): Promise<BenchReport> {
  const root = await makeScratchDir('tsbench-dump-', opts.tmpDir);
  let run = 0;
  try {
    const trial = async (setting: BenchSetting, s?: AbortSignal): Promise<TrialOutcome> => {
      const outputDir = path.join(root, `run-${++run}`);
      try {
        const result = await runDump(dumpOptionsFor(opts, setting, outputDir), silentReporter, s);
        return { bytes: sum(result.tables.map((t) => t.bytes)), rows: sum(result.tables.map((t) => t.rows)) };
      } finally {
        // Removed at once: a big table dumped a dozen times must not fill the disk.
        await removeScratchDir(outputDir);
      }
    };
    const ranked = await runTrials(opts.plan, trial, onTrial, signal);
    return { tool: 'tsdump', table: `${opts.table.database}.${opts.table.table}`, repeat: opts.plan.repeat, warmup: opts.plan.warmup, seed: opts.plan.seed, results: ranked, recommendation: recommend(ranked) };
  } finally {
    await removeScratchDir(root);
  }
}

export function dumpOptionsFor(opts: DumpBenchOptions, setting: BenchSetting, outputDir: string): DumpOptions {
  return dumpOptions({
    connection: opts.connection,
    output: { kind: 'local' as const, dir: outputDir },
    tables: [opts.table],
    threads: setting.threads,
    format: 'sql',
    compressLevel: null,
    chunkBytes: opts.chunkRows ? null : opts.chunkBytes,
    chunkRows: opts.chunkRows,
    statementSize: setting.statementSize,
    lockMode: opts.lockMode,
    allowInconsistent: true,
    toolVersion: opts.toolVersion,
  });
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}
